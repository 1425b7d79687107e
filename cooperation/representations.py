"""The read path's shapes: rows read with `.values_list()` and rendered by orjson, no serializer per request.

A `RowShape` is compiled once per serializer class, at import, from the serializer's own fields, so
the serializer stays the one description of a resource (the schema and the writes use it) while a
read pays only for a tuple per row. `tests/test_representations.py` proves that every shape renders
exactly what its serializer renders.

On SQLite, dates and timestamps are read as the text they are stored as: sqlite3 and Django would
parse each into an object that orjson then writes back as the same text, 8 µs a row, more than the
query itself. Django's converters still run for everything else (decimals, booleans).
"""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import Aggregate, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.constants import MULTI
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from cooperation.models import period_label

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
    field = model._meta.get_field(name)
    through = field.remote_field.through  # type: ignore[union-attr]
    own, target = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
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


def field_or_none(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def text_alias(source: str) -> str:
    return f"{source}__text"


def split_keys(joined: str | None) -> list[str]:
    return sorted(joined.split(",")) if joined else []


def timestamp_text(value: datetime.datetime) -> str:
    """An aware timestamp as the API writes it: UTC, ISO 8601, `Z` (DRF's form, and orjson's with OPT_UTC_Z)."""
    return orjson.dumps(value, option=ORJSON_OPTIONS).decode()[1:-1]


def sqlite_timestamp(value: str | None) -> str | None:
    """SQLite's stored UTC text `2024-05-01 10:00:00[.123456]` as the API writes it: `...T...Z`."""
    if value is None:
        return None
    if len(value) in (19, 26) and value[10] == " ":
        return f"{value[:10]}T{value[11:]}Z"
    parsed = parse_datetime(value)  # a form Django does not write; read it the way Django would
    if parsed is None:
        raise ValueError(f"Not a timestamp: {value!r}")
    return timestamp_text(parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC))


def convert_all(functions: Sequence[Callable[..., Any]], expression: Any, connection: Any, value: Any) -> Any:
    for function in functions:
        value = function(value, expression, connection)
    return value


def django_converters(compiler: SQLCompiler) -> list[tuple[int, Callable[[Any], Any]]]:
    """Django's converters of the selected columns (decimals, booleans...); call after the query ran."""
    expressions = [column for column, _, _ in compiler.select[: compiler.col_count]]
    return [
        (position, functools.partial(convert_all, functions, expression, compiler.connection))
        for position, (functions, expression) in compiler.get_converters(expressions).items()
    ]


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
    annotations: tuple[tuple[str, Subquery], ...]
    period_label: bool
    temporal: tuple[str, ...]  # date and timestamp columns
    timestamps: tuple[str, ...]  # the timestamp columns among them

    @classmethod
    def of(cls, serializer_class: type[serializers.ModelSerializer[Any]]) -> RowShape:
        model: type[models.Model] = serializer_class.Meta.model
        columns: list[Column] = []
        annotations: list[tuple[str, Subquery]] = []
        has_label = False
        for name, field in serializer_class().fields.items():
            if name == "period_label":
                has_label = True
                columns.append(Column(name, "period_start"))
            elif isinstance(field, serializers.ListField):
                annotations.append((f"{name}_keys", many_keys(model, name)))
                columns.append(Column(name, f"{name}_keys", split_keys))
            elif isinstance(field, serializers.RelatedField):
                columns.append(Column(name, model_field(model, name).attname))
            else:
                columns.append(Column(name, name))
        sources = dict.fromkeys(column.source for column in columns)
        dates = [source for source in sources if isinstance(field_or_none(model, source), models.DateField)]
        timestamps = [name for name in dates if isinstance(model._meta.get_field(name), models.DateTimeField)]
        return cls(model, tuple(columns), tuple(annotations), has_label, tuple(dates), tuple(timestamps))

    @property
    def sources(self) -> list[str]:
        """The selected columns, each once (period_label only repeats period_start's place)."""
        return list(dict.fromkeys(column.source for column in self.columns))

    def read_as_text(self, alias: str) -> tuple[str, ...]:
        """The date and timestamp columns that `select()` reads as their stored text on this database."""
        return self.temporal if connections[alias].vendor == "sqlite" else ()

    def select(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The queryset reduced to this shape's columns, as tuples."""
        as_text = self.read_as_text(queryset.db)
        casts = {text_alias(source): Cast(source, models.TextField()) for source in as_text}
        names = [text_alias(source) if source in as_text else source for source in self.sources]
        return queryset.annotate(**dict(self.annotations), **casts).values_list(*names)

    def read(self, queryset: QuerySet[Any]) -> list[dict[str, Any]]:
        """Dicts ready for orjson, in the serializer's field order, in one query."""
        selected = self.select(queryset) if queryset._fields is None else queryset  # type: ignore[attr-defined]
        compiler = selected.query.get_compiler(selected.db)
        tuples = [values for chunk in compiler.execute_sql(MULTI) for values in chunk]
        if not tuples:
            return []
        as_text = self.read_as_text(selected.db)
        selected_names = list(selected.query.selected or ())  # values_list's names, in the order selected
        places = [
            selected_names.index(text_alias(column.source) if column.source in as_text else column.source)
            for column in self.columns
        ]
        names = [column.name for column in self.columns]
        converters = django_converters(compiler)
        column_converters = [(column.name, column.convert) for column in self.columns if column.convert]
        column_converters += [(name, sqlite_timestamp) for name in self.timestamps if name in as_text]
        rows = []
        for values in tuples:
            if converters:
                values = list(values)
                for position, convert in converters:
                    values[position] = convert(values[position])
            row = dict(zip(names, [values[place] for place in places], strict=True))
            if self.period_label:
                row["period_label"] = label(row["period_start"], row["period_end"])
            for name, convert in column_converters:
                row[name] = convert(row[name])
            rows.append(row)
        return rows
