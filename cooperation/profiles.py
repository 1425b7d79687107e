"""Selectors for the bilateral profile: everything two countries share."""

from __future__ import annotations

from typing import Any

from cooperation.models import (
    Country,
    CulturalInitiative,
    CulturalLandmark,
    Investment,
    Record,
    ScholarshipProgram,
    Source,
    TradeFigure,
)

# The profile's keys, in the contract's order, and the model behind each.
PROFILE_RESOURCES: dict[str, type[Record]] = {
    "trade_figures": TradeFigure,
    "investments": Investment,
    "cultural_landmarks": CulturalLandmark,
    "scholarship_programs": ScholarshipProgram,
    "cultural_initiatives": CulturalInitiative,
}


def partner_summaries(code: str) -> list[dict[str, Any]]:
    """The countries that share records with `code`, with a count per resource, by name."""
    counts = {key: model.objects.partner_counts(code) for key, model in PROFILE_RESOURCES.items()}  # type: ignore[attr-defined]
    partner_codes = set().union(*counts.values())
    return [
        {"country": partner, "counts": {key: counts[key][partner.code] for key in PROFILE_RESOURCES}}
        for partner in Country.objects.filter(code__in=partner_codes)
    ]


def pair_profile(country: Country, partner: Country) -> dict[str, Any]:
    """Every record between the two countries, and the sources those records cite."""
    profile: dict[str, Any] = {"country": country, "partner": partner}
    for key, model in PROFILE_RESOURCES.items():
        profile[key] = list(model.objects.for_pair(country.code, partner.code).for_api())  # type: ignore[attr-defined]
    cited = {record.source_id for key in PROFILE_RESOURCES for record in profile[key]}
    profile["sources"] = list(Source.objects.filter(pk__in=cited))
    return profile
