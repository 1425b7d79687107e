"""The record resources, named once: a record type is one entry here.

Each entry names what is written once per resource (its model, serializer, filterset and admin) and the
facts about it that are not code (its key, its ordering, its words for people). Everything that goes over
every resource is built from this tuple: the URLs (`urls.py`), each resource's viewset
(`views.record_viewset`), its admin registration (`apps.CooperationConfig.ready`), the partners and pair
profile and their serializers, the fact files and their importer, the API root, and the tests' table of
resources. `tests/test_registry.py` fails when a record model is missing here, or a resource from the URLs
or the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from cooperation import admin, filters, serializers
from cooperation.models import CulturalInitiative, CulturalLandmark, Investment, Record, ScholarshipProgram, TradeFigure
from cooperation.pagination import OrderTerm
from cooperation.representations import RowShape


@dataclass(frozen=True)
class RecordResource:
    key: str  # the profile's, the counts' and the fact files' key (snake_case plural)
    basename: str  # the route name's stem: `<basename>-list`, `<basename>-detail`, `<basename>-history`
    model: type[Record]
    serializer: type[serializers.RecordSerializer]
    filterset: type[filters.RecordFilterSet]
    admin: type[admin.RecordAdmin]
    description: str  # the list's, the detail's and the writes' description in the schema
    ordering_fields: tuple[str, ...]  # what `?ordering=` accepts
    # "Most recent" in the profile: the latest period or date first, then the latest added.
    recent: tuple[OrderTerm, ...]
    # What identifies a record within its source, besides the source itself: an edited fact file updates
    # the stored record with the same natural key. The key holds the quote and the fields that say which
    # fact of the quote the record is; the values read from it (amounts, qualifiers, notes, sectors...)
    # are outside the key, so correcting them updates the record instead of adding one.
    natural_key: tuple[str, ...]
    label: str  # what the pair profile calls them, e.g. "Trade figures"
    partner_count_help: str  # what the partners' count of them says

    @property
    def path(self) -> str:
        """The URL segment under /api/v1/: the key in kebab-case."""
        return self.key.replace("_", "-")

    @property
    def shape(self) -> RowShape:
        return SHAPES[self.key]


def latest_first(model: type[Record], *fields: str) -> tuple[OrderTerm, ...]:
    # OrderTerm.of reads each column's nullability: a NOT NULL column orders without NULLS LAST, which
    # lets PostgreSQL read the (pair_key, column, id) index backwards instead of sorting the pair's rows.
    # A nullable one has an index in this order (migration 0012); tests/test_query_plans.py reads the plans.
    return (
        *(OrderTerm.of(model, field, descending=True) for field in fields),
        OrderTerm("id", descending=True, nullable=False),
    )


RECORD_RESOURCES: tuple[RecordResource, ...] = (
    RecordResource(
        key="trade_figures",
        basename="trade-figure",
        model=TradeFigure,
        serializer=serializers.TradeFigureSerializer,
        filterset=filters.TradeFigureFilterSet,
        admin=admin.TradeFigureAdmin,
        description="Bilateral trade between two countries in one period.",
        ordering_fields=("period_start", "period_end", "value"),
        recent=latest_first(TradeFigure, "period_start"),
        natural_key=("source_quote", "reporter", "partner", "flow", "period_start", "period_end"),
        label="Trade figures",
        partner_count_help="Trade figures the two countries share.",
    ),
    RecordResource(
        key="investments",
        basename="investment",
        model=Investment,
        serializer=serializers.InvestmentSerializer,
        filterset=filters.InvestmentFilterSet,
        admin=admin.InvestmentAdmin,
        description="Capital from an investor country into a recipient country.",
        ordering_fields=("amount", "period_start"),
        recent=latest_first(Investment, "period_start"),
        natural_key=("source_quote", "investor", "recipient", "status", "period_start", "period_end"),
        label="Investments",
        partner_count_help="Investments between them, either direction.",
    ),
    RecordResource(
        key="cultural_landmarks",
        basename="cultural-landmark",
        model=CulturalLandmark,
        serializer=serializers.CulturalLandmarkSerializer,
        filterset=filters.CulturalLandmarkFilterSet,
        admin=admin.CulturalLandmarkAdmin,
        description="Places and objects in one country that honour another.",
        ordering_fields=("name", "established_on"),
        recent=latest_first(CulturalLandmark, "established_on"),
        natural_key=("source_quote", "name"),
        label="Landmarks",
        partner_count_help="Landmarks in one honouring the other.",
    ),
    RecordResource(
        key="scholarship_programs",
        basename="scholarship-program",
        model=ScholarshipProgram,
        serializer=serializers.ScholarshipProgramSerializer,
        filterset=filters.ScholarshipProgramFilterSet,
        admin=admin.ScholarshipProgramAdmin,
        description="Grants that a sponsor country gives students of a recipient country.",
        ordering_fields=("name", "annual_grants"),
        recent=latest_first(ScholarshipProgram),
        natural_key=("source_quote", "name"),
        label="Scholarship programmes",
        partner_count_help="Scholarship programmes between them.",
    ),
    RecordResource(
        key="cultural_initiatives",
        basename="cultural-initiative",
        model=CulturalInitiative,
        serializer=serializers.CulturalInitiativeSerializer,
        filterset=filters.CulturalInitiativeFilterSet,
        admin=admin.CulturalInitiativeAdmin,
        description="Joint bodies and programmes: foundations, festivals, publishing, exchanges.",
        ordering_fields=("name", "established_on"),
        recent=latest_first(CulturalInitiative, "established_on"),
        natural_key=("source_quote", "name"),
        label="Initiatives",
        partner_count_help="Initiatives both take part in.",
    ),
)

SHAPES = {resource.key: RowShape.of(resource.serializer) for resource in RECORD_RESOURCES}
