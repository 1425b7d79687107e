"""A list's page and count, their SQL compiled once per form of the read, then run with each request's values.

Django compiles a read's whole SQL on every request: the select list (fifteen-odd columns and their
subqueries), the joins, the ordering, and for the count a second query built by cloning the first.
That cost a filtered list more CPU than running both queries. Within one list, though, requests differ
in few ways: which filters apply (their conditions, and the joins they add), the ordering and the
page; the select list is the resource's. So a read's form (`form_of()`) is that: its model, selected
names, joins, the SQL of its WHERE, its ordering. Compiling the WHERE alone costs a fraction of the
whole, and gives the request's parameters. The SQL of a form is kept the first time it is compiled,
and only when Django's own compile laid its parameters out as the WHERE's: the select list, the
ordering and the LIMIT then take none (`LIMIT` and `OFFSET` are written in the SQL, so the page is
added to the kept SQL for each read, as Django writes it).

A read that `form_of()` does not describe (extra SQL, a compound, grouping, locking...) is compiled
as Django would, every time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.sql.query import Query

# Forms kept per kind of read. A few dozen in practice (a list's filters present, its orderings);
# past the limit, further forms are compiled on every read.
FORMS_KEPT = 1024
PAGE_READS: dict[tuple[Any, ...], tuple[str, Any]] = {}
COUNTS: dict[tuple[Any, ...], str] = {}


@dataclass(frozen=True)
class Form:
    """What a read's SQL depends on besides its page (`key`), and the parameters of its WHERE."""

    key: tuple[Any, ...]
    params: list[Any]


def form_of(query: Query, alias: str) -> Form | None:
    """The read's form on the database `alias`, or None where more than the form decides its SQL.

    Raises EmptyResultSet where the WHERE matches nothing (`pk__in=[]`), as Django's compile would.
    """
    if (
        query.combinator
        or query.group_by is not None
        or query.distinct_fields
        or query.select_for_update
        or query.select_related
        or query.extra
        or query.extra_tables
        or query.extra_order_by
        or getattr(query, "_filtered_relations", None)  # its joins' conditions are not in the key
        or query.subquery
    ):
        return None
    ordering: list[Any] = []
    for term in query.order_by:
        if isinstance(term, OrderBy) and isinstance(term.expression, F):
            ordering.append((term.expression.name, term.descending, term.nulls_first, term.nulls_last))
        elif isinstance(term, str):
            ordering.append(term)
        else:
            return None
    compiler = query.get_compiler(alias)
    try:
        where_sql, where_params = compiler.compile(query.where)
    except FullResultSet:  # no condition
        where_sql, where_params = "", []
    joins = tuple((name, join, join.join_type, query.alias_refcount[name]) for name, join in query.alias_map.items())
    key = (
        alias,
        query.model,
        tuple(query.selected or ()),
        tuple(query.annotation_select),
        query.default_cols,
        query.distinct,
        joins,
        where_sql,
        tuple(ordering),
        query.default_ordering,
        query.standard_ordering,
    )
    return Form(key, list(where_params))


def page_clause(query: Query, alias: str) -> str:
    """The read's LIMIT/OFFSET as Django writes it at the end of its SQL ("" for a read that is not sliced)."""
    if not query.is_sliced:
        return ""
    return connections[alias].ops.limit_offset_sql(query.low_mark, query.high_mark)


def kept_page_read(form: Form, query: Query, alias: str) -> tuple[str, Any] | None:
    """The read's SQL, with its own page, and the reader kept with it; None if its form was not kept."""
    known = PAGE_READS.get(form.key)
    if known is None:
        return None
    sql, reader = known
    clause = page_clause(query, alias)
    return (f"{sql} {clause}" if clause else sql), reader


def keep_page_read(form: Form, query: Query, alias: str, sql: str, params: Any, reader: Any) -> None:
    """Keep a read's SQL, compiled by Django, for its form, if only the form's parameters and the page vary in it."""
    clause = page_clause(query, alias)
    if list(params) != form.params or (clause and not sql.endswith(f" {clause}")) or len(PAGE_READS) >= FORMS_KEPT:
        return
    PAGE_READS[form.key] = (sql.removesuffix(f" {clause}") if clause else sql, reader)


def count(queryset: QuerySet[Any], counted: Callable[[], int]) -> int:
    """The rows of `queryset` (not sliced), counted by the SQL kept for its form, else by `counted()`.

    `counted()` is Django's count of the queryset; its SQL, seen through an execute wrapper, is kept
    for the form when its parameters are the form's: COUNT(*) takes none of its own.
    """
    alias = queryset.db
    try:
        form = form_of(queryset.query, alias)
    except EmptyResultSet:  # matches nothing: Django's count answers 0 without a query
        form = None
    if form is not None and (sql := COUNTS.get(form.key)) is not None:
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, form.params)
            row = cursor.fetchone()
        return int(row[0])
    seen: list[tuple[str, Any]] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connections[alias].execute_wrapper(watch):
        number = counted()
    if form is not None and len(seen) == 1 and list(seen[0][1]) == form.params and len(COUNTS) < FORMS_KEPT:
        COUNTS[form.key] = seen[0][0]
    return number
