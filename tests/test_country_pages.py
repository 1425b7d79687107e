"""`country=` on the two-country lists: the merged read returns what the plain OR query returns.

A page of `country=X` is read as two index ranges merged in order (`first = X` UNION ALL `second = X`,
`representations.merged_parts()`). Every test here builds its expected list with the ORM directly,
`Q(first=X) | Q(second=X)` ordered by the list's terms, and compares the API's pages with it: each
documented ordering both ways, page numbers, a cursor walk forwards and backwards, another filter, a
search, `pair`, CSV and as-of. The records put X on either side (and other countries on both), share
ordering values so that ties fall to the id, and leave the nullable ordering columns empty in some rows.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import orjson
import pytest
from django.db import connection
from django.db.models import F, Q
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.pagination import KeysetAfter, OrderTerm, default_terms, encode_cursor, with_primary_key
from cooperation.querysets import EitherSide
from cooperation.representations import MERGED_READS, dumps, plain_condition
from tests.factories import SourceFactory
from tests.resources import RECORD_SPECS, ResourceSpec

CODE = "AT"
# (first side, second side) of the records, in turn: the country on each side, and records without it.
SIDES = [("AT", "DE"), ("DE", "AT"), ("FR", "AT"), ("AT", "PL"), ("DE", "FR"), ("PL", "AT"), ("AT", "FR")]
RECORDS = 14  # each pair of SIDES twice; with page_size 4 a page boundary falls inside each run of ties
SEARCH_WORD = "alpine"
DAYS = [datetime.date(2020, 1, 1), datetime.date(2021, 1, 1), datetime.date(2022, 1, 1)]
# Before every trade figure: a cursor page from the first on.
FIRST_CURSOR = encode_cursor("", ["2000-01-01", 0], backwards=False)


def trade_figure(n: int) -> dict[str, Any]:
    start = DAYS[n % 3]
    return {
        "period_start": start,
        "period_end": start + datetime.timedelta(days=(n % 2) * 180 + 30),
        "value": Decimal([1000, 2000, 2000][n % 3]),
        "notes": SEARCH_WORD if n % 2 else "",
    }


def investment(n: int) -> dict[str, Any]:
    start = [None, *DAYS][n % 4]
    return {
        "period_start": start,
        "period_end": start and start + datetime.timedelta(days=30),
        "amount": [None, Decimal(1000), Decimal(2000)][n % 3],
        "status": ["realized", "planned"][n % 2],
        "description": SEARCH_WORD if n % 3 else "",
    }


def landmark(n: int) -> dict[str, Any]:
    return {
        "name": ["Alpha", "Beta", "Alpha", "Gamma"][n % 4],
        "established_on": [None, *DAYS][n % 4],
        "kind": ["park", "street"][n % 2],
        "description": SEARCH_WORD if n % 2 else "",
    }


def scholarship(n: int) -> dict[str, Any]:
    return {
        "name": ["Alpha", "Beta", "Alpha"][n % 3],
        "annual_grants": [None, 10, 20, 20][n % 4],
        "description": SEARCH_WORD if n % 3 else "",
    }


# Per two-country resource: the varying fields of the n-th record, and another filter with its ORM equivalent.
RESOURCES: dict[str, tuple[Any, dict[str, str], Q]] = {
    "trade-figure": (trade_figure, {"period_after": "2021-01-01"}, Q(period_start__gte=datetime.date(2021, 1, 1))),
    "investment": (investment, {"status": "planned"}, Q(status="planned")),
    "cultural-landmark": (landmark, {"kind": "park"}, Q(kind="park")),
    "scholarship-program": (scholarship, {"annual_grants_min": "15"}, Q(annual_grants__gte=15)),
}
SPECS = [spec for spec in RECORD_SPECS if spec.basename in RESOURCES]


def make_records(spec: ResourceSpec) -> None:
    """RECORDS records of the resource, CODE on the first side, on the second, or on neither."""
    assert spec.model.country_fields is not None
    first, second = spec.model.country_fields
    varying = RESOURCES[spec.basename][0]
    source = SourceFactory()
    for n in range(RECORDS):
        sides = SIDES[n % len(SIDES)]
        spec.factory(source=source, **{f"{first}_id": sides[0], f"{second}_id": sides[1]}, **varying(n))


def orderings(spec: ResourceSpec) -> list[str]:
    """The default ordering ("") and each documented one, both ways."""
    assert spec.resource is not None
    fields = spec.resource.ordering_fields
    return ["", *fields, *(f"-{field}" for field in fields)]


def terms(spec: ResourceSpec, ordering: str) -> list[OrderTerm]:
    if not ordering:
        return default_terms(spec.model)
    return with_primary_key(spec.model, [OrderTerm.of(spec.model, ordering.removeprefix("-"), ordering[0] == "-")])


def expected_rows(spec: ResourceSpec, ordering: str, where: Q) -> Any:
    """The plain OR query, filtered by `where` and ordered as the list orders: what every page must add up to."""
    assert spec.model.country_fields is not None
    first, second = spec.model.country_fields
    either = Q(**{first: CODE}) | Q(**{second: CODE})
    return spec.model._default_manager.filter(either, where).order_by(
        *(term.expression() for term in terms(spec, ordering))
    )


def expected_ids(spec: ResourceSpec, ordering: str, where: Q) -> list[int]:
    return list(expected_rows(spec, ordering, where).values_list("pk", flat=True))


FILTERS = ["none", "other", "search", "pair"]


def filters(spec: ResourceSpec, name: str) -> tuple[dict[str, str], Q]:
    """A combination with `country=`: none, the resource's other filter, a search word, or a pair."""
    if name == "other":
        return RESOURCES[spec.basename][1], RESOURCES[spec.basename][2]
    if name == "search":
        return {"search": SEARCH_WORD}, Q(search_text__contains=SEARCH_WORD)
    if name == "pair":
        return {"pair": f"FR,{CODE}"}, Q(pair_key=f"{CODE},FR")
    return {}, Q()


def cases() -> list[Any]:
    return [
        pytest.param(spec, ordering, name, id=f"{spec.basename}-{ordering or 'default'}-{name}")
        for spec in SPECS
        for ordering in orderings(spec)
        for name in FILTERS
    ]


def page_numbers(api_client: Any, spec: ResourceSpec, query: dict[str, str]) -> list[int]:
    """The ids of every page, page after page."""
    ids: list[int] = []
    page = 1
    while True:
        body = api_client.get(reverse(f"{spec.basename}-list"), {**query, "page": page, "page_size": 4}).json()
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return ids
        page += 1


def cursor_walk(api_client: Any, url: str, query: dict[str, Any], direction: str) -> tuple[list[int], Any]:
    """The ids of the cursor pages from `url` with `query` on, following `direction` links; and the last page."""
    ids: list[int] = []
    while True:
        body = api_client.get(url, query).json()
        assert body["count"] is None
        page = [row["id"] for row in body["results"]]
        ids = ids + page if direction == "next" else page + ids
        if body[direction] is None:
            return ids, body
        url, query = body[direction], {}


@pytest.mark.django_db
def test_the_records_put_the_country_on_both_sides() -> None:
    """Else the merge of the two sides would go untried."""
    for spec in SPECS:
        make_records(spec)
        assert spec.model.country_fields is not None
        first, second = spec.model.country_fields
        rows = spec.model._default_manager.filter(source__title__startswith="Test source")
        assert rows.filter(**{first: CODE}).exists()
        assert rows.filter(**{second: CODE}).exists()
        assert rows.exclude(**{first: CODE}).exclude(**{second: CODE}).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "ordering", "combined"), cases())
def test_pages_are_the_or_querys_rows_in_order(api_client, spec, ordering, combined):
    make_records(spec)
    query, where = filters(spec, combined)
    query = {"country": CODE, **query, **({"ordering": ordering} if ordering else {})}
    expected = expected_ids(spec, ordering, where)

    ids = page_numbers(api_client, spec, query)

    assert expected, "the combination selects no record: nothing would be compared"
    assert ids == expected
    assert len(set(ids)) == len(ids)


@pytest.mark.django_db
@pytest.mark.parametrize(("spec", "ordering", "combined"), cases())
def test_a_cursor_walks_the_or_querys_rows_both_ways(api_client, spec, ordering, combined):
    """From the first row to the last by `next` links, then back to the first by `previous` links."""
    make_records(spec)
    query, where = filters(spec, combined)
    query = {"country": CODE, **query, **({"ordering": ordering} if ordering else {})}
    expected = expected_ids(spec, ordering, where)
    url = reverse(f"{spec.basename}-list")
    first = api_client.get(url, {**query, "page_size": 1}).json()["results"][0]
    cursor = encode_cursor(ordering, [first[term.field] for term in terms(spec, ordering)], backwards=False)

    forwards, last = cursor_walk(api_client, url, {**query, "page_size": 3, "cursor": cursor}, "next")
    backwards, _ = cursor_walk(api_client, last["previous"], {}, "previous")

    assert [first["id"], *forwards] == expected
    assert backwards + [row["id"] for row in last["results"]] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=[spec.basename for spec in SPECS])
def test_rows_read_as_the_or_querys_rows_read(api_client, spec):
    """Every value of every row, converted as a single query's are (decimals, dates, timestamps, keys)."""
    make_records(spec)
    assert spec.resource is not None
    for ordering in orderings(spec):
        query = {"country": CODE, "page_size": 1000, **({"ordering": ordering} if ordering else {})}
        expected = orjson.loads(dumps(spec.resource.shape.read(expected_rows(spec, ordering, Q()))))

        response = api_client.get(reverse(f"{spec.basename}-list"), query)

        assert response.status_code == HTTPStatus.OK
        assert response.json()["results"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=[spec.basename for spec in SPECS])
def test_csv_export_is_the_or_querys_rows_in_order(api_client, spec):
    """The export reads its chunks through the same merged read."""
    make_records(spec)
    ordering = orderings(spec)[-1]

    response = api_client.get(
        reverse(f"{spec.basename}-list"), {"country": CODE, "ordering": ordering, "format": "csv"}
    )

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == expected_ids(spec, ordering, Q())


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=[spec.basename for spec in SPECS])
def test_as_of_now_holds_the_live_rows(api_client, spec):
    """As-of reads the history tables through the same merged read; now, they hold what the live tables do."""
    make_records(spec)
    moment = timezone.now().isoformat()
    ordering = orderings(spec)[-1]

    response = api_client.get(
        reverse(f"{spec.basename}-list"), {"country": CODE, "ordering": ordering, "as_of": moment, "page_size": 5}
    )

    assert response.status_code == HTTPStatus.OK, response.json()
    assert [row["id"] for row in response.json()["results"]] == expected_ids(spec, ordering, Q())[:5]


@pytest.mark.django_db
def test_a_merged_read_is_compiled_once_for_its_form(api_client):
    """Later pages of the same form read the compound SQL kept from the first, which is what Django compiles.

    (`RowShape.read_merged()`: a cursor page of `country=` splits into four ranges; compiling their
    compound cost a page more than its query.)
    """
    spec = next(spec for spec in SPECS if spec.basename == "trade-figure")
    make_records(spec)
    MERGED_READS.clear()
    first = api_client.get(reverse("trade-figure-list"), {"country": CODE, "page_size": 2, "cursor": FIRST_CURSOR})
    kept = dict(MERGED_READS)
    following = first.json()["next"]

    with CaptureQueriesContext(connection) as from_kept:
        second = api_client.get(following)
    MERGED_READS.clear()
    with CaptureQueriesContext(connection) as compiled:
        again = api_client.get(following)

    assert len(kept) == 1, "the first page kept its compound"
    assert set(MERGED_READS) == set(kept), "the second page is of the same form"
    [kept_sql] = [sql for sql, _ in kept.values()]
    # Two sides, each with the cursor's ties and what lies beyond (PostgreSQL: one row-value range).
    ranges = 2 if connection.features.supports_tuple_lookups else 4
    assert kept_sql.count("UNION ALL") == ranges - 1, kept_sql
    assert from_kept.captured_queries[-1]["sql"] == compiled.captured_queries[-1]["sql"]
    assert second.content == again.content
    assert len(second.json()["results"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=[spec.basename for spec in SPECS])
def test_a_plain_part_has_the_parameters_django_compiles_for_it(spec):
    """Every part of a cursor after each record, in every ordering (on PostgreSQL as a row value too), and
    of `country=`: described without compiling it (`plain_condition()`), its parameters are those of
    Django's compile, in the same order."""
    make_records(spec)
    first, second = spec.model.country_fields
    queryset = spec.model._default_manager.all()
    compiler = queryset.query.get_compiler(connection.alias)
    conditions = [EitherSide(first, second, CODE)]
    for ordering in orderings(spec):
        ordered = terms(spec, ordering)
        for record in queryset:
            values = [getattr(record, term.field) for term in ordered]
            conditions.append(KeysetAfter(ordered, values))
            one_way = len({term.descending for term in ordered}) == 1
            if connection.features.supports_tuple_lookups and one_way and None not in values:
                conditions.append(KeysetAfter(ordered, values, row_value=True))  # PostgreSQL's `(a, b) > (x, y)`
    described = 0
    for condition in conditions:
        for part in condition.parts():
            plain = plain_condition(part, spec.model, connection)
            if plain is None:  # `pk__in=[]`, a part that matches nothing
                continue
            _, params = compiler.compile(queryset.query.build_where(part))
            assert plain[1] == list(params), part
            described += 1
    assert described > len(conditions)


@pytest.mark.django_db
def test_a_part_with_a_null_has_another_shape():
    """`period_start = x` and `period_start IS NULL` are different SQL: they must not share a compound."""
    model = next(spec.model for spec in SPECS if spec.basename == "investment")

    def shape(condition):
        plain = plain_condition(condition, model, connection)
        assert plain is not None, condition
        return plain[0]

    assert shape(Q(period_start=datetime.date(2020, 1, 1))) != shape(Q(period_start=None))
    assert shape(Q(period_start__isnull=True)) != shape(Q(period_start__isnull=False))
    assert shape(Q(period_start__gt=datetime.date(2020, 1, 1))) != shape(Q(period_start__lt=datetime.date(2020, 1, 1)))
    assert shape(~Q(investor="DE")) != shape(Q(investor="DE"))
    # Not plain: an expression for a value, a join.
    assert plain_condition(Q(period_start__gt=F("period_end")), model, connection) is None
    assert plain_condition(Q(source__title="x"), model, connection) is None


@pytest.mark.django_db
def test_a_later_cursor_page_resolves_no_part(api_client, monkeypatch):
    """The second page of a form reads its kept compound without resolving a part's names to columns."""
    spec = next(spec for spec in SPECS if spec.basename == "trade-figure")
    make_records(spec)
    MERGED_READS.clear()
    first = api_client.get(reverse("trade-figure-list"), {"country": CODE, "page_size": 2, "cursor": FIRST_CURSOR})
    resolved = []
    build_where = Query.build_where
    monkeypatch.setattr(Query, "build_where", lambda query, q: resolved.append(q) or build_where(query, q))

    second = api_client.get(first.json()["next"])

    assert second.status_code == HTTPStatus.OK
    assert len(second.json()["results"]) == 2
    assert resolved == []
