"""The record resources, named once: the profile, the partner counts and the tests are built from here.

A record type added to the models but not here is caught by `tests/test_registry.py`, which compares
this registry with the app's models.
"""

from __future__ import annotations

from dataclasses import dataclass

from cooperation import serializers
from cooperation.models import CulturalInitiative, CulturalLandmark, Investment, Record, ScholarshipProgram, TradeFigure
from cooperation.pagination import OrderTerm
from cooperation.representations import RowShape


@dataclass(frozen=True)
class RecordResource:
    key: str  # the profile's key and the counts' key (snake_case plural)
    basename: str  # the route name's stem: `<basename>-list`, `<basename>-detail`
    model: type[Record]
    serializer: type[serializers.RecordSerializer]
    # "Most recent" in the profile: the latest period or date first, then the latest added.
    recent: tuple[OrderTerm, ...]

    @property
    def shape(self) -> RowShape:
        return SHAPES[self.key]


def latest_first(*fields: str) -> tuple[OrderTerm, ...]:
    return (*(OrderTerm(field, descending=True) for field in fields), OrderTerm("id", descending=True, nullable=False))


RECORD_RESOURCES: tuple[RecordResource, ...] = (
    RecordResource(
        "trade_figures", "trade-figure", TradeFigure, serializers.TradeFigureSerializer, latest_first("period_start")
    ),
    RecordResource(
        "investments", "investment", Investment, serializers.InvestmentSerializer, latest_first("period_start")
    ),
    RecordResource(
        "cultural_landmarks",
        "cultural-landmark",
        CulturalLandmark,
        serializers.CulturalLandmarkSerializer,
        latest_first("established_on"),
    ),
    RecordResource(
        "scholarship_programs",
        "scholarship-program",
        ScholarshipProgram,
        serializers.ScholarshipProgramSerializer,
        latest_first(),
    ),
    RecordResource(
        "cultural_initiatives",
        "cultural-initiative",
        CulturalInitiative,
        serializers.CulturalInitiativeSerializer,
        latest_first("established_on"),
    ),
)

SHAPES = {resource.key: RowShape.of(resource.serializer) for resource in RECORD_RESOURCES}
