"""The record resources as the two baselines see them: plain data, no Django.

The bare-Django baseline (`baseline.py`) reads these with the ORM, the raw app (`rawapp.py`) with
hand-written SQL. Both answer the API's URLs for the benchmarked queries with the API's rows in the
API's order; `run.py` checks that before it measures anything.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One column of an ordering. Nulls always sort last, as in the API."""

    column: str
    descending: bool = False
    nullable: bool = False

    def sql(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        return f"{self.column} {direction}{' NULLS LAST' if self.nullable else ''}"


@dataclass(frozen=True)
class ManyKeys:
    """A many-to-many field shown as a sorted list of the related keys (sectors, countries)."""

    name: str
    table: str
    own: str
    other: str


@dataclass(frozen=True)
class Resource:
    path: str  # the URL segment under /api/v1/
    key: str  # the pair profile's key
    model: str  # app_label.ModelName
    table: str
    fields: tuple[str, ...]  # the API's fields that are columns, foreign keys by field name
    foreign_keys: frozenset[str]
    ordering: tuple[Term, ...]  # the list's order (the model's Meta.ordering)
    recent: tuple[Term, ...]  # the profile's "latest first"
    filters: dict[str, tuple[str, str]]  # query parameter: (column, SQL operator)
    search: tuple[str, ...] = ()
    many: ManyKeys | None = None
    pair_column: str | None = "pair_key"  # None: the pair is two joins on `many`

    def column(self, field: str) -> str:
        return f"{field}_id" if field in self.foreign_keys else field


RECORD = ("source", "source_quote", "created_at", "updated_at")
SOURCE_ID = frozenset({"source"})
ID = Term("id")
ID_DESC = Term("id", descending=True)

RESOURCES: tuple[Resource, ...] = (
    Resource(
        path="trade-figures",
        key="trade_figures",
        model="cooperation.TradeFigure",
        table="cooperation_tradefigure",
        fields=(
            "id",
            "reporter",
            "partner",
            "flow",
            "period_start",
            "period_end",
            "value",
            "currency",
            "qualifier",
            "change_pct",
            "notes",
            *RECORD,
        ),
        foreign_keys=SOURCE_ID | {"reporter", "partner"},
        ordering=(Term("period_start"), ID),
        recent=(Term("period_start", descending=True), ID_DESC),
        filters={
            "reporter": ("reporter_id", "="),
            "partner": ("partner_id", "="),
            "period_after": ("period_start", ">="),
            "period_before": ("period_end", "<="),
        },
    ),
    Resource(
        path="investments",
        key="investments",
        model="cooperation.Investment",
        table="cooperation_investment",
        fields=(
            "id",
            "investor",
            "recipient",
            "amount",
            "currency",
            "qualifier",
            "status",
            "period_start",
            "period_end",
            "description",
            *RECORD,
        ),
        foreign_keys=SOURCE_ID | {"investor", "recipient"},
        ordering=(Term("period_start", nullable=True), ID),
        recent=(Term("period_start", descending=True, nullable=True), ID_DESC),
        filters={"investor": ("investor_id", "="), "recipient": ("recipient_id", "=")},
        many=ManyKeys("sectors", "cooperation_investment_sectors", "investment_id", "sector_id"),
    ),
    Resource(
        path="cultural-landmarks",
        key="cultural_landmarks",
        model="cooperation.CulturalLandmark",
        table="cooperation_culturallandmark",
        fields=(
            "id",
            "name",
            "kind",
            "located_in",
            "city",
            "honoured_country",
            "honours",
            "established_on",
            "latitude",
            "longitude",
            "description",
            *RECORD,
        ),
        foreign_keys=SOURCE_ID | {"located_in", "honoured_country"},
        ordering=(Term("name"), ID),
        recent=(Term("established_on", descending=True, nullable=True), ID_DESC),
        filters={"located_in": ("located_in_id", "="), "honoured_country": ("honoured_country_id", "=")},
        search=("name", "city", "honours", "description"),
    ),
    Resource(
        path="scholarship-programs",
        key="scholarship_programs",
        model="cooperation.ScholarshipProgram",
        table="cooperation_scholarshipprogram",
        fields=(
            "id",
            "name",
            "sponsor",
            "recipient",
            "annual_grants",
            "annual_grants_qualifier",
            "students_enrolled",
            "students_enrolled_qualifier",
            "level",
            "description",
            *RECORD,
        ),
        foreign_keys=SOURCE_ID | {"sponsor", "recipient"},
        ordering=(Term("name"), ID),
        recent=(ID_DESC,),
        filters={"sponsor": ("sponsor_id", "="), "recipient": ("recipient_id", "=")},
    ),
    Resource(
        path="cultural-initiatives",
        key="cultural_initiatives",
        model="cooperation.CulturalInitiative",
        table="cooperation_culturalinitiative",
        fields=("id", "name", "kind", "established_on", "description", *RECORD),
        foreign_keys=SOURCE_ID,
        ordering=(Term("name"), ID),
        recent=(Term("established_on", descending=True, nullable=True), ID_DESC),
        # `country` is a join on the participants, handled by each baseline.
        filters={},
        many=ManyKeys("countries", "cooperation_culturalinitiative_countries", "culturalinitiative_id", "country_id"),
        pair_column=None,
    ),
)

BY_PATH = {resource.path: resource for resource in RESOURCES}

COUNTRY_FIELDS = ("code", "alpha3", "numeric", "name", "official_name")
# The pair profile cites its sources without their text (SourceSummarySerializer).
SOURCE_FIELDS = ("id", "title", "publisher", "url", "published_on", "language")
PAGE_SIZE = 50
RECENT = 10


def etag(pk: object, updated_at: object) -> str:
    """The baselines' ETag: from what the row already has, as the issue asks of the API."""
    return f'"{pk}-{updated_at}"'
