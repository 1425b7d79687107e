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

    "country" or "partner" is None for an unknown code, and then there is nothing else. Two queries: one
    batch (`profile_batch()`) reads the countries, the counts and the latest records, the other the
    cited sources.
    """
    alias = Source.objects.db
    codes = sorted((first, second))  # as the statements' placeholders sort
    resources = RECORD_RESOURCES if recent else ()
    countries, count_rows, *latest = profile_batch(alias, recent).fetch(
        [(first, second), codes, *[codes] * len(resources)], alias
    )
    by_code = {row["code"]: row for row in countries}
    profile: dict[str, Any] = {"country": by_code.get(first), "partner": by_code.get(second)}
    if len(by_code) < 2:  # an unknown code: no pair to profile
        return profile
    [counts] = count_rows
    for resource, count in zip(RECORD_RESOURCES, counts, strict=True):
        profile[resource.key] = {"count": count, "recent": []}
    for resource, records in zip(resources, latest, strict=True):
        profile[resource.key]["recent"] = records
    profile["sources"] = cited_sources({record["source"] for records in latest for record in records}, alias)
    return profile


@functools.cache
def profile_batch(alias: str, recent: int) -> Batch:
    """The profile's reads as one batch: the countries, the counts, and unless `recent` is 0 the latest records.

    One query counts the pair's records of every resource, from the pair tallies; one per resource
    reads its latest records, the end of the pair's index. (A window count in the records' query would
    make the database build every matching row in full before the limit.) One batch per size asked
    for: at most MAX_RECENT + 1.
    """
    latest = [latest_statement(resource, recent, alias) for resource in RECORD_RESOURCES] if recent else []
    return Batch.of([countries_statement(alias), counts_statement(alias), *latest], connections[alias])


def cited_sources(cited: set[int], alias: str) -> list[dict[str, Any]]:
    """The sources of these ids, by title, read by a statement compiled once for each power of two of their number.

    Compiling `id IN (...)` cost the profile more than reading the sources. The ids beyond the
    number read repeat the last one, which IN does not mind.
    """
    if not cited:
        return []
    ids = sorted(cited)
    size = 1 << (len(ids) - 1).bit_length()
    return sources_statement(alias, size).fetch([*ids, *[ids[-1]] * (size - len(ids))], alias)


@functools.cache
def sources_statement(alias: str, size: int) -> Statement:
    def build(*ids: int) -> QuerySet[Any]:
        return SOURCE_SHAPE.all_rows().using(alias).filter(pk__in=ids)

    return Statement.compile(build, (int,) * size, SOURCE_SHAPE)


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
