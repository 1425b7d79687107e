"""Query counts: every list and profile endpoint costs the same few queries for 1 row or for 100.

The numbers are the baseline; a change that adds a query per row (an N+1 from
a nested serializer or a method field) fails here at 100 rows.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

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


# (route, a filter selecting the test's rows, how to make `rows` rows, queries): one query checks the
# country code, then one counts, one reads the page, and one more per many-to-many field shown.
LIST_ENDPOINTS = [
    ("trade-figure-list", {"country": "FR"}, trade_figures, 3),
    ("investment-list", {"country": "FR"}, investments, 4),
    ("cultural-landmark-list", {"country": "FR"}, cultural_landmarks, 3),
    ("scholarship-program-list", {"country": "FR"}, scholarship_programs, 3),
    ("cultural-initiative-list", {"country": "AT"}, cultural_initiatives, 4),
    ("source-list", {"search": "Test source"}, sources, 2),
    ("country-list", {"has_records": "true"}, countries_with_records, 2),
]


@pytest.mark.parametrize("rows", ROW_COUNTS)
@pytest.mark.parametrize(
    ("route", "query", "make", "queries"), LIST_ENDPOINTS, ids=[endpoint[0] for endpoint in LIST_ENDPOINTS]
)
def test_list_costs_a_constant_number_of_queries(
    api_client, db, django_assert_num_queries, route, query, make, queries, rows
):
    """The list's query count does not grow with its rows."""
    make(rows)

    with django_assert_num_queries(queries):
        response = api_client.get(reverse(route), {**query, "page_size": 1000})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] >= rows


@pytest.mark.parametrize("rows", ROW_COUNTS)
def test_partners_cost_a_constant_number_of_queries(api_client, db, django_assert_num_queries, rows):
    """Kazakhstan's partner list costs the same whether it has 1 or 100 new partners."""
    source = SourceFactory()
    for code in other_countries(rows):
        TradeFigureFactory(source=source, reporter_id="KZ", partner_id=code)
        InvestmentFactory(source=source, investor_id=code, recipient_id="KZ")
    CulturalInitiativeFactory(source=source, countries=["KZ", *other_countries(rows)])

    with django_assert_num_queries(7):
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

    with django_assert_num_queries(10):
        response = api_client.get(reverse("country-pair", args=["KZ", "HU"]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert len(body["trade_figures"]) == rows + 2
    assert len(body["cultural_initiatives"]) == rows + 1
    assert len(body["sources"]) == rows + 1
