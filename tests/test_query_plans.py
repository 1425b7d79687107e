"""Query plans: a filtered page is an index range already in order, never a table scan or a sort.

The plan, not a timing, is what the test reads: it does not depend on the machine. On SQLite the
page query must SEARCH an index and need no temporary B-tree for its ORDER BY; on PostgreSQL, over
a table large enough that the planner weighs its choices, it must use an index and no Sort node.
`country=` pages are two such index ranges merged (`representations.merged_parts()`): SQLite's
MERGE (UNION ALL) of two SEARCHes, PostgreSQL's Merge Append of two index scans.
"""

import datetime
import itertools
import random
import re
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation.models import Country, CulturalLandmark, Source, TradeFigure
from cooperation.pagination import encode_cursor
from cooperation.registry import RECORD_RESOURCES
from cooperation.selectors import latest_statement, pair_count
from cooperation.views import DEFAULT_RECENT
from tests.factories import SourceFactory
from tests.resources import SPECS_BY_BASENAME

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

TWO_COUNTRY_ROUTES = [
    (f"{resource.basename}-list", resource.ordering_fields)
    for resource in RECORD_RESOURCES
    if resource.model.country_fields is not None
]
# `country=` pages: each two-country list in its default and every documented ordering, both ways; then
# with another filter, a search and a pair.
COUNTRY_PAGES = [
    *(
        (route, {"country": "KZ", **({"ordering": ordering} if ordering else {})})
        for route, fields in TWO_COUNTRY_ROUTES
        for ordering in ["", *fields, *(f"-{field}" for field in fields)]
    ),
    ("trade-figure-list", {"country": "HU", "period_after": "2020-01-01"}),
    ("trade-figure-list", {"country": "HU", "period_after": "2020-01-01", "ordering": "-period_start"}),
    ("trade-figure-list", {"country": "HU", "flow": "turnover", "ordering": "-value"}),
    ("investment-list", {"country": "HU", "status": "realized"}),
    ("cultural-landmark-list", {"country": "HU", "search": "street"}),
    ("scholarship-program-list", {"country": "KZ", "pair": "KZ,HU"}),
]
# Cursor pages of `country=` lists, forwards and backwards: (route, ordering, position, backwards).
COUNTRY_CURSOR_PAGES = [
    ("trade-figure-list", "", ["2023-01-01", 2], False),
    ("trade-figure-list", "", ["2023-01-01", 2], True),
    ("trade-figure-list", "-value", ["187500000.00", 2], False),
    ("trade-figure-list", "-value", ["187500000.00", 2], True),
    ("investment-list", "-amount", [None, 2], False),
    ("cultural-landmark-list", "", ["Dombyra sculpture", 3], True),
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


def merged_ranges(plan):
    """The first line of each read that SQLite's MERGE (UNION ALL) merges, nested merges flattened; None if no merge."""
    lines = plan.splitlines()
    if lines[0] != "MERGE (UNION ALL)":
        return None
    return [line for above, line in itertools.pairwise(lines) if above in ("LEFT", "RIGHT") and line != lines[0]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is read below")
@pytest.mark.parametrize(("route", "query"), COUNTRY_PAGES, ids=[f"{r}?{q}" for r, q in COUNTRY_PAGES])
def test_sqlite_country_page_merges_two_index_ranges_in_order(api_client, db, route, query):
    plan = sqlite_plan(page_query(api_client, route, query))

    ranges = merged_ranges(plan)
    assert ranges is not None, plan
    assert len(ranges) == 2, plan
    assert all(read.startswith("SEARCH") and "USING" in read and "INDEX" in read for read in ranges), plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
@pytest.mark.parametrize(("route", "ordering", "position", "backwards"), COUNTRY_CURSOR_PAGES)
def test_sqlite_country_cursor_page_merges_index_ranges(api_client, db, route, ordering, position, backwards):
    """Each side's ranges of the cursor (`KeysetAfter.parts()`), one SEARCH each, all merged in order."""
    query = {"country": "KZ", "cursor": encode_cursor(ordering, position, backwards=backwards)}
    plan = sqlite_plan(page_query(api_client, route, {**query, "ordering": ordering} if ordering else query))

    ranges = merged_ranges(plan)
    assert ranges is not None, plan
    assert len(ranges) >= 2, plan
    assert all(read.startswith("SEARCH") and "INDEX" in read for read in ranges), plan
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


def sorts(plan):
    """Whether a PostgreSQL plan has a Sort node (a Merge Append's "Sort Key" line merges, it does not sort)."""
    return re.search(r"Sort  \(", plan) is not None


# `country=` pages over the many records: every ordering of trade figures (all NOT NULL columns, which
# PostgreSQL reads from an index either way), another filter, cursors both ways, and landmarks by name.
POSTGRESQL_COUNTRY_PAGES = [
    *(
        ("trade-figure-list", {"country": "KZ", **({"ordering": ordering} if ordering else {})})
        for ordering in ["", "-period_start", "period_end", "-period_end", "value", "-value"]
    ),
    ("trade-figure-list", {"country": "KZ", "period_after": "2020-01-01"}),
    ("trade-figure-list", {"country": "KZ", "cursor": encode_cursor("", ["1990-01-01", 1], backwards=False)}),
    ("trade-figure-list", {"country": "KZ", "cursor": encode_cursor("", ["1990-01-01", 1], backwards=True)}),
    (
        "trade-figure-list",
        {"country": "KZ", "ordering": "-value", "cursor": encode_cursor("-value", ["500000000.00", 1], False)},
    ),
    ("cultural-landmark-list", {"country": "HU"}),
    ("cultural-landmark-list", {"country": "HU", "ordering": "-name"}),
]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan; SQLite's is read above")
def test_postgresql_filtered_pages_use_an_index_and_no_sort(api_client, db):
    source = make_many_records(40_000)
    pages = [
        (route, query) for route, query in INDEXED_PAGES if route in ("trade-figure-list", "cultural-landmark-list")
    ]
    bad = {}
    for route, query in [*pages, *POSTGRESQL_COUNTRY_PAGES]:
        # The article's source has two records, which a planner rightly sorts; the many records share another.
        query = {**query, "source": str(source)} if "source" in query else query
        plan = postgresql_plan(page_query(api_client, route, query))
        merged = "country" not in query or "Merge Append" in plan
        if "Index" not in plan or "Seq Scan" in plan or sorts(plan) or not merged:
            bad[f"{route}?{query}"] = plan
    assert not bad, "\n\n".join(f"{name}:\n{plan}" for name, plan in bad.items())


CURSOR_PAGES = [
    ("trade-figure-list", "", ["2023-01-01", 2]),
    ("trade-figure-list", "-value", ["187500000.00", 2]),
    ("cultural-landmark-list", "", ["Dombyra sculpture", 3]),
]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
@pytest.mark.parametrize("backwards", [False, True], ids=["next", "previous"])
@pytest.mark.parametrize(("route", "ordering", "position"), CURSOR_PAGES)
def test_sqlite_cursor_page_starts_at_the_cursor(api_client, db, route, ordering, position, backwards):
    """A page a million rows deep costs what the first does: index ranges from the cursor on, merged, no sort.

    The rows that tie with the cursor on its column are a range that starts at the cursor's id
    (`column=? AND id>?`), not at the first tie: SQLite seeks on a row value's first column only.
    """
    query = {"cursor": encode_cursor(ordering, position, backwards=backwards)}
    plan = sqlite_plan(page_query(api_client, route, {**query, "ordering": ordering} if ordering else query))

    ranges = merged_ranges(plan)
    assert ranges is not None, plan
    assert all(read.startswith("SEARCH") and "INDEX" in read for read in ranges), plan
    assert any(re.search(r"=\? AND id[<>]\?\)$", read) for read in ranges), plan
    assert "TEMP B-TREE" not in plan, plan


def count_query(api_client, route, query):
    """The SQL of the list's COUNT, as the API ran it."""
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(reverse(route), query)
    assert response.status_code == HTTPStatus.OK, response.json()
    [sql] = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("SELECT COUNT(*)")]
    return sql


# Counts whose filters an index holds entirely: each is answered from index entries, with no row read.
# (Not `pair`: SQLite never counts an index on a generated column, `pair_key`, as covering.) PostgreSQL
# has the same indexes; whether it reads them alone depends on its visibility map, which only VACUUM,
# not possible inside a test's transaction, sets.
COVERED_COUNTS = [
    ("trade-figure-list", {"reporter": "KZ", "period_after": "2020-01-01", "period_before": "2025-12-31"}),
    ("trade-figure-list", {"partner": "HU", "period_before": "2025-12-31"}),
    ("trade-figure-list", {"period_after": "2020-01-01", "period_before": "2025-12-31"}),
    ("investment-list", {"investor": "KZ", "period_after": "2020-01-01", "period_before": "2025-12-31"}),
]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is read below")
@pytest.mark.parametrize(("route", "query"), COVERED_COUNTS, ids=[f"{r}?{q}" for r, q in COVERED_COUNTS])
def test_sqlite_period_count_reads_a_covering_index(api_client, db, route, query):
    plan = sqlite_plan(count_query(api_client, route, query))

    assert "USING COVERING INDEX" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is read below")
def test_sqlite_pair_of_initiatives_reads_the_members_index_alone(db):
    """The profile's count of a pair's initiatives: the two countries' links, from one index each."""
    initiatives = next(resource for resource in RECORD_RESOURCES if resource.key == "cultural_initiatives")

    counted = pair_count(initiatives, "default", "HU", "KZ").query
    sql, params = counted.get_compiler("default").as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(row[-1] for row in cursor.fetchall())

    # The first country's links by country; the second's by (initiative, country), Django's unique index.
    assert "COVERING INDEX initiative_member_country_idx (country_id=?)" in plan, plan
    links = [line for line in plan.splitlines() if "PRIMARY KEY" not in line]
    assert len(links) == 2, plan
    assert all(line.startswith("SEARCH") and "COVERING INDEX" in line for line in links), plan


# The pair profile's latest records of each resource come from the end of one index range, in order. Not
# initiatives: their range is the country's links, their order the initiative's date, so they are sorted.
LATEST_FIRST = [resource for resource in RECORD_RESOURCES if resource.key != "cultural_initiatives"]


def explain_latest_records(resource, explain):
    """The plan of the profile's read of the pair's latest records, as the profile runs it (a branch of its batch)."""
    statement = latest_statement(resource, DEFAULT_RECENT, "default")
    keys = ("HU", "KZ")
    params = [statement.with_keys(p, keys) if i in statement.keyed else p for i, p in enumerate(statement.params)]
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {statement.sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def spread_over_pairs(resource, pairs=20, each=15):
    """Records of the resource between many pairs, analysed: no pair is most of the table.

    Without statistics of its own, the planner may take the table for a row or two and read the
    primary key backwards, filtering by pair, as readily as the pair's index (statistics that an
    earlier test's ANALYZE left behind).
    """
    spec = SPECS_BY_BASENAME[resource.basename]
    source = SourceFactory()
    codes = Country.objects.exclude(code__in=["KZ", "HU"]).order_by("code").values_list("code", flat=True)
    codes = list(codes[: 2 * pairs])
    for first, second in zip(codes[::2], codes[1::2], strict=True):
        places = {"KZ": first, "HU": second}
        pair = {
            name: places.get(value, value) if isinstance(value, str) else value
            for name, value in spec.pair_record.items()
        }
        spec.factory.create_batch(each, source=source, **pair)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {resource.model._meta.db_table}")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is read below")
@pytest.mark.parametrize("resource", LATEST_FIRST, ids=[resource.key for resource in LATEST_FIRST])
def test_sqlite_pair_latest_records_read_an_index_in_order(db, resource):
    plan = explain_latest_records(resource, "EXPLAIN QUERY PLAN")

    assert plan.startswith("SEARCH"), plan
    assert "(pair_key=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan; SQLite's is read above")
@pytest.mark.parametrize("resource", LATEST_FIRST, ids=[resource.key for resource in LATEST_FIRST])
def test_postgresql_pair_latest_records_read_an_index_in_order(db, resource):
    """With sorting priced out, the plan still sorts unless an index holds the pair in the profile's order.

    (PostgreSQL puts NULLs last in an ascending index: a nullable date, latest first with NULLs last,
    needs an index of its own; migration 0012.)
    """
    spread_over_pairs(resource)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    plan = explain_latest_records(resource, "EXPLAIN")

    assert "Index Cond: ((pair_key)" in plan, plan
    assert not sorts(plan), plan


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plan: SQLite seeks on a row value's first column"
)
@pytest.mark.parametrize(
    ("ordering", "position", "backwards"), [("", ["2023-01-01", 2], False), ("-value", ["5.00", 2], True)]
)
def test_postgresql_cursor_page_starts_at_the_cursor(api_client, db, ordering, position, backwards):
    """The index scan begins at (column, id) itself, not at the column's first tie.

    (Table scans and sorts priced out, as a table of millions would: the test's few rows would not.)
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    query = {
        "cursor": encode_cursor(ordering, position, backwards=backwards),
        **({"ordering": ordering} if ordering else {}),
    }
    plan = postgresql_plan(page_query(api_client, "trade-figure-list", query))

    assert re.search(r"Index Cond: \(ROW\((period_start|value), id\) [<>] ROW\(", plan), plan
