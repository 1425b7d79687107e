"""CSV on every list: the whole filtered, ordered list, streamed, with the JSON field names and values."""

from __future__ import annotations

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation import csv_export, models
from cooperation.urls import router
from tests.factories import (
    CulturalInitiativeFactory,
    InvestmentFactory,
    SourceFactory,
    TradeFigureFactory,
)
from tests.helpers import assert_error_shape, error_fields

LIST_URLS = [reverse(f"{basename}-list") for _prefix, _viewset, basename in router.registry]
TRADE = reverse("trade-figure-list")


def body_of(response: Any) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def read_csv(response: Any) -> list[dict[str, str]]:
    """The rows as Python's csv module reads them, keyed by the header row."""
    return list(csv.DictReader(io.StringIO(body_of(response), newline="")))


def json_rows(client: Any, url: str, **params: Any) -> list[dict[str, Any]]:
    return client.get(url, {**params, "page_size": 1000}).json()["results"]


def as_cell(value: Any) -> str:
    """What the CSV cell of a JSON value is: text as it is, null empty, lists joined by ;."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- Negotiation and headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", LIST_URLS)
def test_format_csv_answers_every_list_in_csv_with_the_json_values(api_client, db, url):
    """Every list, every row and every cell: the JSON values as text, in the JSON field order."""
    response = api_client.get(url, {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    expected = json_rows(api_client, url)
    rows = read_csv(response)
    assert expected, "the fixtures give every list some rows"
    assert [list(row) for row in rows] == [list(item) for item in expected]
    assert rows == [{name: as_cell(value) for name, value in item.items()} for item in expected]


def test_accept_text_csv_answers_csv(api_client, db):
    response = api_client.get(TRADE, HTTP_ACCEPT="text/csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [row["id"] for row in read_csv(response)] == ["2", "1"]


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/json, text/csv"])
def test_json_stays_the_default_and_wins_when_listed_first(api_client, db, accept):
    response = api_client.get(TRADE, HTTP_ACCEPT=accept)

    assert response["Content-Type"] == "application/json"
    assert response.json()["count"] == 2


def test_csv_varies_on_accept_so_that_caches_keep_both(api_client, db):
    response = api_client.get(TRADE, HTTP_ACCEPT="text/csv")

    assert "Accept" in response["Vary"]


def test_content_disposition_names_the_resource_and_the_moment(api_client, db):
    response = api_client.get(reverse("cultural-landmark-list"), {"format": "csv"})

    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="cultural-landmarks-')
    stamp = disposition.removeprefix('attachment; filename="cultural-landmarks-').removesuffix('.csv"')
    assert datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")


def test_header_row_holds_the_json_field_names_also_when_no_row_matches(api_client, db):
    response = api_client.get(TRADE, {"format": "csv", "year": 1999})

    lines = body_of(response).split("\r\n")
    assert lines[0].split(",") == list(json_rows(api_client, TRADE)[0])
    assert lines[1:] == [""]


def test_head_answers_the_headers_without_a_body(api_client, db):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.head(TRADE, {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b""
    assert not any("cooperation_tradefigure" in query["sql"] for query in queries.captured_queries)


# --- Same filters, same ordering, same errors ---------------------------------------------------------------


@pytest.fixture
def other_records(db):
    """Records of another pair and another source, which the filters below leave out."""
    source = SourceFactory(title="Other source")
    year_2023 = {"period_start": datetime.date(2023, 1, 1), "period_end": datetime.date(2023, 12, 31)}
    TradeFigureFactory(source=source, reporter_id="DE", partner_id="FR", **year_2023)
    InvestmentFactory(source=source, investor_id="DE", recipient_id="FR")
    CulturalInitiativeFactory(source=source)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (TRADE, {"reporter": "kz", "ordering": "-value"}),
        (TRADE, {"year": 2023}),
        (TRADE, {"value_min": "150000000"}),
        (reverse("investment-list"), {"pair": "HU,KZ", "ordering": "-amount"}),
        (reverse("cultural-landmark-list"), {"search": "Petőfi"}),
        (reverse("cultural-initiative-list"), {"country": "HU", "ordering": "-name"}),
        (reverse("country-list"), {"has_records": "true", "ordering": "-code"}),
        (reverse("source-list"), {"search": "Kazakhstan"}),
    ],
)
def test_filters_search_and_ordering_select_the_same_rows_in_the_same_order(api_client, other_records, url, params):
    expected = [str(item.get("id", item.get("code"))) for item in json_rows(api_client, url, **params)]

    rows = read_csv(api_client.get(url, {**params, "format": "csv"}))

    assert [row.get("id", row.get("code")) for row in rows] == expected
    assert len(expected) < len(json_rows(api_client, url)), "the filter must leave some rows out"


def test_petofi_survives_the_round_trip_through_the_csv_module(api_client, db):
    rows = read_csv(api_client.get(reverse("cultural-landmark-list"), {"format": "csv", "search": "Petőfi"}))

    assert [row["name"] for row in rows] == ["Sándor Petőfi Street"]
    assert rows[0]["honours"] == "Sándor Petőfi, the Hungarian poet"


@pytest.mark.parametrize("accept", [{"format": "csv"}, {"HTTP_ACCEPT": "text/csv"}], ids=["format", "accept"])
@pytest.mark.parametrize(
    ("params", "field"),
    [({"year": "20x4"}, "year"), ({"reporter": "QQ"}, "reporter"), ({"ordering": "notes"}, "ordering")],
)
def test_bad_filters_are_json_errors_even_when_csv_was_asked_for(api_client, db, accept, params, field):
    query = {**params, **({"format": "csv"} if "format" in accept else {})}
    headers = {key: value for key, value in accept.items() if key.startswith("HTTP_")}

    response = api_client.get(TRADE, query, **headers)

    assert field in error_fields(assert_error_shape(response, HTTPStatus.BAD_REQUEST))


@pytest.mark.parametrize("parameter", ["page", "page_size", "cursor"])
def test_paging_parameters_are_refused_since_csv_holds_the_whole_list(api_client, db, parameter):
    response = api_client.get(TRADE, {"format": "csv", parameter: "2"})

    assert error_fields(assert_error_shape(response, HTTPStatus.BAD_REQUEST)) == {parameter}


@pytest.mark.parametrize("value", ["xml", "CSV", "api2", "csv,json"])
def test_unknown_format_is_a_400_naming_format(api_client, db, value):
    response = api_client.get(TRADE, {"format": value})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert error_fields(body) == {"format"}
    assert "csv" in body["detail"]


def test_a_detail_is_not_offered_in_csv(api_client, db):
    by_format = api_client.get(reverse("trade-figure-detail", args=[1]), {"format": "csv"})
    by_accept = api_client.get(reverse("trade-figure-detail", args=[1]), HTTP_ACCEPT="text/csv")

    assert error_fields(assert_error_shape(by_format, HTTPStatus.BAD_REQUEST)) == {"format"}
    assert_error_shape(by_accept, HTTPStatus.NOT_ACCEPTABLE)


# --- Cells ----------------------------------------------------------------------------------------------------

HOSTILE_TEXT = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tindent", "\rreturn"]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_text_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(api_client, db, text):
    TradeFigureFactory(notes=text, period_start=datetime.date(1990, 1, 1), period_end=datetime.date(1990, 12, 31))

    rows = read_csv(api_client.get(TRADE, {"format": "csv", "year": 1990}))

    assert [row["notes"] for row in rows] == ["'" + text]


def test_negative_numbers_stay_numbers_while_negative_looking_text_is_neutralised(api_client, db):
    """change_pct is a decimal column: -3.50 must stay a number; the same characters in a text field are text."""
    TradeFigureFactory(
        change_pct=Decimal("-3.5"),
        notes="-3.5",
        period_start=datetime.date(1990, 1, 1),
        period_end=datetime.date(1990, 12, 31),
    )

    [row] = read_csv(api_client.get(TRADE, {"format": "csv", "year": 1990}))

    assert row["change_pct"] == "-3.50"
    assert row["notes"] == "'-3.5"


def test_decimals_are_exact_as_in_json(api_client, db):
    figure = TradeFigureFactory(value=Decimal("9999999999999.99"), change_pct=Decimal("0.10"))
    figure.refresh_from_db()

    [row] = read_csv(api_client.get(TRADE, {"format": "csv", "value_min": "9999999999999.99"}))

    assert (row["value"], row["change_pct"]) == ("9999999999999.99", "0.10")


def test_many_to_many_keys_share_one_cell_and_quotes_and_newlines_survive(api_client, db):
    InvestmentFactory(sectors=["mining", "energy", "agriculture"], description='A "big"\nproject, in two lines')

    [row] = read_csv(api_client.get(reverse("investment-list"), {"format": "csv", "sector": "mining"}))

    assert row["sectors"] == "agriculture;energy;mining"
    assert row["description"] == 'A "big"\nproject, in two lines'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (0, "0"),
        (-7, "-7"),
        (Decimal("-3.50"), "-3.50"),
        (Decimal("1E+3"), "1000"),
        (datetime.date(2024, 1, 31), "2024-01-31"),
        (datetime.datetime(2024, 1, 31, 8, 0, tzinfo=datetime.UTC), "2024-01-31T08:00:00Z"),
        (["HU", "KZ"], "HU;KZ"),
        (["-x"], "'-x"),
        ("plain", "plain"),
        (" =not at the start", " =not at the start"),
    ],
)
def test_cell_writes_each_type_as_json_shows_it(value, cell):
    assert csv_export.cell(value) == cell


# --- Streaming ------------------------------------------------------------------------------------------------


def test_response_is_streamed_and_its_rows_are_read_only_while_it_is_sent(api_client, db):
    with CaptureQueriesContext(connection) as answering:
        response = api_client.get(TRADE, {"format": "csv"})
    with CaptureQueriesContext(connection) as sending:
        body = body_of(response)

    assert response.streaming
    assert not any("cooperation_tradefigure" in query["sql"] for query in answering.captured_queries)
    assert any("cooperation_tradefigure" in query["sql"] for query in sending.captured_queries)
    assert body.count("\r\n") == 3


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(csv_export, "EXPORT_CHUNK_ROWS", 2)


@pytest.mark.parametrize("ordering", [None, "amount", "-amount", "period_start", "-period_start,amount"])
def test_chunks_follow_each_other_without_gap_or_overlap_through_ties_and_nulls(api_client, db, small_chunks, ordering):
    source = SourceFactory()
    for amount in [None, "5.00", "5.00", None, "1.00", "5.00", None]:
        InvestmentFactory(source=source, amount=amount and Decimal(amount), period_start=None, period_end=None)
    InvestmentFactory.create_batch(3, source=source, amount=Decimal("5.00"))
    params = {"source": source.pk, **({"ordering": ordering} if ordering else {})}
    expected = [str(item["id"]) for item in json_rows(api_client, reverse("investment-list"), **params)]

    response = api_client.get(reverse("investment-list"), {**params, "format": "csv"})
    blocks = list(response.streaming_content)

    assert len(blocks) == 1 + 5  # the header, then 10 rows in chunks of 2
    rows = list(csv.DictReader(io.StringIO(b"".join(blocks).decode(), newline="")))
    assert [row["id"] for row in rows] == expected
    assert len(expected) == 10


def test_memory_stays_flat_on_a_large_export(api_client, db):
    """20,000 rows, 12 MB of CSV: the export holds one chunk of rows at a time, a few MB whatever the total."""
    source = SourceFactory(text=f"{'Long words. ' * 40}The end.")
    quote = "Long words. " * 40
    models.TradeFigure.objects.bulk_create(
        models.TradeFigure(
            reporter_id="KZ",
            partner_id="HU",
            flow="export",
            period_start=datetime.date(1900 + index % 100, 1, 1),
            period_end=datetime.date(1900 + index % 100, 12, 31),
            value=Decimal(index),
            currency="USD",
            source=source,
            source_quote=quote,
            notes=f"Row {index}",
        )
        for index in range(20_000)
    )
    response = api_client.get(TRADE, {"format": "csv", "source": source.pk})

    size = lines = 0
    tracemalloc.start()
    try:
        for block in response.streaming_content:
            size += len(block)
            lines += block.count(b"\r\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert lines == 20_001
    assert size > 10_000_000
    assert peak < size / 3, f"peak {peak:,} bytes for {size:,} bytes of CSV"


def test_a_method_the_list_does_not_serve_is_a_405_whatever_format_it_asks_for(api_client, db):
    response = api_client.generic("TRACE", f"{TRADE}?format=csv")

    assert_error_shape(response, HTTPStatus.METHOD_NOT_ALLOWED)
