"""As-of reads: `?as_of=` answers as the data stood at a moment, from the audit history, in lists and details."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperation import as_of, models
from cooperation.registry import RECORD_RESOURCES
from tests.factories import QUOTE, SourceFactory
from tests.helpers import assert_error_shape, detail_url, error_fields, make_user, token_client

TRADE = reverse("trade-figure-list")
TICK = datetime.timedelta(microseconds=1)


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def trade_body(source: int, **changes: Any) -> dict[str, Any]:
    return {
        "reporter": "KZ",
        "partner": "HU",
        "flow": "export",
        "period_start": "2021-01-01",
        "period_end": "2021-12-31",
        "value": "500.00",
        "currency": "USD",
        "qualifier": "exact",
        "change_pct": None,
        "notes": "First reading.",
        "source": source,
        "source_quote": QUOTE,
        **changes,
    }


@pytest.fixture
def editor_client(db):
    return token_client(make_user("as-of-editor", editor=True))


@pytest.fixture
def source(db):
    return SourceFactory()


def versions(model: type[Any], pk: int) -> list[Any]:
    return list(model.history.filter(id=pk).order_by("history_date", "history_id"))


@dataclass
class Lifecycle:
    """A trade figure created, corrected, then deleted through the API, and the moments of its versions."""

    pk: int
    created: datetime.datetime
    corrected: datetime.datetime
    deleted: datetime.datetime


@pytest.fixture
def lifecycle(editor_client, source) -> Lifecycle:
    pk = editor_client.post(TRADE, trade_body(source.pk), format="json").json()["id"]
    editor_client.patch(detail_url("trade-figure", pk), {"value": "750.00", "notes": "Corrected."}, format="json")
    editor_client.delete(detail_url("trade-figure", pk))
    created, corrected, deleted = (version.history_date for version in versions(models.TradeFigure, pk))
    return Lifecycle(pk, created, corrected, deleted)


def detail_as_of(client: Any, basename: str, pk: int, moment: datetime.datetime, **headers: Any) -> Any:
    return client.get(detail_url(basename, pk), {"as_of": iso(moment)}, **headers)


def list_as_of(client: Any, url: str, moment: datetime.datetime, **params: Any) -> list[dict[str, Any]]:
    response = client.get(url, {"as_of": iso(moment), "page_size": 1000, **params})
    assert response.status_code == HTTPStatus.OK, response.content[:300]
    results: list[dict[str, Any]] = response.json()["results"]
    return results


# --- Create, correct, delete ----------------------------------------------------------------------------------


def test_detail_at_each_moment_shows_the_record_as_it_was(api_client, lifecycle):
    moments = {
        "before it was created": (lifecycle.created - TICK, None),
        "as created": (lifecycle.created, "500.00"),
        "just before the correction": (lifecycle.corrected - TICK, "500.00"),
        "as corrected": (lifecycle.corrected, "750.00"),
        "just before the deletion": (lifecycle.deleted - TICK, "750.00"),
        "after the deletion": (lifecycle.deleted, None),
    }
    for name, (moment, value) in moments.items():
        response = detail_as_of(api_client, "trade-figure", lifecycle.pk, moment)
        if value is None:
            body = assert_error_shape(response, HTTPStatus.NOT_FOUND)
            assert f"had the id {lifecycle.pk} at" in body["detail"], name
        else:
            assert response.status_code == HTTPStatus.OK, name
            assert response.json()["value"] == value, name


def test_list_at_each_moment_holds_the_record_as_it_was(api_client, lifecycle):
    moments = [
        (lifecycle.created - TICK, None),
        (lifecycle.created, ("500.00", "First reading.")),
        (lifecycle.corrected, ("750.00", "Corrected.")),
        (lifecycle.deleted - TICK, ("750.00", "Corrected.")),
        (lifecycle.deleted, None),
    ]
    for moment, expected in moments:
        found = [
            (row["value"], row["notes"]) for row in list_as_of(api_client, TRADE, moment) if row["id"] == lifecycle.pk
        ]
        assert found == ([expected] if expected else []), moment


def test_as_of_representation_is_the_live_one_of_that_version(api_client, editor_client, source):
    """Same fields, same values, same ETag: an as-of read of the current version is the live read."""
    pk = editor_client.post(TRADE, trade_body(source.pk), format="json").json()["id"]
    live = api_client.get(detail_url("trade-figure", pk))

    past = detail_as_of(api_client, "trade-figure", pk, timezone.now())

    assert past.json() == live.json()
    assert past["ETag"] == live["ETag"]


def test_the_article_records_read_as_of_now_equal_the_live_list(api_client, db):
    for resource in RECORD_RESOURCES:
        url = reverse(f"{resource.basename}-list")
        assert list_as_of(api_client, url, timezone.now()) == api_client.get(url).json()["results"], resource.key


def test_the_same_moment_in_another_offset_gives_the_same_answer(api_client, lifecycle):
    plus_five = lifecycle.corrected.astimezone(datetime.timezone(datetime.timedelta(hours=5)))

    response = api_client.get(detail_url("trade-figure", lifecycle.pk), {"as_of": plus_five.isoformat()})

    assert response.json()["value"] == "750.00"


def test_versions_written_in_the_same_tick_resolve_to_the_later_one(api_client, lifecycle):
    created, corrected, _deleted = versions(models.TradeFigure, lifecycle.pk)
    models.TradeFigure.history.filter(history_id=corrected.history_id).update(history_date=created.history_date)

    assert detail_as_of(api_client, "trade-figure", lifecycle.pk, created.history_date).json()["value"] == "750.00"


# --- Filters, search and ordering apply to the state at the moment --------------------------------------------


def test_filters_apply_to_the_values_at_the_moment(api_client, lifecycle):
    before, after = lifecycle.corrected - TICK, lifecycle.corrected

    def ids(moment: datetime.datetime, **params: Any) -> list[int]:
        return [row["id"] for row in list_as_of(api_client, TRADE, moment, **params)]

    assert lifecycle.pk in ids(before, value_max="600")
    assert lifecycle.pk not in ids(after, value_max="600")
    assert lifecycle.pk in ids(after, value_min="700", pair="hu,kz", year=2021, search="Corrected")
    assert lifecycle.pk not in ids(before, search="Corrected")


def test_country_and_pair_filters_follow_a_corrected_partner(api_client, editor_client, source):
    pk = editor_client.post(TRADE, trade_body(source.pk), format="json").json()["id"]
    editor_client.patch(detail_url("trade-figure", pk), {"partner": "DE"}, format="json")
    _created, corrected = versions(models.TradeFigure, pk)
    before = corrected.history_date - TICK

    for params in [{"pair": "KZ,HU"}, {"partner": "HU"}, {"country": "HU"}]:
        assert pk in [row["id"] for row in list_as_of(api_client, TRADE, before, **params)], params
        assert pk not in [row["id"] for row in list_as_of(api_client, TRADE, timezone.now(), **params)], params


def test_ordering_follows_the_values_at_the_moment(api_client, editor_client, source):
    first = editor_client.post(TRADE, trade_body(source.pk, value="100.00"), format="json").json()["id"]
    second = editor_client.post(TRADE, trade_body(source.pk, value="500.00"), format="json").json()["id"]
    editor_client.patch(detail_url("trade-figure", first), {"value": "900.00"}, format="json")
    before = versions(models.TradeFigure, first)[-1].history_date - TICK

    def order(moment: datetime.datetime) -> list[int]:
        return [row["id"] for row in list_as_of(api_client, TRADE, moment, source=source.pk, ordering="-value")]

    assert order(before) == [second, first]
    assert order(timezone.now()) == [first, second]


def test_page_links_keep_the_moment(api_client, lifecycle, source):
    moment = iso(lifecycle.corrected)
    models.TradeFigure.history.filter(id=lifecycle.pk).update(source_id=source.pk)

    first = api_client.get(TRADE, {"as_of": moment, "page_size": 1}).json()
    second = api_client.get(first["next"]).json()

    assert first["count"] == 3  # the article's two figures and the corrected one
    assert "as_of=" in first["next"]
    assert [row["id"] for row in second["results"]] != [row["id"] for row in first["results"]]


# --- Many-to-many values are those of the version ------------------------------------------------------------


def test_investment_sectors_as_of_a_moment_are_the_sectors_it_had(api_client, editor_client, source):
    body = {
        "investor": "HU",
        "recipient": "KZ",
        "amount": "100.00",
        "currency": "USD",
        "qualifier": "exact",
        "status": "realized",
        "sectors": ["energy"],
        "period_start": None,
        "period_end": None,
        "description": "",
        "source": source.pk,
        "source_quote": QUOTE,
    }
    pk = editor_client.post(reverse("investment-list"), body, format="json").json()["id"]
    editor_client.patch(detail_url("investment", pk), {"sectors": ["mining", "logistics"]}, format="json")
    before = versions(models.Investment, pk)[-1].history_date - TICK
    url = reverse("investment-list")

    assert detail_as_of(api_client, "investment", pk, before).json()["sectors"] == ["energy"]
    assert detail_as_of(api_client, "investment", pk, timezone.now()).json()["sectors"] == ["logistics", "mining"]
    assert [row["id"] for row in list_as_of(api_client, url, before, sector="ENERGY")] == [pk]
    assert [row["id"] for row in list_as_of(api_client, url, before, sector="mining")] == []
    assert [row["id"] for row in list_as_of(api_client, url, timezone.now(), sector="mining")] == [pk]


def test_initiative_countries_as_of_a_moment_are_the_countries_it_had(api_client, editor_client, source):
    body = {
        "name": "Joint festival",
        "kind": "festival",
        "countries": ["DE", "FR"],
        "established_on": None,
        "description": "",
        "source": source.pk,
        "source_quote": QUOTE,
    }
    pk = editor_client.post(reverse("cultural-initiative-list"), body, format="json").json()["id"]
    editor_client.patch(detail_url("cultural-initiative", pk), {"countries": ["DE", "PL"]}, format="json")
    before = versions(models.CulturalInitiative, pk)[-1].history_date - TICK
    url = reverse("cultural-initiative-list")

    assert detail_as_of(api_client, "cultural-initiative", pk, before).json()["countries"] == ["DE", "FR"]
    assert [row["id"] for row in list_as_of(api_client, url, before, country="fr")] == [pk]
    assert [row["id"] for row in list_as_of(api_client, url, before, pair="FR,DE")] == [pk]
    assert [row["id"] for row in list_as_of(api_client, url, timezone.now(), country="fr")] == []
    assert [row["id"] for row in list_as_of(api_client, url, timezone.now(), pair="PL,DE")] == [pk]


def test_sources_read_as_of_a_moment(api_client, editor_client, source):
    editor_client.patch(detail_url("source", source.pk), {"title": "Retitled"}, format="json")
    before = versions(models.Source, source.pk)[-1].history_date - TICK

    assert detail_as_of(api_client, "source", source.pk, before).json()["title"] == source.title
    assert [row["title"] for row in list_as_of(api_client, reverse("source-list"), before, search="Retitled")] == []


# --- Conditional requests and CSV ----------------------------------------------------------------------------


def test_the_live_etag_does_not_answer_304_for_an_older_version(api_client, editor_client, source):
    """Regression: the detail's If-None-Match shortcut compared the live row's tag before as_of was read."""
    pk = editor_client.post(TRADE, trade_body(source.pk), format="json").json()["id"]
    editor_client.patch(detail_url("trade-figure", pk), {"value": "750.00"}, format="json")
    live_etag = api_client.get(detail_url("trade-figure", pk))["ETag"]
    before = versions(models.TradeFigure, pk)[-1].history_date - TICK

    stale = detail_as_of(api_client, "trade-figure", pk, before, HTTP_IF_NONE_MATCH=live_etag)
    again = detail_as_of(api_client, "trade-figure", pk, before, HTTP_IF_NONE_MATCH=stale["ETag"])

    assert stale.status_code == HTTPStatus.OK
    assert stale.json()["value"] == "500.00"
    assert stale["ETag"] != live_etag
    assert again.status_code == HTTPStatus.NOT_MODIFIED


def test_csv_as_of_a_moment_exports_the_state_of_that_moment(api_client, lifecycle):
    response = api_client.get(TRADE, {"as_of": iso(lifecycle.corrected - TICK), "format": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    assert [row["value"] for row in rows if row["id"] == str(lifecycle.pk)] == ["500.00"]
    stamp = f"{lifecycle.corrected - TICK:%Y%m%dT%H%M%S}Z"
    assert response["Content-Disposition"] == f'attachment; filename="trade-figures-as-of-{stamp}.csv"'


def test_as_of_list_reads_one_page_in_two_queries(api_client, lifecycle, django_assert_num_queries):
    with django_assert_num_queries(2):  # the count and the page, many-to-many keys included
        api_client.get(reverse("investment-list"), {"as_of": iso(lifecycle.deleted)})


# --- Bad moments ---------------------------------------------------------------------------------------------

BAD_MOMENTS = [
    "yesterday",
    "2024-01-01",  # a date: which moment of it, in which zone?
    "2024-01-01T12:00:00",  # no offset
    "2024-01-01T12:00:00 01:00",  # an unencoded + arrives as a space
    "2024-13-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    "3000-01-01T00:00:00Z",  # the future
    "٢٠٢٤-01-01T00:00:00Z",
    "",
    "2024-01-01T00:00:00Z" * 10,
    "1e400",
]


@pytest.mark.parametrize("raw", BAD_MOMENTS)
@pytest.mark.parametrize("url", [TRADE, detail_url("trade-figure", 1)], ids=["list", "detail"])
def test_a_bad_moment_is_a_400_naming_as_of(api_client, db, url, raw):
    body = assert_error_shape(api_client.get(url, {"as_of": raw}), HTTPStatus.BAD_REQUEST)

    assert error_fields(body) == {"as_of"}
    assert body["detail"].startswith("as_of: ")


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("2024-01-01T12:00:00", "Give a UTC offset"),
        ("2024-01-01T12:00:00 01:00", "%2B"),
        ("3000-01-01T00:00:00Z", "in the future"),
    ],
)
def test_the_message_says_what_to_change(api_client, db, raw, hint):
    assert hint in api_client.get(TRADE, {"as_of": raw}).json()["detail"]


def test_a_bad_moment_with_csv_is_a_json_400(api_client, db):
    response = api_client.get(TRADE, {"as_of": "yesterday"}, HTTP_ACCEPT="text/csv")

    assert error_fields(assert_error_shape(response, HTTPStatus.BAD_REQUEST)) == {"as_of"}


@pytest.mark.parametrize("url", [reverse("country-list"), reverse("country-detail", args=["KZ"])])
def test_countries_have_no_history_so_as_of_is_a_400(api_client, db, url):
    body = assert_error_shape(api_client.get(url, {"as_of": "2024-01-01T00:00:00Z"}), HTTPStatus.BAD_REQUEST)

    assert "without history" in body["detail"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-31T12:00:00Z", datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.UTC)),
        ("2024-01-31T13:30:00+01:30", datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.UTC)),
        ("2024-01-31 12:00:00.5+00:00", datetime.datetime(2024, 1, 31, 12, 0, 0, 500000, tzinfo=datetime.UTC)),
        ("20240131T120000Z", datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.UTC)),
    ],
)
def test_iso_8601_forms_with_an_offset_are_read_in_utc(raw, expected):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    assert as_of.parse_moment(raw, now) == expected
