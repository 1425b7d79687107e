"""Writes by an editor: create, replace, change and delete every record resource and sources.

Every invariant of the models is a 400 naming the field, and a refused write
leaves the table (and its history) exactly as it was.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from cooperation import models
from tests.factories import QUOTE, SourceFactory, TradeFigureFactory
from tests.helpers import FACTORIES, assert_error_shape, detail_url, error_fields, make_user, token_client

MODELS = {
    "trade-figure": models.TradeFigure,
    "investment": models.Investment,
    "cultural-landmark": models.CulturalLandmark,
    "scholarship-program": models.ScholarshipProgram,
    "cultural-initiative": models.CulturalInitiative,
    "source": models.Source,
}
RECORDS = [name for name in MODELS if name != "source"]

# Other sentences of the factory source's text.
TRADE_GREW = "Trade grew."
STUDENTS = "Students travelled."


def create_body(basename: str, source: int) -> dict[str, Any]:
    """A valid create body, in the canonical form the API answers with."""
    return {
        "trade-figure": {
            "reporter": "KZ",
            "partner": "HU",
            "flow": "export",
            "period_start": "2021-01-01",
            "period_end": "2021-12-31",
            "value": "123456.78",
            "currency": "EUR",
            "qualifier": "approximate",
            "change_pct": "-3.50",
            "notes": "Read from the table.",
            "source": source,
            "source_quote": TRADE_GREW,
        },
        "investment": {
            "investor": "DE",
            "recipient": "KZ",
            "amount": "2500000.00",
            "currency": "EUR",
            "qualifier": "at_least",
            "status": "planned",
            "sectors": ["infrastructure", "logistics"],
            "period_start": "2025-01-01",
            "period_end": "2026-12-31",
            "description": "A logistics hub.",
            "source": source,
            "source_quote": QUOTE,
        },
        "cultural-landmark": {
            "name": "Abai Street",
            "kind": "street",
            "located_in": "HU",
            "city": "Budapest",
            "honoured_country": "KZ",
            "honours": "Abai Kunanbaiuly, the Kazakh poet",
            "established_on": "2019-05-01",
            "latitude": "47.497900",
            "longitude": "19.040200",
            "description": "A street named after the poet.",
            "source": source,
            "source_quote": QUOTE,
        },
        "scholarship-program": {
            "name": "Stipendium Hungaricum",
            "sponsor": "HU",
            "recipient": "KZ",
            "annual_grants": 250,
            "annual_grants_qualifier": "exact",
            "students_enrolled": 1000,
            "students_enrolled_qualifier": "at_least",
            "level": "higher education",
            "description": "Government grants.",
            "source": source,
            "source_quote": STUDENTS,
        },
        "cultural-initiative": {
            "name": "Bars foundation",
            "kind": "foundation",
            "countries": ["HU", "KZ"],
            "established_on": "2020-01-01",
            "description": "Publishes Kazakh writers.",
            "source": source,
            "source_quote": QUOTE,
        },
        "source": {
            "title": "A new article",
            "publisher": "Gazette",
            "url": "https://example.com/article",
            "published_on": "2024-09-01",
            "language": "en",
            "text": "Some text. More text.",
        },
    }[basename]


def replace_body(basename: str, source: int) -> dict[str, Any]:
    """A valid PUT body that changes every writable field of create_body()."""
    return {
        "trade-figure": {
            "reporter": "HU",
            "partner": "KZ",
            "flow": "import",
            "period_start": "2022-03-01",
            "period_end": "2022-03-31",
            "value": "1.00",
            "currency": "USD",
            "qualifier": "at_most",
            "change_pct": None,
            "notes": "",
            "source": source,
            "source_quote": QUOTE,
        },
        "investment": {
            "investor": "KZ",
            "recipient": "DE",
            "amount": None,
            "currency": "USD",
            "qualifier": "exact",
            "status": "interest",
            "sectors": [],
            "period_start": None,
            "period_end": None,
            "description": "",
            "source": source,
            "source_quote": TRADE_GREW,
        },
        "cultural-landmark": {
            "name": "Friendship Park",
            "kind": "park",
            "located_in": "KZ",
            "city": "Almaty",
            "honoured_country": "HU",
            "honours": "",
            "established_on": None,
            "latitude": None,
            "longitude": None,
            "description": "",
            "source": source,
            "source_quote": STUDENTS,
        },
        "scholarship-program": {
            "name": "Bolashak",
            "sponsor": "KZ",
            "recipient": "HU",
            "annual_grants": None,
            "annual_grants_qualifier": "approximate",
            "students_enrolled": None,
            "students_enrolled_qualifier": "exact",
            "level": "",
            "description": "",
            "source": source,
            "source_quote": QUOTE,
        },
        "cultural-initiative": {
            "name": "Joint festival",
            "kind": "festival",
            "countries": ["DE", "FR", "HU"],
            "established_on": None,
            "description": "",
            "source": source,
            "source_quote": TRADE_GREW,
        },
        "source": {
            "title": "Renamed article",
            "publisher": "",
            "url": "",
            "published_on": None,
            "language": "hu",
            "text": "Other text.",
        },
    }[basename]


PATCHES = {
    "trade-figure": {"value": "999.99"},
    "investment": {"status": "realized"},
    "cultural-landmark": {"city": "Debrecen"},
    "scholarship-program": {"annual_grants": 300},
    "cultural-initiative": {"kind": "publishing"},
    "source": {"title": "Retitled"},
}
PERIOD_LABELS = {"trade-figure": ("2021", "2022-03"), "investment": ("2025/2026", None)}


@pytest.fixture
def editor(db):
    return make_user("editor", editor=True)


@pytest.fixture
def editor_client(editor):
    return token_client(editor)


@pytest.fixture
def source(db):
    """A fresh source whose text holds QUOTE, TRADE_GREW and STUDENTS."""
    return SourceFactory()


def list_url(basename: str) -> str:
    return reverse(f"{basename}-list")


def stored(basename: str) -> tuple[int, int]:
    """Rows and history versions of a resource: a refused write changes neither."""
    model = MODELS[basename]
    return model.objects.count(), model.history.count()


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("basename", MODELS)
def test_create_answers_201_with_the_stored_values(editor_client, source, basename):
    """POST answers 201 with the new record: every value sent, an id, and its timestamps."""
    body = create_body(basename, source.pk)

    response = editor_client.post(list_url(basename), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    data = response.json()
    assert {key: data[key] for key in body} == body
    assert isinstance(data["id"], int)
    assert data["created_at"]
    assert data["updated_at"]


@pytest.mark.parametrize("basename", MODELS)
def test_create_answers_the_etag_a_read_then_gives(editor_client, source, basename):
    """The ETag of the 201 is the record's current ETag, usable at once in If-Match."""
    response = editor_client.post(list_url(basename), create_body(basename, source.pk), format="json")

    assert response.has_header("ETag")
    assert response["ETag"] == editor_client.get(detail_url(basename, response.json()["id"]))["ETag"]


@pytest.mark.parametrize("basename", MODELS)
def test_created_record_reads_back_as_created(editor_client, source, basename):
    """What the 201 shows is what a later GET returns."""
    created = editor_client.post(list_url(basename), create_body(basename, source.pk), format="json").json()

    assert editor_client.get(detail_url(basename, created["id"])).json() == created


@pytest.mark.parametrize("basename", MODELS)
def test_create_adds_exactly_one_row(editor_client, source, basename):
    """One POST, one new row."""
    before = MODELS[basename].objects.count()

    editor_client.post(list_url(basename), create_body(basename, source.pk), format="json")

    assert MODELS[basename].objects.count() == before + 1


@pytest.mark.parametrize("basename", list(PERIOD_LABELS))
def test_create_computes_the_period_label(editor_client, source, basename):
    """period_label is derived from the period that was sent."""
    response = editor_client.post(list_url(basename), create_body(basename, source.pk), format="json")

    assert response.json()["period_label"] == PERIOD_LABELS[basename][0]


def test_create_investment_adds_new_sector_slugs(editor_client, source):
    """A sector slug nobody used before joins the vocabulary; sectors come back sorted."""
    body = create_body("investment", source.pk) | {"sectors": ["logistics", "green-hydrogen"]}

    response = editor_client.post(list_url("investment"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["sectors"] == ["green-hydrogen", "logistics"]
    assert models.Sector.objects.filter(slug="green-hydrogen").exists()


def test_create_initiative_answers_countries_sorted_and_upper_case(editor_client, source):
    """Countries given in any order and case come back as sorted upper-case codes."""
    body = create_body("cultural-initiative", source.pk) | {"countries": ["kz", "DE", "hu"]}

    response = editor_client.post(list_url("cultural-initiative"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["countries"] == ["DE", "HU", "KZ"]


@pytest.mark.parametrize(
    ("reporter", "partner", "currency"),
    [("kz", "hu", "usd"), ("Kz", "hU", "Usd"), ("KZ", "HU", "USD"), (" kz ", "hu", "uSD")],
)
def test_create_accepts_codes_in_any_case_and_answers_upper_case(editor_client, source, reporter, partner, currency):
    """Country and currency codes are case-insensitive on input and upper-case on output."""
    body = create_body("trade-figure", source.pk) | {"reporter": reporter, "partner": partner, "currency": currency}

    response = editor_client.post(list_url("trade-figure"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    data = response.json()
    assert (data["reporter"], data["partner"], data["currency"]) == ("KZ", "HU", "USD")
    stored_figure = models.TradeFigure.objects.get(pk=data["id"])
    assert (stored_figure.reporter_id, stored_figure.partner_id, stored_figure.currency) == ("KZ", "HU", "USD")


def test_patch_accepts_a_lower_case_country_code(editor_client, db):
    """A lower-case code in a PATCH is stored and answered upper-case."""
    figure = TradeFigureFactory(partner_id="HU")

    response = editor_client.patch(detail_url("trade-figure", figure.pk), {"partner": "de"}, format="json")

    assert response.json()["partner"] == "DE"
    figure.refresh_from_db()
    assert figure.partner_id == "DE"


# --- read-only fields -----------------------------------------------------------------------------

READ_ONLY_VALUES = {
    "id": 999999,
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "period_label": "forever",
}


@pytest.mark.parametrize("basename", MODELS)
def test_create_ignores_read_only_fields(editor_client, source, basename):
    """id and timestamps sent in a POST are not written; the server chooses them."""
    sent = {key: value for key, value in READ_ONLY_VALUES.items() if key != "period_label"}
    body = create_body(basename, source.pk) | sent

    response = editor_client.post(list_url(basename), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    data = response.json()
    assert data["id"] != READ_ONLY_VALUES["id"]
    assert not MODELS[basename].objects.filter(pk=READ_ONLY_VALUES["id"]).exists()
    assert not data["created_at"].startswith("2000")
    assert not data["updated_at"].startswith("2000")


@pytest.mark.parametrize("basename", list(PERIOD_LABELS))
def test_create_ignores_a_period_label_in_the_body(editor_client, source, basename):
    """period_label is computed from the period, whatever the body says."""
    body = create_body(basename, source.pk) | {"period_label": READ_ONLY_VALUES["period_label"]}

    response = editor_client.post(list_url(basename), body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["period_label"] == PERIOD_LABELS[basename][0]


@pytest.mark.parametrize("basename", MODELS)
def test_patch_ignores_read_only_fields(editor_client, db, basename):
    """Sending id and timestamps in a PATCH changes neither the id nor created_at."""
    record = FACTORIES[basename]()
    url = detail_url(basename, record.pk)
    before = editor_client.get(url).json()
    body = {key: value for key, value in READ_ONLY_VALUES.items() if key in before}

    response = editor_client.patch(url, body, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    after = editor_client.get(url).json()
    assert after["id"] == record.pk
    assert after["created_at"] == before["created_at"]
    assert not MODELS[basename].objects.filter(pk=READ_ONLY_VALUES["id"]).exists()


# --- replace, change, delete ----------------------------------------------------------------------


@pytest.mark.parametrize("basename", MODELS)
def test_put_replaces_every_writable_field(editor_client, source, basename):
    """PUT answers 200 and stores every value of the new body."""
    record = FACTORIES[basename]()
    body = replace_body(basename, source.pk)

    response = editor_client.put(detail_url(basename, record.pk), body, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    data = editor_client.get(detail_url(basename, record.pk)).json()
    assert {key: data[key] for key in body} == body


@pytest.mark.parametrize("basename", list(PERIOD_LABELS))
def test_put_recomputes_the_period_label(editor_client, source, basename):
    """A new period gives a new period_label (or none, without a period)."""
    record = FACTORIES[basename]()

    response = editor_client.put(detail_url(basename, record.pk), replace_body(basename, source.pk), format="json")

    assert response.json()["period_label"] == PERIOD_LABELS[basename][1]


@pytest.mark.parametrize("basename", MODELS)
def test_put_without_required_fields_is_a_400_naming_them(editor_client, db, basename):
    """PUT is a full replacement: an empty body names the required fields and changes nothing."""
    record = FACTORIES[basename]()
    url = detail_url(basename, record.pk)
    before = editor_client.get(url).json()

    response = editor_client.put(url, {}, format="json")

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert "source_quote" in error_fields(body) or "text" in error_fields(body)
    assert editor_client.get(url).json() == before


@pytest.mark.parametrize("basename", MODELS)
def test_patch_changes_only_the_given_field(editor_client, db, basename):
    """PATCH answers 200; the given field changes, every other writable field stays."""
    record = FACTORIES[basename]()
    url = detail_url(basename, record.pk)
    before = editor_client.get(url).json()

    response = editor_client.patch(url, PATCHES[basename], format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    after = editor_client.get(url).json()
    assert after == before | PATCHES[basename] | {"updated_at": after["updated_at"]}


@pytest.mark.parametrize("basename", MODELS)
def test_delete_answers_204_and_removes_the_record(editor_client, db, basename):
    """DELETE answers 204 with no body; the record is gone and its URL answers 404."""
    record = FACTORIES[basename]()
    url = detail_url(basename, record.pk)

    response = editor_client.delete(url)

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not response.content
    assert not MODELS[basename].objects.filter(pk=record.pk).exists()
    assert_error_shape(editor_client.get(url), HTTPStatus.NOT_FOUND)


# --- invariants: 400 naming the field, nothing stored ---------------------------------------------

# (resource, changes to the valid create body, field the error names, text the message must contain)
INVARIANTS = [
    # the quote must occur verbatim in the source's text
    *[(name, {"source_quote": "A sentence the source never wrote."}, "source_quote", None) for name in RECORDS],
    (
        "trade-figure",
        {"source_quote": QUOTE.lower()},
        "source_quote",
        None,
    ),
    *[(name, {"source_quote": "   "}, "source_quote", None) for name in RECORDS],
    # periods are ordered and complete
    ("trade-figure", {"period_start": "2021-12-31", "period_end": "2021-01-01"}, "period_end", None),
    ("investment", {"period_start": "2021-12-31", "period_end": "2021-01-01"}, "period_end", None),
    ("investment", {"period_start": "2021-01-01", "period_end": None}, "period_end", None),
    ("trade-figure", {"period_start": "2021-02-30"}, "period_start", None),
    # two different countries
    ("trade-figure", {"partner": "kz"}, "partner", "KZ"),
    ("investment", {"recipient": "DE"}, "recipient", "DE"),
    ("cultural-landmark", {"honoured_country": "HU"}, "honoured_country", "HU"),
    ("scholarship-program", {"recipient": "HU"}, "recipient", "HU"),
    ("cultural-initiative", {"countries": ["KZ", "kz"]}, "countries", None),
    # money, counts and coordinates are not negative or out of range
    ("trade-figure", {"value": "-1.00"}, "value", None),
    ("investment", {"amount": "-0.01"}, "amount", None),
    ("trade-figure", {"value": "12.345"}, "value", None),
    ("scholarship-program", {"annual_grants": -1}, "annual_grants", None),
    ("scholarship-program", {"students_enrolled": -5}, "students_enrolled", None),
    ("cultural-landmark", {"latitude": "91.000000"}, "latitude", None),
    ("cultural-landmark", {"longitude": None}, "longitude", None),
    # unknown country codes are named in the message
    ("trade-figure", {"reporter": "XX"}, "reporter", "XX"),
    ("investment", {"investor": "ZZ"}, "investor", "ZZ"),
    ("cultural-landmark", {"located_in": "QQ"}, "located_in", "QQ"),
    ("scholarship-program", {"sponsor": "XY"}, "sponsor", "XY"),
    ("cultural-initiative", {"countries": ["KZ", "XX"]}, "countries", "XX"),
    ("trade-figure", {"partner": "HUNG"}, "partner", None),
    ("trade-figure", {"partner": "999"}, "partner", "999"),
    ("trade-figure", {"partner": "KAZ"}, "partner", "KZ"),
    ("trade-figure", {"partner": 7}, "partner", None),
    # currencies are ISO 4217 codes
    ("trade-figure", {"currency": "DOLLARS"}, "currency", None),
    ("trade-figure", {"currency": "U5D"}, "currency", None),
    ("investment", {"currency": "US"}, "currency", None),
    # enums
    ("trade-figure", {"flow": "sideways"}, "flow", "sideways"),
    ("trade-figure", {"qualifier": "roughly"}, "qualifier", "roughly"),
    ("investment", {"status": "rumoured"}, "status", "rumoured"),
    ("cultural-landmark", {"kind": "castle"}, "kind", "castle"),
    ("scholarship-program", {"annual_grants_qualifier": "maybe"}, "annual_grants_qualifier", "maybe"),
    ("cultural-initiative", {"kind": "party"}, "kind", "party"),
    # sectors are lower-case slugs
    ("investment", {"sectors": ["Green Hydrogen"]}, "sectors", None),
    # the source must exist
    *[(name, {"source": 999999}, "source", "999999") for name in RECORDS],
    ("trade-figure", {"source": "one"}, "source", None),
    # an initiative has at least two different countries
    ("cultural-initiative", {"countries": ["KZ"]}, "countries", None),
    ("cultural-initiative", {"countries": []}, "countries", None),
    # unknown fields are refused, not dropped
    *[(name, {"colour": "red"}, "colour", None) for name in MODELS],
    # sources
    ("source", {"language": "not a language tag"}, "language", None),
    ("source", {"url": "not a url"}, "url", None),
    ("source", {"text": ""}, "text", None),
]


@pytest.mark.parametrize(
    ("basename", "changes", "field", "named"),
    INVARIANTS,
    ids=[f"{name}-{'-'.join(changes)}-{i}" for i, (name, changes, _, _) in enumerate(INVARIANTS)],
)
def test_create_breaking_an_invariant_is_a_400_naming_the_field(editor_client, source, basename, changes, field, named):
    """The error names the field (and the bad value where it is a code); no row and no version is added."""
    body = create_body(basename, source.pk) | changes
    before = stored(basename)

    response = editor_client.post(list_url(basename), body, format="json")

    error = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert any(name == field or str(name).startswith(f"{field}.") for name in error_fields(error)), error
    assert field in error["detail"]
    if named:
        assert named in error["detail"]
    assert stored(basename) == before


# (resource, PATCH body that breaks an invariant, field the error names)
UPDATE_INVARIANTS = [
    ("trade-figure", {"source_quote": "A sentence the source never wrote."}, "source_quote"),
    ("trade-figure", {"period_end": "2021-01-01"}, "period_end"),
    ("trade-figure", {"partner": "KZ"}, "partner"),
    ("trade-figure", {"value": "-1.00"}, "value"),
    ("investment", {"amount": "-1.00"}, "amount"),
    ("investment", {"period_start": None}, "period_start"),
    ("cultural-initiative", {"countries": ["DE"]}, "countries"),
    ("scholarship-program", {"sponsor": "xx"}, "sponsor"),
    ("source", {"text": "A text without the quote the records cite."}, "text"),
]


@pytest.mark.parametrize(("basename", "changes", "field"), UPDATE_INVARIANTS)
def test_patch_breaking_an_invariant_is_a_400_and_changes_nothing(editor_client, db, basename, changes, field):
    """A refused PATCH leaves the stored record and its history as they were."""
    record = FACTORIES["trade-figure"]().source if basename == "source" else FACTORIES[basename]()
    url = detail_url(basename, record.pk)
    before = editor_client.get(url).json(), stored(basename)

    response = editor_client.patch(url, changes, format="json")

    error = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert field in error_fields(error)
    assert (editor_client.get(url).json(), stored(basename)) == before


def test_source_text_that_drops_a_cited_quote_is_a_400(editor_client, db):
    """Source 1's text must keep every quote its records take from it."""
    url = detail_url("source", 1)
    before = editor_client.get(url).json()

    response = editor_client.patch(url, {"text": "Kazakhstan and Hungary."}, format="json")

    error = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert error_fields(error) == {"text"}
    assert editor_client.get(url).json() == before


# --- bodies that are not a JSON record ------------------------------------------------------------


@pytest.mark.parametrize("basename", MODELS)
def test_malformed_json_is_a_400(editor_client, basename):
    """A body that is not JSON is refused in the error shape; nothing is stored."""
    before = stored(basename)

    response = editor_client.post(list_url(basename), '{"name": "unterminated', content_type="application/json")

    assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert stored(basename) == before


@pytest.mark.parametrize("body", [[], ["a", "list"], "a string", 42, None])
def test_json_that_is_not_an_object_is_a_400(editor_client, body):
    """A JSON array, string, number or null is not a record."""
    before = stored("trade-figure")

    response = editor_client.post(list_url("trade-figure"), json.dumps(body), content_type="application/json")

    assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert stored("trade-figure") == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "reporter=KZ&partner=HU"),
        ("multipart/form-data; boundary=xyz", "--xyz--"),
        ("text/plain", '{"reporter": "KZ"}'),
        ("application/xml", "<record/>"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(editor_client, source, content_type, body):
    """Only application/json is parsed; anything else is 415 in the error shape, and nothing is stored."""
    before = stored("trade-figure")

    response = editor_client.post(list_url("trade-figure"), body, content_type=content_type)

    assert_error_shape(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    assert stored("trade-figure") == before


def test_a_body_over_the_upload_limit_is_a_413(editor_client, source, settings):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB) is refused with 413, not stored, never a 500."""
    body = create_body("trade-figure", source.pk) | {"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    before = stored("trade-figure")

    response = editor_client.post(list_url("trade-figure"), body, format="json")

    assert_error_shape(response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    assert stored("trade-figure") == before


def test_a_body_just_under_the_upload_limit_is_accepted(editor_client, source, settings):
    """The limit is the setting: a body just under it is an ordinary create."""
    body = create_body("trade-figure", source.pk)
    padding = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(json.dumps(body | {"notes": ""})) - 1024
    body["notes"] = "x" * padding

    response = editor_client.post(list_url("trade-figure"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED


# --- protected sources ----------------------------------------------------------------------------


def test_deleting_a_cited_source_is_a_409(editor_client, db):
    """Source 1 is cited by the article's records: DELETE answers 409 in the error shape."""
    response = editor_client.delete(detail_url("source", 1))

    error = assert_error_shape(response, HTTPStatus.CONFLICT)
    assert error["code"] == "conflict"


def test_deleting_a_cited_source_deletes_nothing(editor_client, db):
    """After the 409 the source, every record and every history version are still there."""
    before = {name: stored(name) for name in MODELS}

    editor_client.delete(detail_url("source", 1))

    assert {name: stored(name) for name in MODELS} == before
    assert models.Source.objects.filter(pk=1).exists()


def test_deleting_an_uncited_source_answers_204(editor_client, db):
    """A source no record cites can go."""
    source = SourceFactory()

    response = editor_client.delete(detail_url("source", source.pk))

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not models.Source.objects.filter(pk=source.pk).exists()
