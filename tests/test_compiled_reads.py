"""A list's page and count run SQL kept per form of the read (`cooperation/compiled.py`): the same answers.

Every list below is requested twice: once after other lists of the same and of other forms have kept
their SQL, once with nothing kept, so that Django compiles it. Both answers must be the same bytes, and
a read from kept SQL must send the very SQL and parameters that Django compiles for it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.db import connection
from django.db.models import Count, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation import compiled
from cooperation.models import TradeFigure
from tests.factories import (
    CulturalInitiativeFactory,
    CulturalLandmarkFactory,
    InvestmentFactory,
    SourceFactory,
    TradeFigureFactory,
)

# Lists that differ in each way a form can: which filters (and the joins they add), their values, the
# ordering, the page and its size, a search, a value that matches nothing.
LISTS = [
    ("trade-figure-list", ""),
    ("trade-figure-list", "page_size=2"),
    ("trade-figure-list", "page_size=2&page=2"),
    ("trade-figure-list", "page_size=3&page=2"),
    ("trade-figure-list", "reporter=DE"),
    ("trade-figure-list", "reporter=FR"),
    ("trade-figure-list", "reporter=DE&period_after=2021-01-01&period_before=2023-12-31"),
    ("trade-figure-list", "reporter=FR&period_after=2020-01-01&period_before=2021-12-31&page_size=1&page=2"),
    ("trade-figure-list", "partner=DE&period_before=2021-12-31"),
    ("trade-figure-list", "reporter=DE&ordering=-value"),
    ("trade-figure-list", "reporter=DE&ordering=value"),
    ("trade-figure-list", "value_min=1500&value_max=2500.5"),
    ("trade-figure-list", "value_min=3000"),
    ("trade-figure-list", "year=2021&flow=export"),
    ("trade-figure-list", "year=2022&flow=turnover"),
    ("trade-figure-list", "currency=usd"),
    ("trade-figure-list", "currency=EUR"),
    ("trade-figure-list", "pair=DE,FR"),
    ("trade-figure-list", "pair=KZ,HU"),
    ("trade-figure-list", "country=DE&page_size=2"),
    ("trade-figure-list", "search=grew"),
    ("trade-figure-list", "search=nothing+matches"),
    ("investment-list", "sector=energy"),
    ("investment-list", "sector=logistics&investor=DE"),
    ("investment-list", "sector=nosuchsector"),
    ("investment-list", "ordering=-amount&status=planned"),
    ("cultural-landmark-list", "city=vienna"),
    ("cultural-landmark-list", "city=Graz&kind=park"),
    ("cultural-initiative-list", "country=AT"),
    ("cultural-initiative-list", "country=FR&page_size=1"),
    ("source-list", "search=source"),
    ("source-list", "ordering=-published_on"),
    ("country-list", "has_records=true"),
    ("country-list", "has_records=false&page=2"),
    ("country-list", "search=land&ordering=-code"),
]


PAIRS = [("DE", "FR"), ("FR", "DE"), ("DE", "AT"), ("FR", "AT"), ("DE", "FR"), ("FR", "DE")]


@pytest.fixture
def records(db):
    source = SourceFactory()
    for n in range(6):
        start = datetime.date(2020 + n % 3, 1, 1)
        TradeFigureFactory(
            source=source,
            reporter_id=PAIRS[n][0],
            partner_id=PAIRS[n][1],
            flow=["export", "turnover"][n % 2],
            period_start=start,
            period_end=start + datetime.timedelta(days=300),
            value=Decimal(1000 * (n + 1)),
            currency=["USD", "EUR"][n % 2],
        )
    InvestmentFactory(source=source, investor_id="DE", recipient_id="AT", sectors=["energy", "logistics"])
    InvestmentFactory(source=source, status="planned", amount=None, sectors=["energy"])
    CulturalLandmarkFactory(source=source, city="Vienna", kind="park", located_in_id="AT")
    CulturalLandmarkFactory(source=source, city="Graz", kind="park", located_in_id="AT")
    CulturalInitiativeFactory(source=source, countries=["AT", "DE", "FR"])
    CulturalInitiativeFactory(source=source, countries=["FR", "HU"])


def forget_forms() -> None:
    compiled.PAGE_READS.clear()
    compiled.COUNTS.clear()


def get(api_client, route: str, query: str):
    response = api_client.get(f"{reverse(route)}?{query}")
    assert response.status_code == HTTPStatus.OK, (query, response.content)
    return response


@pytest.mark.usefixtures("records")
def test_every_list_reads_from_kept_sql_what_django_compiles(api_client):
    forget_forms()
    for route, query in LISTS:  # each list keeps its form, or reads one that an earlier list kept
        get(api_client, route, query)
    assert compiled.PAGE_READS
    assert compiled.COUNTS

    for route, query in LISTS:
        with CaptureQueriesContext(connection) as from_kept:
            kept = get(api_client, route, query)
        forget_forms()
        with CaptureQueriesContext(connection) as from_django:
            fresh = get(api_client, route, query)
        assert kept.content == fresh.content, (route, query)
        sent = [executed["sql"] for executed in from_kept.captured_queries]
        assert sent == [executed["sql"] for executed in from_django.captured_queries], (route, query)


@pytest.mark.usefixtures("records")
def test_a_filtered_list_reads_its_page_and_count_from_its_form(api_client):
    """The second list of a form, with other values and another page, compiles neither of its queries."""
    forget_forms()
    get(api_client, "trade-figure-list", "reporter=DE&period_after=2020-01-01&period_before=2023-12-31")
    assert len(compiled.PAGE_READS) == 1
    assert len(compiled.COUNTS) == 1
    compiles = []
    as_sql = compiled.Query.get_compiler

    def counting(query, *args, **kwargs):
        compiles.append(query)
        return as_sql(query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled.Query, "get_compiler", counting)
        second = get(api_client, "trade-figure-list", "reporter=FR&period_after=2021-01-01&period_before=2022-12-31")

    # Only the WHERE of each read is compiled (`form_of()`), not the whole select, nor the count's query.
    assert len(compiles) == 2
    assert len(compiled.PAGE_READS) == 1
    assert len(compiled.COUNTS) == 1
    expected = TradeFigure.objects.filter(
        reporter="FR", period_start__gte=datetime.date(2021, 1, 1), period_end__lte=datetime.date(2022, 12, 31)
    ).order_by("period_start", "id")
    assert second.json()["count"] == expected.count() > 0
    assert [row["id"] for row in second.json()["results"]] == list(expected.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_read_with_its_own_parameters_is_not_kept():
    """A select list with a parameter of its own: Django's parameters are not the WHERE's, so nothing is kept."""
    forget_forms()
    queryset = TradeFigure.objects.filter(reporter="KZ").annotate(tag=Value("x")).values_list("pk", "tag")

    assert compiled.count(queryset, queryset.count) == TradeFigure.objects.filter(reporter="KZ").count()
    form = compiled.form_of(queryset.query, queryset.db)
    assert form is not None
    compiled.keep_page_read(form, queryset.query, queryset.db, *queryset.query.sql_with_params(), reader=None)
    assert compiled.PAGE_READS == {}


@pytest.mark.django_db
def test_a_read_that_matches_nothing_counts_zero_without_a_query():
    queryset = TradeFigure.objects.filter(pk__in=[])
    with CaptureQueriesContext(connection) as queries:
        assert compiled.count(queryset, queryset.count) == 0
    assert queries.captured_queries == []


@pytest.mark.django_db
def test_reads_with_more_than_a_form_are_not_described():
    """Extra SQL, grouping and locking decide the SQL beyond the form: those reads compile every time."""
    records = TradeFigure.objects.all()
    assert compiled.form_of(records.extra(select={"one": "1"}).query, "default") is None
    assert compiled.form_of(records.values("reporter").annotate(n=Count("pk")).query, "default") is None
    assert compiled.form_of(records.select_for_update().query, "default") is None
    assert compiled.form_of(records.select_related("source").query, "default") is None
    assert compiled.form_of(records.union(records).query, "default") is None
