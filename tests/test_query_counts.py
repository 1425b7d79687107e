"""Query counts: every list and profile endpoint costs the same few queries for 1 row or for 100.

The numbers are the baseline; a change that adds a query per row (an N+1 from
a nested serializer or a method field) fails here at 100 rows.
"""

import functools
from http import HTTPStatus

import pytest
from django.urls import resolve, reverse

from cooperation.countries import known_country_codes
from cooperation.models import Country, Source
from cooperation.pagination import default_terms, encode_cursor
from tests.factories import CulturalInitiativeFactory, InvestmentFactory, SourceFactory, TradeFigureFactory
from tests.helpers import wsgi_call
from tests.resources import RECORD_SPECS, SPECS, ResourceSpec

ROW_COUNTS = [1, 100]


def other_countries(count):
    """`count` country codes other than Kazakhstan and Hungary."""
    return list(Country.objects.exclude(code__in=["KZ", "HU"]).order_by("code").values_list("code", flat=True)[:count])


def make_rows(spec: ResourceSpec, rows):
    """`rows` rows of the resource that its list filter selects; records share one source."""
    shared = {} if spec.model is Source else {"source": SourceFactory()}
    spec.factory.create_batch(rows, **shared, **spec.list_rows)


def countries_with_records(rows):
    source = SourceFactory()
    for code in other_countries(rows):
        TradeFigureFactory(source=source, reporter_id="DE" if code != "DE" else "FR", partner_id=code)


# (route, a filter selecting the test's rows, how to make `rows` rows): one query counts and one reads
# the page, many-to-many keys included; country codes are checked in memory.
LIST_ENDPOINTS = [
    *((f"{spec.basename}-list", spec.list_filter, functools.partial(make_rows, spec)) for spec in SPECS),
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
    """A cursor at the list's first row (in the model's default order), taken from a page-number answer's first row."""
    first = api_client.get(reverse(route), {**query, "page_size": 1}).json()["results"][0]
    model = resolve(reverse(route)).func.cls.queryset.model
    return encode_cursor("", [first[term.field] for term in default_terms(model)], backwards=False)


DETAIL_ROUTES = [f"{spec.basename}-detail" for spec in SPECS]


@pytest.mark.parametrize("route", DETAIL_ROUTES)
def test_detail_costs_one_query(api_client, db, django_assert_num_queries, route):
    with django_assert_num_queries(1):
        response = api_client.get(reverse(route, args=[1]))

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("route", DETAIL_ROUTES)
def test_matching_conditional_get_costs_one_query_of_one_column(api_client, db, django_assert_num_queries, route):
    """A 304, answered in front of Django (conditional.NotModifiedApp), reads updated_at by primary key."""
    etag = api_client.get(reverse(route, args=[1]))["ETag"]

    with django_assert_num_queries(1) as captured:
        status, _, _ = wsgi_call(reverse(route, args=[1]), HTTP_IF_NONE_MATCH=etag)

    assert status == "304 Not Modified"
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

    # One count per resource, and the partner countries.
    with django_assert_num_queries(len(RECORD_SPECS) + 1):
        response = api_client.get(reverse("country-partners", args=["KZ"]), {"page_size": 1000})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == rows + 1


@pytest.mark.parametrize("rows", ROW_COUNTS)
def test_pair_costs_a_constant_number_of_queries(api_client, db, django_assert_num_queries, rows):
    """The KZ-HU profile costs the same with 1 or 100 extra records of each kind, each citing its own source."""
    for source in SourceFactory.create_batch(rows):
        for spec in RECORD_SPECS:
            spec.factory(source=source, **spec.pair_record)

    # One batch: the two countries, the counts of every resource, the latest records of each, their sources.
    with django_assert_num_queries(1):
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

    status, headers, _ = wsgi_call(url, HTTP_IF_NONE_MATCH=etag)

    assert status == "304 Not Modified"
    assert (headers["ETag"], headers["Cache-Control"]) == (etag, "public, no-cache")
    assert api_client.get(url).status_code == HTTPStatus.TOO_MANY_REQUESTS
