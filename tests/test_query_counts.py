"""Query counts: every list and profile endpoint costs the same few queries for 1 row or for 100.

The numbers are the baseline; a change that adds a query per row (an N+1 from
a nested serializer or a method field) fails here at 100 rows.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.countries import known_country_codes
from cooperation.models import Country
from tests.factories import (
    CulturalInitiativeFactory,
    CulturalLandmarkFactory,
    InvestmentFactory,
    ScholarshipProgramFactory,
    SourceFactory,
    TradeFigureFactory,
)

ROW_COUNTS = [1, 100]


def other_countries(count):
    """`count` country codes other than Kazakhstan and Hungary."""
    return list(Country.objects.exclude(code__in=["KZ", "HU"]).order_by("code").values_list("code", flat=True)[:count])


def trade_figures(rows):
    TradeFigureFactory.create_batch(rows, source=SourceFactory(), reporter_id="DE", partner_id="FR")


def investments(rows):
    InvestmentFactory.create_batch(
        rows, source=SourceFactory(), investor_id="DE", recipient_id="FR", sectors=["energy", "logistics"]
    )


def cultural_landmarks(rows):
    CulturalLandmarkFactory.create_batch(rows, source=SourceFactory())


def scholarship_programs(rows):
    ScholarshipProgramFactory.create_batch(rows, source=SourceFactory())


def cultural_initiatives(rows):
    CulturalInitiativeFactory.create_batch(rows, source=SourceFactory(), countries=["AT", "DE", "FR"])


def sources(rows):
    SourceFactory.create_batch(rows)


def countries_with_records(rows):
    source = SourceFactory()
    for code in other_countries(rows):
        TradeFigureFactory(source=source, reporter_id="DE" if code != "DE" else "FR", partner_id=code)


# (route, a filter selecting the test's rows, how to make `rows` rows): one query counts and one reads
# the page, many-to-many keys included; country codes are checked in memory.
LIST_ENDPOINTS = [
    ("trade-figure-list", {"country": "FR"}, trade_figures),
    ("investment-list", {"country": "FR"}, investments),
    ("cultural-landmark-list", {"country": "FR"}, cultural_landmarks),
    ("scholarship-program-list", {"country": "FR"}, scholarship_programs),
    ("cultural-initiative-list", {"country": "AT"}, cultural_initiatives),
    ("source-list", {"search": "Test source"}, sources),
    ("country-list", {"has_records": "true"}, countries_with_records),
]


@pytest.fixture(autouse=True)
def _country_codes_loaded(db):
    """The process reads the known country codes once; that read is not the list's."""
    known_country_codes()


@pytest.mark.parametrize("rows", ROW_COUNTS)
@pytest.mark.parametrize(("route", "query", "make"), LIST_ENDPOINTS, ids=[endpoint[0] for endpoint in LIST_ENDPOINTS])
def test_list_costs_two_queries_whatever_its_rows(api_client, db, django_assert_num_queries, route, query, make, rows):
    """A page of any size costs a count and one read."""
    make(rows)

    with django_assert_num_queries(2):
        response = api_client.get(reverse(route), {**query, "page_size": 1000})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] >= rows


@pytest.mark.parametrize("rows", ROW_COUNTS)
@pytest.mark.parametrize(("route", "query", "make"), LIST_ENDPOINTS, ids=[endpoint[0] for endpoint in LIST_ENDPOINTS])
def test_cursor_page_costs_one_query(api_client, db, django_assert_num_queries, route, query, make, rows):
    """A cursor page does not count: one read, however deep."""
    make(rows + 1)
    cursor = first_cursor(api_client, route, query)

    with django_assert_num_queries(1):
        response = api_client.get(reverse(route), {**query, "page_size": 1000, "cursor": cursor})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] is None
    assert len(response.json()["results"]) >= rows


def first_cursor(api_client, route, query):
    """A cursor at the list's first row, taken from a page-number answer's last row."""
    from cooperation.pagination import encode_cursor

    first = api_client.get(reverse(route), {**query, "page_size": 1}).json()["results"][0]
    key = "code" if route == "country-list" else "id"
    ordering = {
        "trade-figure-list": ["period_start"],
        "investment-list": ["period_start"],
        "source-list": ["title"],
        "country-list": ["name"],
    }.get(route, ["name"])
    return encode_cursor("", [first[name] for name in [*ordering, key]], backwards=False)


DETAIL_ROUTES = [
    "trade-figure-detail",
    "investment-detail",
    "cultural-landmark-detail",
    "scholarship-program-detail",
    "cultural-initiative-detail",
    "source-detail",
]


@pytest.mark.parametrize("route", DETAIL_ROUTES)
def test_detail_costs_one_query(api_client, db, django_assert_num_queries, route):
    with django_assert_num_queries(1):
        response = api_client.get(reverse(route, args=[1]))

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("route", DETAIL_ROUTES)
def test_matching_conditional_get_costs_one_query_of_one_column(api_client, db, django_assert_num_queries, route):
    """A 304 reads updated_at by primary key, nothing more."""
    etag = api_client.get(reverse(route, args=[1]))["ETag"]

    with django_assert_num_queries(1) as captured:
        response = api_client.get(reverse(route, args=[1]), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED
    sql = captured.captured_queries[0]["sql"]
    assert sql.startswith('SELECT "cooperation_')
    assert sql.count(" AS ") == 1
    assert '"updated_at" AS "updated_at"' in sql


@pytest.mark.parametrize("rows", ROW_COUNTS)
def test_partners_cost_a_constant_number_of_queries(api_client, db, django_assert_num_queries, rows):
    """Kazakhstan's partner list costs the same whether it has 1 or 100 new partners.

    The path's code is read from the known codes in memory, so the country itself costs no query.
    """
    source = SourceFactory()
    for code in other_countries(rows):
        TradeFigureFactory(source=source, reporter_id="KZ", partner_id=code)
        InvestmentFactory(source=source, investor_id=code, recipient_id="KZ")
    CulturalInitiativeFactory(source=source, countries=["KZ", *other_countries(rows)])

    with django_assert_num_queries(6):
        response = api_client.get(reverse("country-partners", args=["KZ"]), {"page_size": 1000})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == rows + 1


@pytest.mark.parametrize("rows", ROW_COUNTS)
def test_pair_costs_a_constant_number_of_queries(api_client, db, django_assert_num_queries, rows):
    """The KZ-HU profile costs the same with 1 or 100 extra records of each kind, each citing its own source."""
    for source in SourceFactory.create_batch(rows):
        TradeFigureFactory(source=source, reporter_id="KZ", partner_id="HU")
        InvestmentFactory(source=source, investor_id="KZ", recipient_id="HU", sectors=["energy"])
        CulturalLandmarkFactory(source=source, located_in_id="HU", honoured_country_id="KZ")
        ScholarshipProgramFactory(source=source, sponsor_id="KZ", recipient_id="HU")
        CulturalInitiativeFactory(source=source, countries=["HU", "KZ", "DE"])

    # The two countries, two queries per resource (the count, the latest records), the sources.
    with django_assert_num_queries(12):
        response = api_client.get(reverse("country-pair", args=["KZ", "HU"]), {"recent": 100})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["trade_figures"]["count"] == rows + 2
    assert len(body["trade_figures"]["recent"]) == min(rows + 2, 100)
    assert body["cultural_initiatives"]["count"] == rows + 1
    cited = {record["source"] for key in ("trade_figures", "cultural_initiatives") for record in body[key]["recent"]}
    assert {source["id"] for source in body["sources"]} >= cited


def test_matching_conditional_get_is_answered_before_authentication_and_throttling(api_client, db, settings):
    """Even a client over its rate gets its 304: it costs less than the refusal would."""
    url = reverse("trade-figure-detail", args=[1])
    etag = api_client.get(url)["ETag"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/min"}}
    api_client.get(url)

    response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, no-cache"
    assert api_client.get(url).status_code == HTTPStatus.TOO_MANY_REQUESTS
