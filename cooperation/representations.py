"""The read path's shapes: rows read with `.values_list()` and rendered by orjson, no serializer per request.

A `RowShape` is compiled once per serializer class, at import, from the serializer's own fields, so
the serializer stays the one description of a resource (the schema and the writes use it) while a
read pays only for a tuple per row. `tests/test_representations.py` proves that every shape renders
exactly what its serializer renders.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import models
from django.db.models import Aggregate, OuterRef, QuerySet, Subquery
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


def split_keys(joined: str | None) -> list[str]:
    return sorted(joined.split(",")) if joined else []


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
        return cls(model, tuple(columns), tuple(annotations), has_label)

    @property
    def sources(self) -> list[str]:
        """The selected columns, each once (period_label only repeats period_start's place)."""
        return list(dict.fromkeys(column.source for column in self.columns))

    def select(self, queryset: QuerySet[Any], *extra: str) -> QuerySet[Any]:
        """The queryset reduced to this shape's columns (then `extra` ones), as tuples."""
        return queryset.annotate(**dict(self.annotations)).values_list(*self.sources, *extra)

    def rows(self, tuples: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """Dicts ready for orjson, in the serializer's field order, from tuples read by `select()`."""
        sources = self.sources
        places = [(column.name, sources.index(column.source)) for column in self.columns]
        converters = [(column.name, column.convert) for column in self.columns if column.convert]
        rows = []
        for values in tuples:
            row = {name: values[place] for name, place in places}
            if self.period_label:
                row["period_label"] = period_label(row["period_start"], row["period_end"])
            for name, convert in converters:
                row[name] = convert(row[name])
            rows.append(row)
        return rows

    def read(self, queryset: QuerySet[Any]) -> list[dict[str, Any]]:
        return self.rows(self.select(queryset))
