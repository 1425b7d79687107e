"""Every filter and ordering of the contract, as one table of request and exact ids returned.

The article's records keep their fixture ids; a few factory records (named in
`world`) tell apart what the article alone cannot: other pairs, flows,
currencies, qualifiers, statuses, kinds, years, a second source.
"""

import datetime
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.models import Flow, InitiativeKind, InvestmentStatus, LandmarkKind, Qualifier
from tests.factories import (
    CulturalInitiativeFactory,
    CulturalLandmarkFactory,
    InvestmentFactory,
    ScholarshipProgramFactory,
    SourceFactory,
    TradeFigureFactory,
)

# The article's records, by fixture id.
ARTICLE = {
    "trade_2024": 1,  # KZ-HU turnover 2024-01/2024-08, 131000000.00 USD at_least
    "trade_2023": 2,  # KZ-HU turnover 2023, 187500000.00 USD exact
    "hu_investment": 1,  # HU->KZ 300000000.00 realized 2004/2024
    "kz_interest": 2,  # KZ->HU interest, sectors infrastructure/logistics/manufacturing, no period
    "hu_interest": 3,  # HU->KZ interest, no sectors, no period
    "budapest_street": 1,  # KZ, Astana, honours HU
    "petofi_street": 2,  # KZ, Astana, honours HU
    "dombyra": 3,  # HU, Karcag, honours KZ
    "hu_scholarships": 1,  # HU->KZ, 250 grants, level University
    "bars": 1,  # HU, KZ foundation
    "article": 1,  # the source
}


@pytest.fixture
def world(db):
    """Extra records beside the article's; returns every label mapped to its id."""
    source = SourceFactory(title="Gazette of neighbours", text="Preamble. The two countries signed an agreement.")
    made = {
        "source2": source,
        "trade_export": TradeFigureFactory(
            source=source,
            reporter_id="DE",
            partner_id="FR",
            flow=Flow.EXPORT,
            period_start=datetime.date(2022, 3, 1),
            period_end=datetime.date(2022, 3, 31),
            value=Decimal("5000000.00"),
            currency="EUR",
            qualifier=Qualifier.APPROXIMATE,
        ),
        # Spans two calendar years, so no `year` matches it.
        "trade_import": TradeFigureFactory(
            source=source,
            reporter_id="HU",
            partner_id="DE",
            flow=Flow.IMPORT,
            period_start=datetime.date(2021, 7, 1),
            period_end=datetime.date(2022, 6, 30),
            value=Decimal("50000.00"),
            currency="USD",
            qualifier=Qualifier.AT_MOST,
        ),
        "de_planned": InvestmentFactory(
            source=source,
            investor_id="DE",
            recipient_id="FR",
            amount=Decimal("1000000.00"),
            status=InvestmentStatus.PLANNED,
            sectors=["energy", "logistics"],
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
        ),
        "fr_realized": InvestmentFactory(
            source=source,
            investor_id="FR",
            recipient_id="HU",
            amount=Decimal("20000000.00"),
            status=InvestmentStatus.REALIZED,
            period_start=datetime.date(2010, 1, 1),
            period_end=datetime.date(2010, 6, 30),
        ),
        "arch": CulturalLandmarkFactory(
            source=source,
            name="Arch of Friendship",
            kind=LandmarkKind.MONUMENT,
            located_in_id="DE",
            city="Berlin",
            honoured_country_id="FR",
            honours="French-German friendship",
            established_on=datetime.date(1990, 10, 3),
        ),
        "liszt_park": CulturalLandmarkFactory(
            source=source,
            name="Zeta Park",
            kind=LandmarkKind.PARK,
            located_in_id="FR",
            city="Paris",
            honoured_country_id="HU",
            honours="Franz Liszt",
            description="A park dedicated to Hungarian composers.",
            established_on=datetime.date(1950, 5, 1),
        ),
        "de_scholarships": ScholarshipProgramFactory(
            source=source,
            name="Deutschland Stipendium",
            sponsor_id="DE",
            recipient_id="FR",
            annual_grants=40,
            level="Master",
            description="Grants for engineering students.",
        ),
        "bolashak": ScholarshipProgramFactory(
            source=source,
            name="Bolashak",
            sponsor_id="KZ",
            recipient_id="DE",
            annual_grants=None,
            level="Doctoral",
        ),
        "accordion": CulturalInitiativeFactory(
            source=source,
            name="Accordion Festival",
            kind=InitiativeKind.FESTIVAL,
            countries=["DE", "FR", "HU"],
            established_on=datetime.date(2001, 6, 1),
            description="Musicians from three countries.",
        ),
        "youth": CulturalInitiativeFactory(
            source=source,
            name="Youth exchange",
            kind=InitiativeKind.EXCHANGE,
            countries=["DE", "KZ"],
            established_on=datetime.date(2015, 9, 1),
            description="Students meet each summer.",
        ),
    }
    return {**ARTICLE, **{label: obj.pk for label, obj in made.items()}}


def resolve(value, world):
    """A label of `world` becomes its id; anything else (codes) stays as written."""
    return world.get(value, value) if isinstance(value, str) else value


TRADE = "trade-figure-list"
INVEST = "investment-list"
LANDMARK = "cultural-landmark-list"
SCHOLAR = "scholarship-program-list"
INITIATIVE = "cultural-initiative-list"
SOURCE = "source-list"
COUNTRY = "country-list"

ALL_TRADE = ["trade_import", "trade_export", "trade_2023", "trade_2024"]
ALL_INVEST = ["hu_investment", "fr_realized", "de_planned", "kz_interest", "hu_interest"]
ALL_LANDMARK = ["arch", "budapest_street", "dombyra", "petofi_street", "liszt_park"]
ALL_SCHOLAR = ["bolashak", "de_scholarships", "hu_scholarships"]
ALL_INITIATIVE = ["accordion", "bars", "youth"]

# (route, query, expected labels or codes, in the order the API must return them)
FILTER_TABLE = [
    # --- trade figures: default order is period_start, then id
    (TRADE, {}, ALL_TRADE),
    (TRADE, {"country": "HU"}, ["trade_import", "trade_2023", "trade_2024"]),
    (TRADE, {"country": "kz"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"country": "Fr"}, ["trade_export"]),
    (TRADE, {"country": "AT"}, []),
    (TRADE, {"pair": "KZ,HU"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"pair": "hu,kz"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"pair": "de,Hu"}, ["trade_import"]),
    (TRADE, {"pair": "KZ,DE"}, []),
    (TRADE, {"reporter": "kz"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"reporter": "HU"}, ["trade_import"]),
    (TRADE, {"partner": "hu"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"partner": "DE"}, ["trade_import"]),
    (TRADE, {"reporter": "HU", "partner": "KZ"}, []),
    (TRADE, {"flow": "turnover"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"flow": "export"}, ["trade_export"]),
    (TRADE, {"flow": "import"}, ["trade_import"]),
    (TRADE, {"year": "2023"}, ["trade_2023"]),
    (TRADE, {"year": "2024"}, ["trade_2024"]),
    (TRADE, {"year": "2022"}, ["trade_export"]),
    (TRADE, {"year": "2021"}, []),
    (TRADE, {"period_after": "2023-01-01"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"period_after": "2023-01-02"}, ["trade_2024"]),
    (TRADE, {"period_before": "2023-12-31"}, ["trade_import", "trade_export", "trade_2023"]),
    (TRADE, {"period_before": "2022-06-30"}, ["trade_import", "trade_export"]),
    (TRADE, {"period_before": "2022-06-29"}, ["trade_export"]),
    (TRADE, {"period_before": "2022-03-30"}, []),
    (TRADE, {"period_after": "2022-01-01", "period_before": "2023-12-31"}, ["trade_export", "trade_2023"]),
    (TRADE, {"value_min": "131000000"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"value_min": "131000000.01"}, ["trade_2023"]),
    (TRADE, {"value_max": "5000000.00"}, ["trade_import", "trade_export"]),
    (TRADE, {"value_max": "49999.99"}, []),
    (TRADE, {"value_min": "50000", "value_max": "131000000"}, ["trade_import", "trade_export", "trade_2024"]),
    (TRADE, {"currency": "EUR"}, ["trade_export"]),
    (TRADE, {"currency": "usd"}, ["trade_import", "trade_2023", "trade_2024"]),
    (TRADE, {"currency": "GBP"}, []),
    (TRADE, {"qualifier": "at_least"}, ["trade_2024"]),
    (TRADE, {"qualifier": "exact"}, ["trade_2023"]),
    (TRADE, {"qualifier": "approximate"}, ["trade_export"]),
    (TRADE, {"qualifier": "at_most"}, ["trade_import"]),
    (TRADE, {"source": "article"}, ["trade_2023", "trade_2024"]),
    (TRADE, {"source": "source2"}, ["trade_import", "trade_export"]),
    (TRADE, {"ordering": "period_start"}, ["trade_import", "trade_export", "trade_2023", "trade_2024"]),
    (TRADE, {"ordering": "-period_start"}, ["trade_2024", "trade_2023", "trade_export", "trade_import"]),
    (TRADE, {"ordering": "period_end"}, ["trade_export", "trade_import", "trade_2023", "trade_2024"]),
    (TRADE, {"ordering": "-period_end"}, ["trade_2024", "trade_2023", "trade_import", "trade_export"]),
    (TRADE, {"ordering": "value"}, ["trade_import", "trade_export", "trade_2024", "trade_2023"]),
    (TRADE, {"ordering": "-value"}, ["trade_2023", "trade_2024", "trade_export", "trade_import"]),
    (TRADE, {"ordering": "-value", "country": "kz"}, ["trade_2023", "trade_2024"]),
    # --- investments: default order is period_start with nulls last, then id
    (INVEST, {}, ALL_INVEST),
    (INVEST, {"country": "KZ"}, ["hu_investment", "kz_interest", "hu_interest"]),
    (INVEST, {"country": "hu"}, ["hu_investment", "fr_realized", "kz_interest", "hu_interest"]),
    (INVEST, {"country": "dE"}, ["de_planned"]),
    (INVEST, {"pair": "kz,hu"}, ["hu_investment", "kz_interest", "hu_interest"]),
    (INVEST, {"pair": "HU,FR"}, ["fr_realized"]),
    (INVEST, {"pair": "KZ,FR"}, []),
    (INVEST, {"investor": "hu"}, ["hu_investment", "hu_interest"]),
    (INVEST, {"investor": "KZ"}, ["kz_interest"]),
    (INVEST, {"recipient": "Hu"}, ["fr_realized", "kz_interest"]),
    (INVEST, {"recipient": "kz"}, ["hu_investment", "hu_interest"]),
    (INVEST, {"status": "realized"}, ["hu_investment", "fr_realized"]),
    (INVEST, {"status": "planned"}, ["de_planned"]),
    (INVEST, {"status": "interest"}, ["kz_interest", "hu_interest"]),
    (INVEST, {"sector": "logistics"}, ["de_planned", "kz_interest"]),
    (INVEST, {"sector": "LOGISTICS"}, ["de_planned", "kz_interest"]),
    (INVEST, {"sector": "manufacturing"}, ["kz_interest"]),
    (INVEST, {"sector": "infrastructure"}, ["kz_interest"]),
    (INVEST, {"sector": "energy"}, ["de_planned"]),
    (INVEST, {"sector": "mining"}, []),
    (INVEST, {"amount_min": "300000000"}, ["hu_investment"]),
    (INVEST, {"amount_min": "1000000"}, ["hu_investment", "fr_realized", "de_planned"]),
    (INVEST, {"amount_max": "20000000.00"}, ["fr_realized", "de_planned"]),
    (INVEST, {"amount_max": "999999.99"}, []),
    (INVEST, {"year": "2010"}, ["fr_realized"]),
    (INVEST, {"year": "2025"}, ["de_planned"]),
    (INVEST, {"year": "2024"}, []),
    (INVEST, {"period_after": "2004-01-01"}, ["hu_investment", "fr_realized", "de_planned"]),
    (INVEST, {"period_after": "2004-01-02"}, ["fr_realized", "de_planned"]),
    (INVEST, {"period_before": "2024-12-31"}, ["hu_investment", "fr_realized"]),
    (INVEST, {"period_before": "2010-06-30"}, ["fr_realized"]),
    (INVEST, {"source": "article"}, ["hu_investment", "kz_interest", "hu_interest"]),
    (INVEST, {"source": "source2"}, ["fr_realized", "de_planned"]),
    (INVEST, {"ordering": "amount"}, ["de_planned", "fr_realized", "hu_investment", "kz_interest", "hu_interest"]),
    # Ties (here the nulls, last) follow the last term's direction: newest id first when descending.
    (INVEST, {"ordering": "-amount"}, ["hu_investment", "fr_realized", "de_planned", "hu_interest", "kz_interest"]),
    (INVEST, {"ordering": "period_start"}, ALL_INVEST),
    (
        INVEST,
        {"ordering": "-period_start"},
        ["de_planned", "fr_realized", "hu_investment", "hu_interest", "kz_interest"],
    ),
    # --- cultural landmarks: default order is name, then id
    (LANDMARK, {}, ALL_LANDMARK),
    (LANDMARK, {"country": "kz"}, ["budapest_street", "dombyra", "petofi_street"]),
    (LANDMARK, {"country": "HU"}, ["budapest_street", "dombyra", "petofi_street", "liszt_park"]),
    (LANDMARK, {"country": "fr"}, ["arch", "liszt_park"]),
    (LANDMARK, {"pair": "HU,KZ"}, ["budapest_street", "dombyra", "petofi_street"]),
    (LANDMARK, {"pair": "fr,hu"}, ["liszt_park"]),
    (LANDMARK, {"pair": "de,kz"}, []),
    (LANDMARK, {"located_in": "kz"}, ["budapest_street", "petofi_street"]),
    (LANDMARK, {"located_in": "HU"}, ["dombyra"]),
    (LANDMARK, {"honoured_country": "hu"}, ["budapest_street", "petofi_street", "liszt_park"]),
    (LANDMARK, {"honoured_country": "KZ"}, ["dombyra"]),
    (LANDMARK, {"kind": "street"}, ["budapest_street", "petofi_street"]),
    (LANDMARK, {"kind": "sculpture"}, ["dombyra"]),
    (LANDMARK, {"kind": "monument"}, ["arch"]),
    (LANDMARK, {"kind": "park"}, ["liszt_park"]),
    (LANDMARK, {"kind": "building"}, []),
    (LANDMARK, {"kind": "other"}, []),
    (LANDMARK, {"city": "Astana"}, ["budapest_street", "petofi_street"]),
    (LANDMARK, {"city": "astana"}, ["budapest_street", "petofi_street"]),
    (LANDMARK, {"city": "KARCAG"}, ["dombyra"]),
    (LANDMARK, {"city": "Berlin"}, ["arch"]),
    (LANDMARK, {"city": "Astan"}, []),
    (LANDMARK, {"search": "dombyra"}, ["dombyra"]),
    (LANDMARK, {"search": "Petőfi"}, ["petofi_street"]),
    (LANDMARK, {"search": "astana"}, ["budapest_street", "petofi_street"]),
    (LANDMARK, {"search": "liszt"}, ["liszt_park"]),
    (LANDMARK, {"search": "composers"}, ["liszt_park"]),
    (LANDMARK, {"search": "nowhere-at-all"}, []),
    (LANDMARK, {"source": "article"}, ["budapest_street", "dombyra", "petofi_street"]),
    (LANDMARK, {"source": "source2"}, ["arch", "liszt_park"]),
    (LANDMARK, {"ordering": "name"}, ALL_LANDMARK),
    (LANDMARK, {"ordering": "-name"}, ["liszt_park", "petofi_street", "dombyra", "budapest_street", "arch"]),
    (
        LANDMARK,
        {"ordering": "established_on"},
        ["liszt_park", "arch", "budapest_street", "petofi_street", "dombyra"],
    ),
    (
        LANDMARK,
        {"ordering": "-established_on"},
        ["arch", "liszt_park", "dombyra", "petofi_street", "budapest_street"],
    ),
    # --- scholarship programs: default order is name, then id
    (SCHOLAR, {}, ALL_SCHOLAR),
    (SCHOLAR, {"country": "kz"}, ["bolashak", "hu_scholarships"]),
    (SCHOLAR, {"country": "DE"}, ["bolashak", "de_scholarships"]),
    (SCHOLAR, {"pair": "kz,HU"}, ["hu_scholarships"]),
    (SCHOLAR, {"pair": "DE,kz"}, ["bolashak"]),
    (SCHOLAR, {"pair": "fr,hu"}, []),
    (SCHOLAR, {"sponsor": "hu"}, ["hu_scholarships"]),
    (SCHOLAR, {"sponsor": "KZ"}, ["bolashak"]),
    (SCHOLAR, {"recipient": "kz"}, ["hu_scholarships"]),
    (SCHOLAR, {"recipient": "fr"}, ["de_scholarships"]),
    (SCHOLAR, {"annual_grants_min": "250"}, ["hu_scholarships"]),
    (SCHOLAR, {"annual_grants_min": "251"}, []),
    (SCHOLAR, {"annual_grants_min": "40"}, ["de_scholarships", "hu_scholarships"]),
    (SCHOLAR, {"annual_grants_min": "0"}, ["de_scholarships", "hu_scholarships"]),
    (SCHOLAR, {"search": "university"}, ["hu_scholarships"]),
    (SCHOLAR, {"search": "engineering"}, ["de_scholarships"]),
    (SCHOLAR, {"search": "BOLASHAK"}, ["bolashak"]),
    (SCHOLAR, {"search": "hungarian government"}, ["hu_scholarships"]),
    (SCHOLAR, {"source": "article"}, ["hu_scholarships"]),
    (SCHOLAR, {"source": "source2"}, ["bolashak", "de_scholarships"]),
    (SCHOLAR, {"ordering": "name"}, ALL_SCHOLAR),
    (SCHOLAR, {"ordering": "-name"}, ["hu_scholarships", "de_scholarships", "bolashak"]),
    (SCHOLAR, {"ordering": "annual_grants"}, ["de_scholarships", "hu_scholarships", "bolashak"]),
    (SCHOLAR, {"ordering": "-annual_grants"}, ["hu_scholarships", "de_scholarships", "bolashak"]),
    # --- cultural initiatives: default order is name, then id
    (INITIATIVE, {}, ALL_INITIATIVE),
    (INITIATIVE, {"country": "hu"}, ["accordion", "bars"]),
    (INITIATIVE, {"country": "KZ"}, ["bars", "youth"]),
    (INITIATIVE, {"country": "de"}, ["accordion", "youth"]),
    (INITIATIVE, {"pair": "KZ,hu"}, ["bars"]),
    (INITIATIVE, {"pair": "fr,de"}, ["accordion"]),
    (INITIATIVE, {"pair": "HU,DE"}, ["accordion"]),
    (INITIATIVE, {"pair": "fr,kz"}, []),
    (INITIATIVE, {"kind": "foundation"}, ["bars"]),
    (INITIATIVE, {"kind": "festival"}, ["accordion"]),
    (INITIATIVE, {"kind": "exchange"}, ["youth"]),
    (INITIATIVE, {"kind": "publishing"}, []),
    (INITIATIVE, {"kind": "other"}, []),
    (INITIATIVE, {"search": "bars"}, ["bars"]),
    (INITIATIVE, {"search": "writers"}, ["bars"]),
    (INITIATIVE, {"search": "summer"}, ["youth"]),
    (INITIATIVE, {"source": "article"}, ["bars"]),
    (INITIATIVE, {"source": "source2"}, ["accordion", "youth"]),
    (INITIATIVE, {"ordering": "name"}, ALL_INITIATIVE),
    (INITIATIVE, {"ordering": "-name"}, ["youth", "bars", "accordion"]),
    (INITIATIVE, {"ordering": "established_on"}, ["accordion", "youth", "bars"]),
    (INITIATIVE, {"ordering": "-established_on"}, ["youth", "accordion", "bars"]),
    # --- sources
    (SOURCE, {}, ["source2", "article"]),
    (SOURCE, {"search": "Karcag"}, ["article"]),
    (SOURCE, {"search": "expand cooperation"}, ["article"]),
    (SOURCE, {"search": "gazette"}, ["source2"]),
    (SOURCE, {"search": "preamble"}, ["source2"]),
    # --- countries: ids are codes; default order is name
    (COUNTRY, {"has_records": "true"}, ["FR", "DE", "HU", "KZ"]),
    (COUNTRY, {"has_records": "TRUE"}, ["FR", "DE", "HU", "KZ"]),
    (COUNTRY, {"has_records": "1"}, ["FR", "DE", "HU", "KZ"]),
    (COUNTRY, {"has_records": "false", "search": "ka"}, ["LK"]),
    (COUNTRY, {"has_records": "0", "search": "hungary"}, []),
    (COUNTRY, {"search": "kazakh"}, ["KZ"]),
    (COUNTRY, {"search": "hungary"}, ["HU"]),
    (COUNTRY, {"search": "kz"}, ["KZ"]),
    (COUNTRY, {"search": "KAZ"}, ["KZ"]),
    (COUNTRY, {"search": "Republic of Kazakhstan"}, ["KZ"]),
    (COUNTRY, {"has_records": "true", "ordering": "name"}, ["FR", "DE", "HU", "KZ"]),
    (COUNTRY, {"has_records": "true", "ordering": "-name"}, ["KZ", "HU", "DE", "FR"]),
    (COUNTRY, {"has_records": "true", "ordering": "code"}, ["DE", "FR", "HU", "KZ"]),
    (COUNTRY, {"has_records": "true", "ordering": "-code"}, ["KZ", "HU", "FR", "DE"]),
]


def row_id(row):
    route, query, _expected = row
    return f"{route}?{'&'.join(f'{key}={value}' for key, value in query.items())}"


@pytest.mark.parametrize(("route", "query", "expected"), FILTER_TABLE, ids=[row_id(row) for row in FILTER_TABLE])
def test_filter_returns_exactly_the_expected_records(api_client, world, route, query, expected):
    """The filter or ordering returns exactly these records, in this order."""
    params = {key: resolve(value, world) if key == "source" else value for key, value in query.items()}

    response = api_client.get(reverse(route), {**params, "page_size": 1000})

    assert response.status_code == HTTPStatus.OK
    key = "code" if route == COUNTRY else "id"
    assert [item[key] for item in response.json()["results"]] == [resolve(label, world) for label in expected]


def test_has_records_false_leaves_out_every_country_with_records(api_client, world):
    """has_records=false returns all other 245 countries."""
    body = api_client.get(reverse(COUNTRY), {"has_records": "false", "page_size": 1000}).json()

    codes = {item["code"] for item in body["results"]}
    assert body["count"] == 245
    assert codes.isdisjoint({"DE", "FR", "HU", "KZ"})


@pytest.mark.parametrize("route", [TRADE, INVEST, LANDMARK, SCHOLAR, INITIATIVE])
def test_pair_filter_is_the_union_of_both_directions(api_client, world, route):
    """pair=KZ,HU equals pair=HU,KZ and every record involving both countries."""
    forward = api_client.get(reverse(route), {"pair": "KZ,HU"}).json()["results"]
    backward = api_client.get(reverse(route), {"pair": "HU,KZ"}).json()["results"]

    assert forward == backward
    assert forward


def test_filters_combine_with_and(api_client, world):
    """Several filters narrow together: Hungary's realized investments with amount above 100 million."""
    body = api_client.get(reverse(INVEST), {"country": "HU", "status": "realized", "amount_min": "100000000"}).json()

    assert [item["id"] for item in body["results"]] == [world["hu_investment"]]
