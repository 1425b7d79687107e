"""The resources editors write, one `ResourceSpec` each: the table that the write, permission, history,
conditional-request and query-count tests iterate.

The record resources are the registry's (`cooperation.registry`): `record_spec()` looks each one up by its
key, and tests/test_registry.py fails while a registered resource has no spec here. Sources are written
like records, and have a spec too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from factory.django import DjangoModelFactory

from cooperation.models import Sector, Source
from cooperation.registry import RECORD_RESOURCES, RecordResource
from tests import factories
from tests.factories import QUOTE

# Other sentences of the factory source's text.
TRADE_GREW = "Trade grew."
STUDENTS = "Students travelled."


@dataclass(frozen=True)
class Invalid:
    """Changes to a valid body that break one rule: the 400 names `field`, and `named` (the bad value) if given."""

    changes: dict[str, Any]
    field: str
    named: str | None = None


@dataclass(frozen=True)
class ResourceSpec:
    basename: str  # route names: `<basename>-list`, `<basename>-detail`, `<basename>-history`
    model: type[Model]
    factory: type[DjangoModelFactory]  # a fresh, valid record (its source's text holds QUOTE, TRADE_GREW, STUDENTS)
    create: dict[str, Any]  # a valid create body, in the canonical form the API answers with (a record's: no source)
    replace: dict[str, Any]  # a valid PUT body that changes every writable field of `create`
    change: dict[str, Any]  # a one-field change of a factory record, as the API answers it
    invalid: tuple[Invalid, ...]  # create bodies that break one of the resource's own rules
    invalid_changes: tuple[Invalid, ...]  # PATCHes of a factory record that break one
    new_version: Callable[[Any, int], None]  # the n-th change of a factory record, made without the API
    list_rows: dict[str, Any]  # factory arguments of rows that `list_filter` selects
    list_filter: dict[str, str]
    resource: RecordResource | None = None  # the registry's entry; None for sources
    pair_record: dict[str, Any] = field(default_factory=dict)  # factory arguments of a record between KZ and HU
    period_labels: tuple[str, str | None] | None = None  # the period_label of `create` and of `replace`

    def create_body(self, source: int) -> dict[str, Any]:
        """The create body; a record's cites `source`, whose text holds the body's quote."""
        return self.create | ({"source": source} if self.resource else {})

    def replace_body(self, source: int) -> dict[str, Any]:
        return self.replace | ({"source": source} if self.resource else {})


RESOURCES_BY_KEY = {resource.key: resource for resource in RECORD_RESOURCES}


def record_spec(key: str, **spec: Any) -> ResourceSpec:
    """The spec of the registry's resource `key`: its basename and model are the registry's."""
    resource = RESOURCES_BY_KEY[key]
    return ResourceSpec(basename=resource.basename, model=resource.model, resource=resource, **spec)


def set_value(record: Any, n: int) -> None:
    record.value = 1000 + n


def set_sectors(record: Any, n: int) -> None:
    Sector.objects.get_or_create(slug=f"sector-{n}")
    record.sectors.set([f"sector-{n}"])


def set_city(record: Any, n: int) -> None:
    record.city = f"City {n}"


def set_annual_grants(record: Any, n: int) -> None:
    record.annual_grants = 100 + n


def set_countries(record: Any, n: int) -> None:
    record.countries.set(["DE", "FR", ["HU", "KZ", "PL", "AT"][n % 4]])


def set_title(record: Any, n: int) -> None:
    record.title = f"Title {n}"


RECORD_SPECS: tuple[ResourceSpec, ...] = (
    record_spec(
        "trade_figures",
        factory=factories.TradeFigureFactory,
        create={
            "reporter": "KZ",
            "partner": "HU",
            "flow": "export",
            "period_start": "2021-01-01",
            "period_end": "2021-12-31",
            "value": "123456.78",
            "currency": "EUR",
            "qualifier": "approximate",
            "change_pct": "-3.50",
            "notes": "Read from the table.",
            "source_quote": TRADE_GREW,
        },
        replace={
            "reporter": "HU",
            "partner": "KZ",
            "flow": "import",
            "period_start": "2022-03-01",
            "period_end": "2022-03-31",
            "value": "1.00",
            "currency": "USD",
            "qualifier": "at_most",
            "change_pct": None,
            "notes": "",
            "source_quote": QUOTE,
        },
        change={"value": "2000000.00"},
        invalid=(
            Invalid({"source_quote": QUOTE.lower()}, "source_quote"),  # verbatim, case included
            # periods are ordered and are dates
            Invalid({"period_start": "2021-12-31", "period_end": "2021-01-01"}, "period_end"),
            Invalid({"period_start": "2021-02-30"}, "period_start"),
            # two different countries, named by a code of a country
            Invalid({"partner": "kz"}, "partner", "KZ"),
            Invalid({"reporter": "XX"}, "reporter", "XX"),
            Invalid({"partner": "HUNG"}, "partner"),
            Invalid({"partner": "999"}, "partner", "999"),
            Invalid({"partner": "KAZ"}, "partner", "KZ"),
            Invalid({"partner": 7}, "partner"),
            # money is not negative and has two decimals
            Invalid({"value": "-1.00"}, "value"),
            Invalid({"value": "12.345"}, "value"),
            # currencies are ISO 4217 codes
            Invalid({"currency": "DOLLARS"}, "currency"),
            Invalid({"currency": "U5D"}, "currency"),
            # enums
            Invalid({"flow": "sideways"}, "flow", "sideways"),
            Invalid({"qualifier": "roughly"}, "qualifier", "roughly"),
            # the source is an id
            Invalid({"source": "one"}, "source"),
        ),
        invalid_changes=(
            Invalid({"source_quote": "A sentence the source never wrote."}, "source_quote"),
            Invalid({"period_end": "2021-01-01"}, "period_end"),
            Invalid({"partner": "KZ"}, "partner"),
            Invalid({"value": "-1.00"}, "value"),
        ),
        new_version=set_value,
        list_rows={"reporter_id": "DE", "partner_id": "FR"},
        list_filter={"country": "FR"},
        pair_record={"reporter_id": "KZ", "partner_id": "HU"},
        period_labels=("2021", "2022-03"),
    ),
    record_spec(
        "investments",
        factory=factories.InvestmentFactory,
        create={
            "investor": "DE",
            "recipient": "KZ",
            "amount": "2500000.00",
            "currency": "EUR",
            "qualifier": "at_least",
            "status": "planned",
            "sectors": ["infrastructure", "logistics"],
            "period_start": "2025-01-01",
            "period_end": "2026-12-31",
            "description": "A logistics hub.",
            "source_quote": QUOTE,
        },
        replace={
            "investor": "KZ",
            "recipient": "DE",
            "amount": None,
            "currency": "USD",
            "qualifier": "exact",
            "status": "interest",
            "sectors": [],
            "period_start": None,
            "period_end": None,
            "description": "",
            "source_quote": TRADE_GREW,
        },
        change={"status": "planned"},
        invalid=(
            # periods are ordered and complete
            Invalid({"period_start": "2021-12-31", "period_end": "2021-01-01"}, "period_end"),
            Invalid({"period_start": "2021-01-01", "period_end": None}, "period_end"),
            # two different countries, named by a code of a country
            Invalid({"recipient": "DE"}, "recipient", "DE"),
            Invalid({"investor": "ZZ"}, "investor", "ZZ"),
            Invalid({"amount": "-0.01"}, "amount"),
            Invalid({"currency": "US"}, "currency"),
            Invalid({"status": "rumoured"}, "status", "rumoured"),
            # sectors are lower-case slugs
            Invalid({"sectors": ["Green Hydrogen"]}, "sectors"),
        ),
        invalid_changes=(
            Invalid({"amount": "-1.00"}, "amount"),
            Invalid({"period_start": None}, "period_start"),
        ),
        new_version=set_sectors,
        list_rows={"investor_id": "DE", "recipient_id": "FR", "sectors": ["energy", "logistics"]},
        list_filter={"country": "FR"},
        pair_record={"investor_id": "KZ", "recipient_id": "HU", "sectors": ["energy"]},
        period_labels=("2025/2026", None),
    ),
    record_spec(
        "cultural_landmarks",
        factory=factories.CulturalLandmarkFactory,
        create={
            "name": "Abai Street",
            "kind": "street",
            "located_in": "HU",
            "city": "Budapest",
            "honoured_country": "KZ",
            "honours": "Abai Kunanbaiuly, the Kazakh poet",
            "established_on": "2019-05-01",
            "latitude": "47.497900",
            "longitude": "19.040200",
            "description": "A street named after the poet.",
            "source_quote": QUOTE,
        },
        replace={
            "name": "Friendship Park",
            "kind": "park",
            "located_in": "KZ",
            "city": "Almaty",
            "honoured_country": "HU",
            "honours": "",
            "established_on": None,
            "latitude": None,
            "longitude": None,
            "description": "",
            "source_quote": STUDENTS,
        },
        change={"city": "Munich"},
        invalid=(
            Invalid({"honoured_country": "HU"}, "honoured_country", "HU"),
            Invalid({"located_in": "QQ"}, "located_in", "QQ"),
            # coordinates are in range, and given together
            Invalid({"latitude": "91.000000"}, "latitude"),
            Invalid({"longitude": None}, "longitude"),
            Invalid({"kind": "castle"}, "kind", "castle"),
        ),
        invalid_changes=(),
        new_version=set_city,
        list_rows={},
        list_filter={"country": "FR"},
        pair_record={"located_in_id": "HU", "honoured_country_id": "KZ"},
    ),
    record_spec(
        "scholarship_programs",
        factory=factories.ScholarshipProgramFactory,
        create={
            "name": "Stipendium Hungaricum",
            "sponsor": "HU",
            "recipient": "KZ",
            "annual_grants": 250,
            "annual_grants_qualifier": "exact",
            "students_enrolled": 1000,
            "students_enrolled_qualifier": "at_least",
            "level": "higher education",
            "description": "Government grants.",
            "source_quote": STUDENTS,
        },
        replace={
            "name": "Bolashak",
            "sponsor": "KZ",
            "recipient": "HU",
            "annual_grants": None,
            "annual_grants_qualifier": "approximate",
            "students_enrolled": None,
            "students_enrolled_qualifier": "exact",
            "level": "",
            "description": "",
            "source_quote": QUOTE,
        },
        change={"annual_grants": 11},
        invalid=(
            Invalid({"recipient": "HU"}, "recipient", "HU"),
            Invalid({"sponsor": "XY"}, "sponsor", "XY"),
            # counts are not negative
            Invalid({"annual_grants": -1}, "annual_grants"),
            Invalid({"students_enrolled": -5}, "students_enrolled"),
            Invalid({"annual_grants_qualifier": "maybe"}, "annual_grants_qualifier", "maybe"),
        ),
        invalid_changes=(Invalid({"sponsor": "xx"}, "sponsor"),),
        new_version=set_annual_grants,
        list_rows={},
        list_filter={"country": "FR"},
        pair_record={"sponsor_id": "KZ", "recipient_id": "HU"},
    ),
    record_spec(
        "cultural_initiatives",
        factory=factories.CulturalInitiativeFactory,
        create={
            "name": "Bars foundation",
            "kind": "foundation",
            "countries": ["HU", "KZ"],
            "established_on": "2020-01-01",
            "description": "Publishes Kazakh writers.",
            "source_quote": QUOTE,
        },
        replace={
            "name": "Joint festival",
            "kind": "festival",
            "countries": ["DE", "FR", "HU"],
            "established_on": None,
            "description": "",
            "source_quote": TRADE_GREW,
        },
        change={"countries": ["DE", "FR", "HU"]},
        invalid=(
            # at least two different countries, each a country
            Invalid({"countries": ["KZ", "kz"]}, "countries"),
            Invalid({"countries": ["KZ", "XX"]}, "countries", "XX"),
            Invalid({"countries": ["KZ"]}, "countries"),
            Invalid({"countries": []}, "countries"),
            Invalid({"kind": "party"}, "kind", "party"),
        ),
        invalid_changes=(Invalid({"countries": ["DE"]}, "countries"),),
        new_version=set_countries,
        list_rows={"countries": ["AT", "DE", "FR"]},
        list_filter={"country": "AT"},
        pair_record={"countries": ["HU", "KZ", "DE"]},
    ),
)

SOURCE_SPEC = ResourceSpec(
    basename="source",
    model=Source,
    factory=factories.SourceFactory,
    create={
        "title": "A new article",
        "publisher": "Gazette",
        "url": "https://example.com/article",
        "published_on": "2024-09-01",
        "language": "en",
        "text": "Some text. More text.",
    },
    replace={
        "title": "Renamed article",
        "publisher": "",
        "url": "",
        "published_on": None,
        "language": "hu",
        "text": "Other text.",
    },
    change={"title": "Changed title"},
    invalid=(
        Invalid({"language": "not a language tag"}, "language"),
        Invalid({"url": "not a url"}, "url"),
        Invalid({"text": ""}, "text"),
    ),
    # The text of a source that a record cites (the test makes one) must keep the record's quote.
    invalid_changes=(Invalid({"text": "A text without the quote the records cite."}, "text"),),
    new_version=set_title,
    list_rows={},
    list_filter={"search": "Test source"},
)

SPECS: tuple[ResourceSpec, ...] = (*RECORD_SPECS, SOURCE_SPEC)
SPECS_BY_BASENAME = {spec.basename: spec for spec in SPECS}
RECORD_MODELS = [resource.model for resource in RECORD_RESOURCES]


def spec_id(spec: ResourceSpec) -> str:
    """A parametrised test's id: the resource's basename, e.g. test_create[trade-figure]."""
    return spec.basename
