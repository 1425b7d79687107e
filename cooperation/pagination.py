"""Pagination: page numbers for browsing, and a keyset cursor that makes a deep page as cheap as the first.

Page numbers need an OFFSET, which the database pays for row by row: page 20,000 reads a million
rows to skip them. A cursor instead carries the ordering values of the row it stops at, and the next
page is an indexed range scan from there (`KeysetAfter`), whatever the depth. So
record lists take `?cursor=` beside `?page=`, and a page-number answer whose next page lies deeper
than DEEP_OFFSET rows links to it with a cursor. A cursor page does not count (`count` is null): the
count is what a client paging by cursor does not need, and it is the costly query.

A page number's count of a whole table (no filter) is read from the table's row tally, kept exact by the
database (`TallyPaginator`, `cooperation/tallies.py`); a filtered count reads the filter's index range.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import functools
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connections, models
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan  # type: ignore[import-untyped]
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param

from cooperation import compiled
from cooperation.querysets import SplitCondition
from cooperation.tallies import read_tally

if TYPE_CHECKING:
    # Only a type here: models.py imports history.py, which imports this module, and importing
    # rest_framework.views loads the renderers, which import the models.
    from rest_framework.views import APIView

# Longer digit strings are beyond any page or page size; int() of a huge one is slow, and past
# sys.get_int_max_str_digits() a ValueError.
MAX_DIGITS = 18
# Past this many rows, `next` links use the cursor instead of a page number.
DEEP_OFFSET = 10_000
CURSOR_PARAM = "cursor"


def positive_int(request: Request, name: str) -> int | None:
    """The parameter as a positive integer; a number too long to be meaningful comes back as MAX_DIGITS nines."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        raise ValidationError({name: [f"Must be a positive integer, not {raw[:50]!r}."]})
    return int(raw.lstrip("0")) if len(raw.lstrip("0")) <= MAX_DIGITS else int("9" * MAX_DIGITS)


@dataclass(frozen=True)
class OrderTerm:
    """One column of a list's ordering. Nulls sort last going forward (and first when walked backwards)."""

    field: str
    descending: bool = False
    nulls_last: bool = True
    # A column without nulls orders plainly: "NULLS LAST" would keep SQLite from reading an index in order.
    nullable: bool = True

    @classmethod
    def of(cls, model: type[models.Model], name: str, descending: bool = False) -> OrderTerm:
        field = model._meta.get_field(name)
        return cls(name, descending, nullable=getattr(field, "null", False))

    def expression(self) -> OrderBy:
        if not self.nullable:
            return OrderBy(F(self.field), descending=self.descending)
        nulls = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        return OrderBy(F(self.field), descending=self.descending, **nulls)

    def reversed(self) -> OrderTerm:
        return OrderTerm(self.field, not self.descending, not self.nulls_last, self.nullable)

    def after(self, value: Any) -> Q:
        """Rows strictly after `value` in this term's order."""
        parts = self.after_parts(value)
        return functools.reduce(operator.or_, parts) if parts else Q(pk__in=[])

    def after_parts(self, value: Any) -> list[Q]:
        """Rows strictly after `value`, as ranges of the column: the values beyond it, then the nulls."""
        if value is None:
            return [] if self.nulls_last else [Q(**{f"{self.field}__isnull": False})]
        beyond = Q(**{f"{self.field}__{'lt' if self.descending else 'gt'}": value})
        return [beyond, Q(**{f"{self.field}__isnull": True})] if self.nulls_last and self.nullable else [beyond]

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})

    def at_or_after(self, value: Any) -> Q:
        """Rows at `value` or after it: one range on the column, which an index reads in order."""
        if value is None:
            return Q(**{f"{self.field}__isnull": True}) if self.nulls_last else Q()
        bound = Q(**{f"{self.field}__{'lte' if self.descending else 'gte'}": value})
        return bound | Q(**{f"{self.field}__isnull": True}) if self.nulls_last and self.nullable else bound


def default_terms(model: type[models.Model]) -> list[OrderTerm]:
    """The model's Meta.ordering as terms, ending with the primary key so that the order is total."""
    terms = []
    for item in model._meta.ordering or []:
        if isinstance(item, OrderBy) and isinstance(item.expression, F):
            terms.append(OrderTerm.of(model, item.expression.name, item.descending))
        else:
            name = str(item)
            terms.append(OrderTerm.of(model, name.removeprefix("-"), name.startswith("-")))
    return with_primary_key(model, terms)


def with_primary_key(model: type[models.Model], terms: list[OrderTerm]) -> list[OrderTerm]:
    pk = model._meta.pk.name
    for index, term in enumerate(terms):
        if term.field in (pk, "pk"):  # unique: what follows it can never decide
            return [*terms[:index], OrderTerm(pk, term.descending, nullable=False)]
    # Ties go the way of the last term, so that one index read forwards or backwards gives the whole order.
    return [*terms, OrderTerm(pk, descending=bool(terms) and terms[-1].descending, nullable=False)]


def keyset_after(terms: Sequence[OrderTerm], values: Sequence[Any], using: str) -> KeysetAfter:
    """Rows after `values` in the order of `terms`, in the form the database `using` reads from the cursor on."""
    # Django 5.2's row values (composite keys): django-stubs knows neither the flag nor the lookups yet.
    row_values = connections[using].features.supports_tuple_lookups  # type: ignore[attr-defined]
    one_way = not any(term.nullable for term in terms) and len({term.descending for term in terms}) == 1
    return KeysetAfter(terms, values, row_value=row_values and one_way)


class KeysetAfter(SplitCondition):
    """Rows after a cursor's `values` in the order of `terms`: (a > x) or (a = x and b > y) or ...

    Read whole, the OR starts an index scan at the cursor's first tie on `a` and reads every tie
    before it: thousands of trade figures share a year's 1 January, and a deep cursor among them cost
    PostgreSQL 12 ms of reading instead of 0.3 ms, SQLite 1.3 ms instead of 0.07. So a page read splits
    it (`parts()`): each alternative is a range of the `(a, b)` index on its own, and `a = x AND b > y`
    starts at the cursor. With `row_value` (a database that compares row values, PostgreSQL, and terms
    without nulls that all go one way) it is one part, `(a, b) > (x, y)`, whose index scan starts at
    the cursor too; SQLite seeks on a row value's first column only.
    """

    def __init__(self, terms: Sequence[OrderTerm], values: Sequence[Any], row_value: bool = False) -> None:
        self.terms, self.values, self.row_value = tuple(terms), tuple(values), row_value
        super().__init__()

    def whole(self) -> Q:
        """The OR of the parts, after the leading column's own bound, from which a database range-scans its index."""
        parts = self.parts()
        first = self.terms[0].at_or_after(self.values[0])
        return parts[0] if len(parts) == 1 else first & functools.reduce(operator.or_, parts)

    def parts(self) -> list[Q]:
        """For each term, the ranges of rows that tie on the terms before it and come after it on its own."""
        if self.row_value:
            beyond = TupleLessThan if self.terms[0].descending else TupleGreaterThan
            return [Q(beyond(Tuple(*(F(term.field) for term in self.terms)), self.values))]
        parts: list[Q] = []
        for index, term in enumerate(self.terms):
            ties = [
                earlier.equal(value) for earlier, value in zip(self.terms[:index], self.values[:index], strict=True)
            ]
            parts.extend(functools.reduce(operator.and_, ties, part) for part in term.after_parts(self.values[index]))
        return parts or [Q(pk__in=[])]


def encode_cursor(ordering: str, values: Sequence[Any], backwards: bool) -> str:
    plain = [value.isoformat() if isinstance(value, datetime.date) else value for value in values]
    plain = [str(value) if isinstance(value, decimal.Decimal) else value for value in plain]
    text = json.dumps({"o": ordering, "v": plain, "b": backwards}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(
    raw: str, ordering: str, terms: Sequence[OrderTerm], model: type[models.Model]
) -> tuple[list[Any], bool]:
    """The cursor's ordering values, typed like their columns, and whether it walks backwards."""
    invalid = ValidationError({CURSOR_PARAM: ["Invalid cursor: use the next or previous link of a list response."]})
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("v"), list) or len(data["v"]) != len(terms):
        raise invalid
    if data.get("o") != ordering:
        raise ValidationError({CURSOR_PARAM: ["The cursor was made for another ordering; keep `ordering` as it was."]})
    values = []
    for term, value in zip(terms, data["v"], strict=True):
        if (value is not None and not isinstance(value, (str, int))) or isinstance(value, bool):
            raise invalid
        field = model._meta.get_field(term.field)
        assert isinstance(field, models.Field)  # terms order by columns
        try:
            values.append(None if value is None else field.to_python(value))
        except (DjangoValidationError, ValueError, TypeError, decimal.InvalidOperation):
            raise invalid from None
    return values, data.get("b") is True


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_query_description = "Page number, from 1."
    page_size_query_description = "Results per page: default 50, at most 1000 (larger values are capped)."
    last_page_strings = ()
    invalid_page_message = "page: Page {page_number} does not exist: {message}"

    def get_page_size(self, request: Request) -> int:
        requested = positive_int(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Any] | list[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        return list(self.page_of(queryset, request))

    def page_of(self, queryset: QuerySet[Any] | list[Any], request: Request) -> Page:
        """The requested page, its rows not read yet (DRF's paginate_queryset, without the final list())."""
        page = positive_int(request, self.page_query_param)
        if page is not None and page >= int("9" * MAX_DIGITS):
            raw = request.query_params[self.page_query_param]
            raise NotFound(f"page: Page {raw[:30]}{'...' if len(raw) > 30 else ''} does not exist.")
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=str(exc))) from None
        return self.page


def counts_whole_table(queryset: QuerySet[Any]) -> bool:
    """Whether the queryset's count is its table's row count: no WHERE, and nothing that drops or repeats rows."""
    query = queryset.query
    return (
        not query.where
        and not query.distinct
        and not query.is_sliced
        and query.combinator is None
        and query.group_by is None
        and not query.extra_tables
        # Joins in use (a trimmed one stays in alias_map, unreferenced): one to many rows would repeat rows.
        and sum(1 for references in query.alias_refcount.values() if references) <= 1
    )


class TallyPaginator(Paginator):
    """Django's paginator, but the count of a whole tallied table is its row tally: one row read, not every row.

    The tally is read where the queryset reads (`queryset.db`: the replica, or the primary inside a write),
    so count and page come from the same database. Anything else counts with COUNT(*) (a filtered list over
    its index range, an as-of list of history rows, a table without a tally row), by SQL compiled once
    per form of the list (`compiled.count()`).
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            count: int = super().count
            return count
        if counts_whole_table(queryset) and (tally := read_tally(queryset.model, queryset.db)) is not None:
            return tally
        return compiled.count(queryset, queryset.count)


class RecordPagination(PageNumberPagination):
    """Page numbers or a keyset cursor, over rows that carry their ordering columns.

    Lists that are not rows of a shape (history, partners) page by number only, as their base class.
    """

    django_paginator_class = TallyPaginator
    cursor_page = False
    terms: list[OrderTerm] | None = None

    def paginate_rows(
        self, queryset: QuerySet[Any], request: Request, terms: list[OrderTerm], ordering: str, shape: Any
    ) -> list[dict[str, Any]]:
        """One page of `shape`'s rows from `queryset`, already ordered by `terms`."""
        self.request = request
        self.terms, self.ordering = terms, ordering
        raw = request.query_params.get(CURSOR_PARAM)
        if raw is None:
            self.cursor_page = False
            self.rows = shape.read(self.page_of(queryset, request).object_list)
            return self.rows
        if self.page_query_param in request.query_params:
            raise ValidationError({CURSOR_PARAM: ["Give either cursor or page, not both."]})
        self.cursor_page = True
        size = self.get_page_size(request)
        values, backwards = decode_cursor(raw, ordering, terms, shape.model)
        walk = [term.reversed() for term in terms] if backwards else terms
        ordered = queryset.order_by(*(term.expression() for term in walk))
        rows = shape.read(ordered[: size + 1], after=keyset_after(walk, values, queryset.db))
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.rows = rows
        self.has_next = more or backwards
        self.has_previous = not backwards or more
        return rows

    @functools.cached_property
    def cursor_url(self) -> tuple[str, str]:
        """This request's URL without its page number and cursor, cut where the cursor parameter goes.

        Both cursor links of a page are the two halves with their cursor between, as DRF's
        `replace_query_param()` writes it (parameters sorted), which parsed and re-encoded the whole
        URL for each link.
        """
        assert self.request is not None, "paginate_rows() sets the request"
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        scheme, netloc, path, query, fragment = parse.urlsplit(url)
        parameters = sorted(parse.parse_qs(query, keep_blank_values=True).items())
        before = parse.urlencode([item for item in parameters if item[0] < CURSOR_PARAM], doseq=True)
        after = parse.urlencode([item for item in parameters if item[0] > CURSOR_PARAM], doseq=True)
        start = parse.urlunsplit((scheme, netloc, path, "", ""))
        return (
            f"{start}?{before}{'&' if before else ''}{CURSOR_PARAM}=",
            f"{'&' if after else ''}{after}{'#' if fragment else ''}{fragment}",
        )

    def cursor_link(self, row: dict[str, Any], backwards: bool) -> str:
        values = [row[term.field] for term in self.terms or []]
        start, end = self.cursor_url
        return f"{start}{encode_cursor(self.ordering, values, backwards)}{end}"  # URL-safe base64: nothing to quote

    def get_next_link(self) -> str | None:
        if self.cursor_page:
            return self.cursor_link(self.rows[-1], backwards=False) if self.has_next and self.rows else None
        assert self.page is not None, "paginate_queryset() sets the page"
        if not self.page.has_next():
            return None
        if self.terms is not None and self.page.end_index() >= DEEP_OFFSET:
            return self.cursor_link(self.rows[-1], backwards=False)
        return super().get_next_link()

    def get_previous_link(self) -> str | None:
        if self.cursor_page:
            return self.cursor_link(self.rows[0], backwards=True) if self.has_previous and self.rows else None
        return super().get_previous_link()

    def get_paginated_response(self, data: Any) -> Response:
        count = None if self.cursor_page or self.page is None else self.page.paginator.count
        return Response(
            {"count": count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope: dict[str, Any] = super().get_paginated_response_schema(schema)
        envelope["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": (
                "Rows matching the filters, exact; null on a cursor page, which does not count. A list of "
                "records or sources without filters, search or as_of reads it from a row tally that the "
                "database keeps exact, at the same cost however many rows; otherwise the matching rows are counted."
            ),
        }
        envelope["properties"]["next"]["description"] = (
            f"The next page: a page number while it lies within the first {DEEP_OFFSET} rows, a cursor beyond."
        )
        return envelope

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset position from a `next` or `previous` link: every page costs the same, however deep. "
                    "Not with `page`; keep the other parameters as they were."
                ),
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
            },
        ]
