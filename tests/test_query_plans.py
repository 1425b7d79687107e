"""Query plans: a filtered page is an index range already in order, never a table scan or a sort.

The plan, not a timing, is what the test reads: it does not depend on the machine. On SQLite the
page query must SEARCH an index and need no temporary B-tree for its ORDER BY; on PostgreSQL, over
a table large enough that the planner weighs its choices, it must use an index and no Sort node.
"""

import datetime
import random
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.models import CulturalLandmark, Source, TradeFigure
from cooperation.pagination import encode_cursor

# (list route, query) pairs whose page must come straight from an index, in order.
INDEXED_PAGES = [
    ("trade-figure-list", {"reporter": "KZ"}),
    ("trade-figure-list", {"partner": "HU"}),
    ("trade-figure-list", {"pair": "HU,KZ"}),
    ("trade-figure-list", {"flow": "turnover"}),
    ("trade-figure-list", {"currency": "USD"}),
    ("trade-figure-list", {"qualifier": "at_least"}),
    ("trade-figure-list", {"source": "1"}),
    ("trade-figure-list", {"reporter": "KZ", "period_after": "2020-01-01", "period_before": "2025-12-31"}),
    ("trade-figure-list", {"year": "2023"}),
    ("cultural-landmark-list", {"located_in": "KZ"}),
    ("cultural-landmark-list", {"honoured_country": "HU"}),
    ("cultural-landmark-list", {"pair": "KZ,HU"}),
    ("cultural-landmark-list", {"kind": "street"}),
    ("scholarship-program-list", {"sponsor": "HU"}),
    ("scholarship-program-list", {"recipient": "KZ"}),
    ("scholarship-program-list", {"pair": "KZ,HU"}),
    ("cultural-initiative-list", {"kind": "foundation"}),
]
# Unfiltered lists in each documented ordering of trade figures: an index scan in order, stopped by LIMIT.
ORDERED_PAGES = [
    ("trade-figure-list", {"ordering": "period_start"}),
    ("trade-figure-list", {"ordering": "-period_start"}),
    ("trade-figure-list", {"ordering": "period_end"}),
    ("trade-figure-list", {"ordering": "value"}),
    ("trade-figure-list", {"ordering": "-value"}),
]


def page_query(api_client, route, query):
    """The SQL of the list's page read (the one with LIMIT), as the API ran it."""
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(reverse(route), query)
    assert response.status_code == HTTPStatus.OK, response.json()
    # The page is read last, after the count (and after the `source` filter's look-up of its source).
    return captured.captured_queries[-1]["sql"]


def sqlite_plan(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[-1] for row in cursor.fetchall())


def postgresql_plan(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is read below")
@pytest.mark.parametrize(("route", "query"), INDEXED_PAGES, ids=[f"{r}?{q}" for r, q in INDEXED_PAGES])
def test_sqlite_filtered_page_searches_an_index_in_order(api_client, db, route, query):
    plan = sqlite_plan(page_query(api_client, route, query))

    assert "SEARCH" in plan, plan
    assert "USING" in plan, plan
    assert "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is read below")
@pytest.mark.parametrize(("route", "query"), ORDERED_PAGES, ids=[f"{r}?{q}" for r, q in ORDERED_PAGES])
def test_sqlite_ordered_page_reads_an_index_in_order(api_client, db, route, query):
    plan = sqlite_plan(page_query(api_client, route, query))

    assert "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def make_many_records(count):
    """Enough rows over many pairs and decades that PostgreSQL's planner prefers an index to a scan."""
    rng = random.Random(7)
    codes = ["KZ", "HU", "DE", "FR", "AT", "PL", "CZ", "IT", "ES", "NL", "BE", "SE", "FI", "DK", "NO", "PT"]
    source = Source.objects.create(title="[test] many records", text="Synthetic sentence.")
    figures, landmarks = [], []
    for _ in range(count):
        reporter, partner = rng.sample(codes, 2)
        start = datetime.date(rng.randint(1960, 2025), rng.randint(1, 12), 1)
        figures.append(
            TradeFigure(
                reporter_id=reporter,
                partner_id=partner,
                flow=rng.choice(["turnover", "export", "import"]),
                period_start=start,
                period_end=start + datetime.timedelta(days=27),
                value=Decimal(rng.randint(0, 10**9)),
                currency=rng.choice(["USD", "USD", "EUR"]),
                qualifier=rng.choice(["exact", "approximate", "at_least", "at_most"]),
                source=source,
                source_quote="Synthetic sentence.",
            )
        )
        landmarks.append(
            CulturalLandmark(
                name=f"Landmark {rng.randint(0, 10**6)}",
                kind=rng.choice(["street", "sculpture", "park"]),
                located_in_id=reporter,
                honoured_country_id=partner,
                source=source,
                source_quote="Synthetic sentence.",
            )
        )
    TradeFigure.objects.bulk_create(figures, batch_size=5000)
    CulturalLandmark.objects.bulk_create(landmarks, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return source.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan; SQLite's is read above")
def test_postgresql_filtered_pages_use_an_index_and_no_sort(api_client, db):
    source = make_many_records(40_000)
    pages = [
        (route, query) for route, query in INDEXED_PAGES if route in ("trade-figure-list", "cultural-landmark-list")
    ]
    bad = {}
    for route, query in pages:
        # The article's source has two records, which a planner rightly sorts; the many records share another.
        query = {**query, "source": str(source)} if "source" in query else query
        plan = postgresql_plan(page_query(api_client, route, query))
        if "Index" not in plan or "Seq Scan" in plan or "  Sort" in plan or plan.startswith("Sort"):
            bad[f"{route}?{query}"] = plan
    assert not bad, "\n\n".join(f"{name}:\n{plan}" for name, plan in bad.items())


CURSOR_PAGES = [
    ("trade-figure-list", "", ["2023-01-01", 2]),
    ("trade-figure-list", "-value", ["187500000.00", 2]),
    ("cultural-landmark-list", "", ["Dombyra sculpture", 3]),
]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
@pytest.mark.parametrize(("route", "ordering", "position"), CURSOR_PAGES)
def test_sqlite_cursor_page_is_a_range_of_an_index_in_order(api_client, db, route, ordering, position):
    """A page a million rows deep costs what the first does: a range scan from the cursor, no sort."""
    query = {"cursor": encode_cursor(ordering, position, backwards=False)}
    plan = sqlite_plan(page_query(api_client, route, {**query, "ordering": ordering} if ordering else query))

    assert "SEARCH" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
