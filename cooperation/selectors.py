"""Selectors for the bilateral profile: what two countries share, bounded however many records they have."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections
from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.db.models.expressions import RawSQL, Star

from cooperation.models import Country, Source
from cooperation.registry import RECORD_RESOURCES, RecordResource
from cooperation.representations import Batch, RowShape, Statement
from cooperation.serializers import CountrySerializer, SourceSummarySerializer
from cooperation.tallies import PAIR_TALLY_TABLE

COUNTRY_SHAPE = RowShape.of(CountrySerializer)
SOURCE_SHAPE = RowShape.of(SourceSummarySerializer)


def partner_summaries(code: str) -> list[dict[str, Any]]:
    """The countries that share records with `code`, with a count per resource, by name."""
    counts = {resource.key: resource.model.objects.partner_counts(code) for resource in RECORD_RESOURCES}
    partner_codes = set().union(*counts.values())
    return [
        {"country": partner, "counts": {key: counts[key][partner.code] for key in counts}}
        for partner in Country.objects.filter(code__in=partner_codes)
    ]


def pair_profile(first: str, second: str, recent: int) -> dict[str, Any]:
    """The two countries; per resource the pair's count and its `recent` latest records; the sources those cite.

    "country" or "partner" is None for an unknown code, and then there is nothing else. One query:
    `profile_batch()`.
    """
    alias = Source.objects.db
    batch = profile_batch(alias, recent)
    codes = sorted((first, second))  # as the pair tallies' keys sort
    # Every statement with keys takes the pair's two codes; the cited sources' reads the batch's rows instead.
    keys = [codes if statement.placeholders else () for statement in batch.statements]
    countries, count_rows, *reads = batch.fetch(keys, alias)
    resources = RECORD_RESOURCES if recent else ()
    by_code = {row["code"]: row for row in countries}
    profile: dict[str, Any] = {"country": by_code.get(first), "partner": by_code.get(second)}
    if len(by_code) < 2:  # an unknown code: no pair to profile
        return profile
    [counts] = count_rows
    for resource, count in zip(RECORD_RESOURCES, counts, strict=True):
        profile[resource.key] = {"count": count, "recent": []}
    for resource, records in zip(resources, reads[: len(resources)], strict=True):
        profile[resource.key]["recent"] = records
    profile["sources"] = reads[-1] if resources else []
    return profile


@functools.cache
def profile_batch(alias: str, recent: int) -> Batch:
    """The profile's reads as one batch: the countries, the counts and, unless `recent` is 0, each
    resource's latest records and the sources they cite.

    One statement counts the pair's records of every resource, from the pair tallies; one per resource
    reads its latest records, the end of the pair's index (a window count in the records' query would
    make the database build every matching row in full before the limit); the last reads the sources
    those records cite, from the batch's own reads of them. Each statement used to be a round trip
    (8 per profile), and over a network each cost the app as much CPU as reading its rows. One batch per
    size asked for: at most MAX_RECENT + 1.
    """
    statements = [countries_statement(alias), counts_statement(alias)]
    if recent:
        latest = [latest_statement(resource, recent, alias) for resource in RECORD_RESOURCES]
        cited = [(len(statements) + number, resource) for number, resource in enumerate(RECORD_RESOURCES)]
        statements += [*latest, cited_statement(alias, tuple(cited))]
    return Batch.of(statements, connections[alias])


@functools.cache
def cited_statement(alias: str, branches: tuple[tuple[int, RecordResource], ...]) -> Statement:
    """The sources, by title, that the records of these batch branches cite (each branch reads a resource)."""
    quote = connections[alias].ops.quote_name
    cited_ids = " UNION ALL ".join(
        f"SELECT {quote(resource.shape.source_of('source'))} FROM {Batch.branch(number)}"
        for number, resource in branches
    )

    def build() -> QuerySet[Any]:
        return SOURCE_SHAPE.all_rows().using(alias).filter(pk__in=RawSQL(cited_ids, ()))

    return Statement.compile(build, (), SOURCE_SHAPE)


def pair_count(resource: RecordResource, alias: str, first: str, second: str) -> Subquery | RawSQL:
    """How many records of the resource the pair has, as a scalar subquery.

    A resource with a `pair_key` reads its pair tally (migration 0013_pair_tally): one row, where counting
    the busiest pair's trade figures read 5,092 index entries. The others count the pair's records;
    `COUNT(*)`, not `COUNT(id)`, so that SQLite counts index entries without reading a column of each.
    """
    if resource.model.country_fields is not None and connections[alias].vendor in ("postgresql", "sqlite"):
        return RawSQL(
            f"COALESCE((SELECT row_count FROM {PAIR_TALLY_TABLE} WHERE table_name = %s AND pair_key = %s), 0)",
            [resource.model._meta.db_table, ",".join(sorted((first, second)))],
            output_field=IntegerField(),
        )
    matching = resource.model.objects.using(alias).for_pair(first, second)
    counted = matching.order_by().annotate(records=Func(Star(), function="COUNT", output_field=IntegerField()))
    return Subquery(counted.values("records"), output_field=IntegerField())


@functools.cache
def counts_statement(alias: str) -> Statement:
    """The pair's count of each resource, in the registry's order, as one row: one round trip, not five.

    The counts hang off the first country's row: no row when that country is unknown.
    """

    def build(first: str, second: str) -> QuerySet[Any]:
        counts = {f"{resource.key}_count": pair_count(resource, alias, first, second) for resource in RECORD_RESOURCES}
        return Country.objects.using(alias).filter(code=first).order_by().annotate(**counts).values_list(*counts)

    return Statement.compile(build, (str, str))


@functools.cache
def latest_statement(resource: RecordResource, recent: int, alias: str) -> Statement:
    """The pair's `recent` latest records (one statement per size asked for: at most MAX_RECENT + 1)."""

    def build(first: str, second: str) -> QuerySet[Any]:
        rows: Any = resource.shape.all_rows().using(alias)  # a RecordQuerySet
        matching = rows.for_pair(first, second)
        return matching.order_by(*(term.expression() for term in resource.recent))[:recent]

    return Statement.compile(build, (str, str), resource.shape)


@functools.cache
def countries_statement(alias: str) -> Statement:
    def build(first: str, second: str) -> QuerySet[Any]:
        return COUNTRY_SHAPE.all_rows().using(alias).filter(code__in=(first, second))

    return Statement.compile(build, (str, str), COUNTRY_SHAPE)
