"""The read path's shapes: rows read with `.values_list()` and rendered by orjson, no serializer per request.

A `RowShape` is compiled once per serializer class, at import, from the serializer's own fields, so
the serializer stays the one description of a resource (the schema and the writes use it) while a
read pays only for a tuple per row. `tests/test_representations.py` proves that every shape renders
exactly what its serializer renders.

Rows come from the ORM's compiled query through the cursor, not through its row iterator: on SQLite,
Django's converters make every timestamp timezone-aware only for orjson to write it back as UTC, and
that cost more than the query itself. `json_converters` keeps every other converter of Django's.

A read of records naming a country on either side (`country=`), or from a cursor among ties, is
index ranges merged in order (`merged_parts()`), rather than one OR whose rows the database must sort
or read from the first tie.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError, FullResultSet
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import BaseExpression, OrderBy
from django.db.models.fields.tuple_lookups import Tuple, TupleLookupMixin  # type: ignore[import-untyped]
from django.db.models.lookups import Exact, Lookup
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query
from django.utils.functional import Promise
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from cooperation import compiled
from cooperation.models import link_table, period_label
from cooperation.querysets import SplitCondition

ORJSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def json_default(value: Any) -> Any:
    """What orjson cannot write itself: decimals as plain strings (never 1E+3), lazy translations as text."""
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=json_default, option=ORJSON_OPTIONS)


class ORJSONRenderer(JSONRenderer):
    """DRF's JSON renderer, written by orjson: compact UTF-8, datetimes in UTC with Z, as DRF writes them."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b"" if data is None else dumps(data)


class KeysConcat(Aggregate):
    """The keys of related rows joined by commas, in one column (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = models.TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG", template="%(function)s(%(expressions)s, ',')")


def many_keys(model: type[models.Model], name: str) -> Subquery:
    """A correlated subquery: the related keys of one many-to-many field, comma-joined, in the row itself.

    It keeps a page of investments or initiatives at one query, where a prefetch would take two.
    """
    through, own, target = link_table(model, name)
    keys = (
        through._default_manager.filter(**{own: OuterRef("pk")})
        .order_by()
        .values(own)
        .annotate(keys=KeysConcat(f"{target}_id"))
        .values("keys")
    )
    return Subquery(keys, output_field=models.TextField())


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field


def split_keys(joined: str | None) -> list[str]:
    return sorted(joined.split(",")) if joined else []


class UtcText(Func):
    """A timestamp column as its UTC text, `YYYY-MM-DD HH:MM:SS[.ffffff]`, read as a string.

    Turning each timestamp into a datetime (psycopg parses PostgreSQL's text, sqlite3 Django's), only
    for orjson to write it back as text, cost a page of fifty rows a tenth of its CPU. SQLite holds
    this very text (Django stores the naive UTC value); CAST keeps sqlite3 from converting it.
    """

    template = "CAST(%(expressions)s AS TEXT)"
    output_field = models.TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')::text", **extra)


def api_timestamp(text: str | None) -> str | None:
    """UTC text from `UtcText` as the API writes a timestamp (`timestamp_text`): ISO 8601 with `Z`."""
    if text is None:
        return None
    # Whole seconds, or all six digits of microseconds: the text is the API's but for two characters.
    if text[10:11] == " " and (len(text) == 19 or (len(text) == 26 and text[19] == "." and text[20:].isdigit())):
        return f"{text[:10]}T{text[11:]}Z"
    # PostgreSQL drops a fraction's trailing zeros (".5"), which the API writes as six digits; text
    # written by other tools may carry an offset.
    moment = datetime.datetime.fromisoformat(text)
    return timestamp_text(
        moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment.astimezone(datetime.UTC)
    )


def timestamp_text(value: datetime.datetime) -> str:
    """An aware timestamp as the API writes it: UTC, ISO 8601, `Z` (DRF's form, and orjson's with OPT_UTC_Z)."""
    return orjson.dumps(value, option=ORJSON_OPTIONS).decode()[1:-1]


def sqlite_timestamp(value: datetime.datetime | None) -> str | None:
    """A timestamp as sqlite3 reads it (naive, in UTC: Django stores UTC) written as the API writes it."""
    if value is None or value.tzinfo is not None:  # aware: a form Django does not store; written as any other
        return None if value is None else timestamp_text(value)
    return f"{value.isoformat()}Z"


def convert_all(functions: Sequence[Callable[..., Any]], expression: Any, connection: Any, value: Any) -> Any:
    for function in functions:
        value = function(value, expression, connection)
    return value


def json_converters(compiler: SQLCompiler) -> list[tuple[int, Callable[[Any], Any]]]:
    """What turns each selected value into what orjson should write; call after the query ran.

    Django's own converters (decimals, booleans...), but SQLite timestamps are written from the naive
    UTC value sqlite3 hands over: Django would make each aware, then orjson write it back as UTC.
    """
    connection = compiler.connection
    expressions = [column for column, _, _ in compiler.select[: compiler.col_count]]
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for position, (functions, expression) in compiler.get_converters(expressions).items():
        if connection.vendor == "sqlite" and isinstance(expression.output_field, models.DateTimeField):
            converters.append((position, sqlite_timestamp))
        else:
            converters.append((position, functools.partial(convert_all, functions, expression, connection)))
    return converters


def as_date(value: datetime.date | str) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=16384)
def label(start: datetime.date | str | None, end: datetime.date | str | None) -> str | None:
    """`period_label` of a row, remembered: a listing has few distinct periods, and labels cost 2 µs each."""
    if start is None or end is None:
        return None
    return period_label(as_date(start), as_date(end))


@dataclass(frozen=True)
class Column:
    """One output field: where its value comes from, and how it is turned into JSON (None: as it is)."""

    name: str
    source: str
    convert: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class RowShape:
    """How one resource's rows are read and written out: columns to select, names and converters."""

    model: type[models.Model]
    columns: tuple[Column, ...]
    annotations: tuple[tuple[str, BaseExpression], ...]
    period_label: bool
    # One RowReader per model, database and selected columns: building one cost a list a tenth of its CPU.
    readers: dict[tuple[Any, ...], RowReader] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, serializer_class: type[serializers.ModelSerializer[Any]]) -> RowShape:
        model: type[models.Model] = serializer_class.Meta.model
        columns: list[Column] = []
        annotations: list[tuple[str, BaseExpression]] = []
        has_label = False
        for name, field in serializer_class().fields.items():
            if name == "period_label":
                has_label = True
                columns.append(Column(name, "period_start"))
            elif isinstance(field, serializers.DateTimeField):
                annotations.append((f"{name}_text", UtcText(name)))
                columns.append(Column(name, f"{name}_text", api_timestamp))
            elif isinstance(field, serializers.ListField):
                annotations.append((f"{name}_keys", many_keys(model, name)))
                columns.append(Column(name, f"{name}_keys", split_keys))
            elif isinstance(field, serializers.RelatedField):
                columns.append(Column(name, model_field(model, name).attname))
            else:
                columns.append(Column(name, name))
        return cls(model, tuple(columns), tuple(annotations), has_label)

    def source_of(self, name: str) -> str:
        """The selected column that the output field `name` is written from."""
        return next(column.source for column in self.columns if column.name == name)

    @property
    def sources(self) -> list[str]:
        """The selected columns, each once (period_label only repeats period_start's place)."""
        return list(dict.fromkeys(column.source for column in self.columns))

    def select(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The queryset reduced to this shape's columns, as tuples (as it is when it already is)."""
        if queryset.query.has_select_fields:
            return queryset
        return queryset.annotate(**dict(self.annotations)).values_list(*self.sources)

    @functools.cached_property
    def selected_all(self) -> QuerySet[Any]:
        return self.select(self.model._default_manager.all())

    def all_rows(self) -> QuerySet[Any]:
        """Every row as `select()` shapes it, to filter, order and slice: built once, cloned for each read.

        Resolving fifteen-odd columns and a subquery cost a read more than its filters and its query.
        """
        return self.selected_all.all()

    def read(self, queryset: QuerySet[Any], after: SplitCondition | None = None) -> list[dict[str, Any]]:
        """Dicts ready for orjson, in the serializer's field order, in one query.

        `after` is a cursor's condition (`pagination.keyset_after()`), given beside the queryset (which
        may be sliced) so that it is split into its parts without first being resolved whole.
        """
        selected = self.select(queryset)
        if found := mergeable(selected.query, after):
            return self.read_merged(selected, found)
        if after is not None:
            selected = selected.all()
            selected.query.add_q(Q(after))  # a WHERE: it holds before the slice's LIMIT, as any filter's
        alias, query = selected.db, selected.query
        try:
            form = compiled.form_of(query, alias)
        except EmptyResultSet:
            return []
        if form is not None and (kept := compiled.kept_page_read(form, query, alias)) is not None:
            sql, reader = kept
            params: Sequence[Any] = form.params
        else:
            compiler = query.get_compiler(alias)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return []
            reader = self.reader(selected, compiler)
            if form is not None:
                compiled.keep_page_read(form, query, alias, sql, params, reader)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            tuples = cursor.fetchall()
        return reader.rows(tuples) if tuples else []

    def read_merged(self, selected: QuerySet[Any], found: list[Found]) -> list[dict[str, Any]]:
        """`selected` read as `merged_parts()` splits it, its compound compiled once for each form of the read.

        Compiling the compound (every part's select list, then the outer query's) cost a cursor page
        more than its query and as much as the rest of the request. Django compiles the same SQL whatever
        the values, so the compound's SQL is kept by what determines it: the form of the read without
        its split conditions (`compiled.form_of()`: its WHERE is compiled alone), its page, and the SQL
        of each part. The compound's parameters are, for each combination of parts, the read's then the
        parts'; the compound is kept only when Django's own compile laid them out so. (A part of plain
        comparisons is not even compiled: `part_form()`.)
        """
        alias = selected.db
        rest = without_split(selected, found)
        try:
            form = compiled.form_of(rest.query, alias)
        except EmptyResultSet:  # the other conditions match nothing: nor does any part
            return []
        key: tuple[Any, ...] | None = None  # None: the read or its parts are not described, so nothing is kept
        params: list[Any] = []
        compiler = rest.query.get_compiler(alias)
        try:
            described = [[part_form(part, rest, compiler) for part in c.parts()] for _, c in found]
        except (EmptyResultSet, FullResultSet, FieldError):  # a part that is not one plain condition
            pass
        else:
            if form is not None:
                combinations = list(itertools.product(*described))
                page = (rest.query.low_mark, rest.query.high_mark)
                key = (form.key, page, tuple(tuple(sql for sql, _ in parts) for parts in combinations))
                params = [
                    param for parts in combinations for param in (*form.params, *(p for _, ps in parts for p in ps))
                ]
        if key is not None and (known := MERGED_READS.get(key)) is not None:
            sql, reader = known
        else:
            merged = merged_parts(selected, found)
            merged_compiler = merged.query.get_compiler(alias)
            try:
                sql, merged_params = merged_compiler.as_sql()
            except EmptyResultSet:
                return []
            reader = self.reader(merged, merged_compiler)
            if key is not None and list(merged_params) == params and len(MERGED_READS) < MERGED_READS_KEPT:
                MERGED_READS[key] = (sql, reader)
            params = list(merged_params)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            tuples = cursor.fetchall()
        return reader.rows(tuples) if tuples else []

    def reader(self, selected: QuerySet[Any], compiler: SQLCompiler) -> RowReader:
        """How to turn the tuples of `selected` (a `select()`, compiled by `compiler`) into dicts."""
        selected_names = tuple(selected.query.selected or ())  # values_list's names, in the order selected
        # A merged read (`merged_parts()`) selects the same columns through a compound query: a reader of its own.
        key = (selected.model, compiler.connection.alias, selected_names, selected.query.combinator)
        if (known := self.readers.get(key)) is not None:
            return known
        reader = self.readers[key] = RowReader(
            names=tuple(column.name for column in self.columns),
            places=tuple(selected_names.index(column.source) for column in self.columns),
            converters=tuple(json_converters(compiler)),
            column_converters=tuple((column.name, column.convert) for column in self.columns if column.convert),
            period_label=self.period_label,
        )
        return reader


# A split condition and its place among the conditions of the read's WHERE (None: given beside it).
Found = tuple[int | None, SplitCondition]

# The lookups whose SQL is `column <op> %s`, with the value prepared by the column's field.
PLAIN_LOOKUPS = frozenset({"exact", "gt", "gte", "lt", "lte"})


def part_form(part: Q, rest: QuerySet[Any], compiler: SQLCompiler) -> tuple[Any, list[Any]]:
    """What a part's SQL depends on, and its parameters in the order of its SQL.

    Resolving a part's names to columns cost a cursor page a tenth of its CPU, for the same SQL on
    every page of the listing. A part of plain comparisons of the model's own columns is described
    by its shape (lookups, connectors, negations, which values are None), and its parameters are its
    values as each column's field prepares them, as Django's lookups do; any other part is compiled.
    A merged read is kept only if Django's compile of it laid out these very parameters.
    """
    if (plain := plain_condition(part, rest.model, compiler.connection)) is not None:
        return plain
    sql, params = rest.query.build_where(part).as_sql(compiler, compiler.connection)
    return sql, list(params)


def plain_condition(condition: Q, model: type[models.Model], connection: Any) -> tuple[Any, list[Any]] | None:
    """`part_form()` of a Q of plain comparisons (`field`, `field__gt`, `field__isnull`...); None for any other."""
    shape: list[Any] = [condition.connector, condition.negated]
    params: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            if (inner := plain_condition(child, model, connection)) is None:
                return None
            shape.append(inner[0])
            params.extend(inner[1])
            continue
        if isinstance(child, TupleLookupMixin):  # PostgreSQL's cursor: (a, b) > (x, y)
            if (row := plain_row_value(child, model, connection)) is None:
                return None
            shape.append(row[0])
            params.extend(row[1])
            continue
        if not isinstance(child, tuple):
            return None
        path, value = child
        name, _, lookup = path.partition("__")
        lookup = lookup or "exact"
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not isinstance(field, models.Field) or field.many_to_many or hasattr(value, "resolve_expression"):
            return None
        if lookup == "isnull" and isinstance(value, bool):
            shape.append((name, lookup, value))
        elif lookup == "exact" and value is None:  # IS NULL
            shape.append((name, lookup, None))
        elif lookup in PLAIN_LOOKUPS and value is not None:
            shape.append((name, lookup))
            params.append(field.get_db_prep_value(value, connection, prepared=False))
        else:
            return None
    return tuple(shape), params


def plain_row_value(lookup: Lookup, model: type[models.Model], connection: Any) -> tuple[Any, list[Any]] | None:
    """`plain_condition()` of a row-value comparison of the model's own columns with values, `(a, b) > (x, y)`."""
    if not connection.features.supports_tuple_lookups:  # SQLite writes it as an OR of its terms instead
        return None
    columns, values = lookup.lhs, lookup.rhs
    if (
        not isinstance(columns, Tuple)
        or not isinstance(values, (tuple, list))
        or lookup.lookup_name not in PLAIN_LOOKUPS
    ):
        return None
    fields = []
    for column, value in zip(columns.get_source_expressions(), values, strict=True):
        if not isinstance(column, F) or value is None or hasattr(value, "resolve_expression"):
            return None
        try:
            field = model._meta.get_field(column.name)
        except FieldDoesNotExist:
            return None
        if not isinstance(field, models.Field) or field.is_relation:
            return None
        fields.append(field)
    shape = ("row", tuple(field.name for field in fields), lookup.lookup_name)
    # Django writes each value as Value(value, output_field=column's field) would: get_db_prep_value().
    return shape, [
        field.get_db_prep_value(value, connection, prepared=False) for field, value in zip(fields, values, strict=True)
    ]


# Merged reads' compound SQL and reader by database, SQL of the read without its split conditions, and
# SQL of each combination of parts (`RowShape.read_merged()`). A few dozen forms in practice (filters,
# orderings, the cursor's direction); past the limit, further forms are compiled on every read.
MERGED_READS: dict[tuple[Any, ...], tuple[str, RowReader]] = {}
MERGED_READS_KEPT = 1024


def mergeable(query: Query, after: SplitCondition | None = None) -> list[Found]:
    """The split conditions of an ordered read that `merged_parts()` splits (`after` too); none for any other read."""
    found: list[Found] = [*split_conditions(query), *([(None, after)] if after is not None else [])]
    if not found or query.combinator or query.group_by is not None or not orders_by_selected(query):
        return []
    if query.high_mark is not None and query.high_mark <= query.low_mark:  # an empty page: nothing to merge
        return []
    return found


def without_split(selected: QuerySet[Any], found: list[Found]) -> QuerySet[Any]:
    """A clone of `selected` without the split conditions found in its WHERE."""
    rest = selected.all()
    for position in sorted((position for position, _ in found if position is not None), reverse=True):
        del rest.query.where.children[position]  # the clone's own list of conditions
    return rest


def split_conditions(query: Query) -> list[tuple[int, SplitCondition]]:
    """The `SplitCondition`s among the conditions of the WHERE that all must hold, with their places there."""
    return [
        (position, child.lhs)
        for position, child in enumerate(query.where.children)
        if isinstance(child, Exact) and isinstance(child.lhs, SplitCondition) and child.rhs is True
    ]


def orders_by_selected(query: Query) -> bool:
    """Whether the query is ordered, by columns it selects (as `OrderTerm.expression()`s order)."""
    names = set(query.selected or ())
    return bool(query.order_by) and all(
        isinstance(term, OrderBy) and isinstance(term.expression, F) and term.expression.name in names
        for term in query.order_by
    )


def merged_parts(selected: QuerySet[Any], found: list[Found]) -> QuerySet[Any]:
    """An ordered read whose conditions include ORs (`SplitCondition`s), as index ranges merged in order.

    `first = X OR second = X` (`country=`) cannot be read in order from one index, so the database
    reads the rows of both sides and sorts them: every row of the country, for a page of 50. Each
    side alone is a range of its `(column, ordering, id)` index, already in order. Likewise a cursor's
    `(a = x AND id > y) OR a > x`, whose first range starts at the cursor. So the read becomes one
    SELECT per combination of parts (`first = X AND a > x`, ...), each with all the read's other
    conditions, in a UNION ALL with the read's ORDER BY and LIMIT/OFFSET. SQLite merges the ranges
    (MERGE (UNION ALL)); PostgreSQL merges them (Merge Append) only when each is itself ordered and
    limited, so there each also takes the ordering and the end of the slice, which SQLite does not
    allow. `found` is what `mergeable()` found.
    """
    query = selected.query
    ordering, low, high = query.order_by, query.low_mark, query.high_mark
    rest = without_split(selected, found)
    rest.query.clear_limits()
    rest.query.clear_ordering(force=True)
    reads = [rest.filter(*parts) for parts in itertools.product(*(condition.parts() for _, condition in found))]
    if len(reads) > 1 and connections[selected.db].features.supports_slicing_ordering_in_compound:
        reads = [read.order_by(*ordering) for read in reads]
        if high is not None:  # a page; a whole list (the CSV export) has no end
            reads = [read[:high] for read in reads]
    merged = reads[0].union(*reads[1:], all=True) if len(reads) > 1 else reads[0]
    merged = merged.order_by(*ordering)
    merged.query.set_limits(low, high)
    return merged


@dataclass(frozen=True)
class RowReader:
    """Turns the tuples of one compiled select into a shape's dicts."""

    names: tuple[str, ...]
    places: tuple[int, ...]
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]
    column_converters: tuple[tuple[str, Callable[[Any], Any]], ...]
    period_label: bool

    def rows(self, tuples: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        rows = []
        for values in tuples:
            if self.converters:
                values = list(values)
                for position, convert in self.converters:
                    values[position] = convert(values[position])
            row = dict(zip(self.names, [values[place] for place in self.places], strict=True))
            if self.period_label:
                row["period_label"] = label(row["period_start"], row["period_end"])
            for name, convert in self.column_converters:
                row[name] = convert(row[name])
            rows.append(row)
        return rows


def placeholder(key_type: type, index: int) -> Any:
    """A key no row has, standing for a read's `index`-th key while its statement is compiled.

    String placeholders sort in the order of their index: give keys that a query sorts (the two
    codes of a pair key) in sorted order.
    """
    return -7_294_618_352_900 - index if key_type is int else f"\x00key{index}\x00"


def holds(param: Any, stand_in: Any) -> bool:
    return bool(param == stand_in or (isinstance(param, str) and isinstance(stand_in, str) and stand_in in param))


@dataclass(frozen=True)
class Statement:
    """A read compiled once, then run with each request's keys.

    Django compiles the same SQL whatever the keys, and compiling cost a detail, a 304 or a pair
    profile more than running it. The read's queryset is built once with placeholders for its keys;
    each run puts the request's keys where the placeholders went, within string parameters too (a
    pair key joins two codes).
    """

    sql: str
    params: tuple[Any, ...]
    placeholders: tuple[Any, ...]
    keyed: tuple[int, ...]  # the parameters that hold a placeholder
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]
    reader: RowReader | None
    columns: tuple[tuple[str, str], ...]  # each selected column's name and type in the database (`Batch`)

    @classmethod
    def compile(
        cls, build: Callable[..., QuerySet[Any]], key_types: tuple[type, ...], shape: RowShape | None = None
    ) -> Statement:
        """`build(*keys)` is the read's queryset: a `shape.select()` (then rows are dicts) or a `values_list()`."""
        placeholders = tuple(placeholder(key_type, index) for index, key_type in enumerate(key_types))
        selected = build(*placeholders)
        compiler = selected.query.get_compiler(selected.db)
        sql, params = compiler.as_sql()
        keyed = tuple(index for index, param in enumerate(params) if any(holds(param, p) for p in placeholders))
        if any(not any(holds(params[index], p) for index in keyed) for p in placeholders):
            raise ValueError(f"Every key must reach the statement's parameters: {params!r}")
        reader = shape.reader(selected, compiler) if shape else None
        converters = () if reader else tuple(json_converters(compiler))
        columns = tuple(
            (name, column.output_field.cast_db_type(compiler.connection))
            for column, _, name in compiler.select[: compiler.col_count]
        )
        return cls(sql, tuple(params), placeholders, keyed, converters, reader, columns)

    def fetch(self, keys: Sequence[Any], using: str) -> list[Any]:
        """The rows for these keys: dicts with a shape, else lists of values, converted for JSON."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, self.bound(keys))
            return self.rows(cursor.fetchall())

    def bound(self, keys: Sequence[Any]) -> list[Any]:
        """The statement's parameters with these keys in place of the placeholders."""
        params = list(self.params)
        for index in self.keyed:
            params[index] = self.with_keys(params[index], keys)
        return params

    def rows(self, found: Sequence[Sequence[Any]]) -> list[Any]:
        if self.reader:
            return self.reader.rows(found)
        return [self.converted(values) for values in found]

    def with_keys(self, param: Any, keys: Sequence[Any]) -> Any:
        for stand_in, key in zip(self.placeholders, keys, strict=True):
            if param == stand_in:
                return key
        for stand_in, key in zip(self.placeholders, keys, strict=True):
            if isinstance(stand_in, str):
                param = param.replace(stand_in, key)
        return param

    def converted(self, values: Sequence[Any]) -> list[Any]:
        converted = list(values)
        for position, convert in self.converters:
            converted[position] = convert(converted[position])
        return converted


@dataclass(frozen=True)
class Batch:
    """Several statements read in one round trip, as one UNION ALL.

    A pair profile reads two countries, their counts and five resources' latest records: over a
    network each alone cost a round trip, about as much of the app's CPU as reading its rows.

    Each statement is a branch; its rows start with the branch's number, then hold its columns in
    the batch's slots, NULL in the slots it does not fill. A slot holds one kind of column (text,
    date, numeric...) for every branch, so that a row is as wide as the widest branch of each kind,
    not as all of them together. The first branch casts its NULLs to their slot's type: PostgreSQL
    types a NULL from the branches before it, and two untyped NULLs would become text.

    Each statement is also a common table expression, `Batch.branch(n)`, which a later statement
    may read: the profile's cited sources are those of the latest records read before them. A
    database reads a table expression named twice once (PostgreSQL and SQLite materialize it).

    Each branch's rows come in its own order (a read's ORDER BY and LIMIT): UNION ALL appends its
    branches in turn, PostgreSQL's Append and SQLite's compound SELECT alike, and nothing sorts the
    whole again.
    """

    statements: tuple[Statement, ...]
    sql: str
    places: tuple[tuple[int, ...], ...]  # per statement, where each of its columns is in a row of the batch

    @classmethod
    def of(cls, statements: Sequence[Statement], connection: BaseDatabaseWrapper) -> Batch:
        slots: list[str] = []  # each slot's kind of column
        fills: list[dict[int, str]] = []  # per statement, the column name in each slot it fills
        for statement in statements:
            kept: dict[int, str] = {}
            for name, db_type in statement.columns:
                kind = db_type.split("(")[0]  # varchar(2) and varchar(200) share slots
                slot = next((i for i, k in enumerate(slots) if k == kind and i not in kept), None)
                if slot is None:
                    slots.append(kind)
                    slot = len(slots) - 1
                kept[slot] = name
            fills.append(kept)
        branches = []
        for number, filled in enumerate(fills):
            columns = [str(number)]
            for slot, kind in enumerate(slots):
                if slot in filled:
                    columns.append(f"{cls.branch(number)}.{connection.ops.quote_name(filled[slot])}")
                else:
                    columns.append(f"CAST(NULL AS {kind})" if number == 0 else "NULL")
            branches.append(f"SELECT {', '.join(columns)} FROM {cls.branch(number)}")
        tables = ", ".join(f"{cls.branch(number)} AS ({statement.sql})" for number, statement in enumerate(statements))
        places = tuple(tuple(1 + slot for slot in filled) for filled in fills)
        return cls(tuple(statements), f"WITH {tables} {' UNION ALL '.join(branches)}", places)

    @staticmethod
    def branch(number: int) -> str:
        """The name under which the batch's statements read the `number`-th statement's rows."""
        return f"batch_branch_{number}"

    def fetch(self, keys: Sequence[Sequence[Any]], using: str) -> list[list[Any]]:
        """Each statement's rows (as `Statement.fetch()` gives them) for its own keys, in one query."""
        params = [param for statement, own in zip(self.statements, keys, strict=True) for param in statement.bound(own)]
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchall()
        branches: list[list[list[Any]]] = [[] for _ in self.statements]
        for values in found:
            branches[values[0]].append([values[place] for place in self.places[values[0]]])
        return [statement.rows(rows) for statement, rows in zip(self.statements, branches, strict=True)]
