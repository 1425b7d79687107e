"""Selectors for the bilateral profile: what two countries share, bounded however many records they have."""

from __future__ import annotations

from typing import Any

from cooperation.models import Country, Source
from cooperation.registry import RECORD_RESOURCES
from cooperation.representations import RowShape
from cooperation.serializers import CountrySerializer, SourceSerializer

COUNTRY_SHAPE = RowShape.of(CountrySerializer)
SOURCE_SHAPE = RowShape.of(SourceSerializer)


def partner_summaries(code: str) -> list[dict[str, Any]]:
    """The countries that share records with `code`, with a count per resource, by name."""
    counts = {resource.key: resource.model.objects.partner_counts(code) for resource in RECORD_RESOURCES}  # type: ignore[attr-defined]
    partner_codes = set().union(*counts.values())
    return [
        {"country": partner, "counts": {key: counts[key][partner.code] for key in counts}}
        for partner in Country.objects.filter(code__in=partner_codes)
    ]


def pair_profile(country: dict[str, Any], partner: dict[str, Any], recent: int) -> dict[str, Any]:
    """Per resource the pair's count and its `recent` latest records; the sources those records cite.

    Two indexed queries per resource: the count reads only the pair's index entries, and the latest
    records are the end of the same index. (A window count in the records' query would make the
    database build every matching row in full before the limit.)
    """
    profile: dict[str, Any] = {"country": country, "partner": partner}
    cited: set[int] = set()
    for resource in RECORD_RESOURCES:
        matching = resource.model.objects.for_pair(country["code"], partner["code"])  # type: ignore[attr-defined]
        latest = matching.order_by(*(term.expression() for term in resource.recent))
        records = resource.shape.read(latest[:recent]) if recent else []
        cited.update(record["source"] for record in records)
        profile[resource.key] = {"count": matching.count(), "recent": records}
    profile["sources"] = SOURCE_SHAPE.read(Source.objects.filter(pk__in=cited))
    return profile


def countries_by_code(*codes: str) -> dict[str, dict[str, Any]]:
    """The countries' representations, in one query."""
    return {row["code"]: row for row in COUNTRY_SHAPE.read(Country.objects.filter(code__in=codes))}
