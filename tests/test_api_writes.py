"""Writes by an editor: create, replace, change and delete every record resource and sources.

Every invariant of the models is a 400 naming the field, and a refused write
leaves the table (and its history) exactly as it was.
"""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation import models
from tests.factories import SourceFactory, TradeFigureFactory
from tests.helpers import assert_error_shape, detail_url, error_fields, make_user, token_client
from tests.resources import RECORD_SPECS, SPECS, SPECS_BY_BASENAME, Invalid, ResourceSpec, spec_id

TRADE = SPECS_BY_BASENAME["trade-figure"]
PERIOD_SPECS = [spec for spec in SPECS if spec.period_labels]


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


def list_url(spec: ResourceSpec) -> str:
    return reverse(f"{spec.basename}-list")


def stored(spec: ResourceSpec) -> tuple[int, int]:
    """Rows and history versions of a resource: a refused write changes neither."""
    return spec.model._default_manager.count(), spec.model.history.count()


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_create_answers_201_with_the_stored_values(editor_client, source, spec):
    """POST answers 201 with the new record: every value sent, an id, and its timestamps."""
    body = spec.create_body(source.pk)

    response = editor_client.post(list_url(spec), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    data = response.json()
    assert {key: data[key] for key in body} == body
    assert isinstance(data["id"], int)
    assert data["created_at"]
    assert data["updated_at"]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_create_answers_the_etag_a_read_then_gives(editor_client, source, spec):
    """The ETag of the 201 is the record's current ETag, usable at once in If-Match."""
    response = editor_client.post(list_url(spec), spec.create_body(source.pk), format="json")

    assert response.has_header("ETag")
    assert response["ETag"] == editor_client.get(detail_url(spec.basename, response.json()["id"]))["ETag"]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_created_record_reads_back_as_created(editor_client, source, spec):
    """What the 201 shows is what a later GET returns."""
    created = editor_client.post(list_url(spec), spec.create_body(source.pk), format="json").json()

    assert editor_client.get(detail_url(spec.basename, created["id"])).json() == created


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_create_adds_exactly_one_row(editor_client, source, spec):
    """One POST, one new row."""
    before = spec.model._default_manager.count()

    editor_client.post(list_url(spec), spec.create_body(source.pk), format="json")

    assert spec.model._default_manager.count() == before + 1


@pytest.mark.parametrize("spec", PERIOD_SPECS, ids=spec_id)
def test_create_computes_the_period_label(editor_client, source, spec):
    """period_label is derived from the period that was sent."""
    response = editor_client.post(list_url(spec), spec.create_body(source.pk), format="json")

    assert response.json()["period_label"] == spec.period_labels[0]


def test_create_investment_adds_new_sector_slugs(editor_client, source):
    """A sector slug nobody used before joins the vocabulary; sectors come back sorted."""
    body = SPECS_BY_BASENAME["investment"].create_body(source.pk) | {"sectors": ["logistics", "green-hydrogen"]}

    response = editor_client.post(list_url(SPECS_BY_BASENAME["investment"]), body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["sectors"] == ["green-hydrogen", "logistics"]
    assert models.Sector.objects.filter(slug="green-hydrogen").exists()


def test_create_initiative_answers_countries_sorted_and_upper_case(editor_client, source):
    """Countries given in any order and case come back as sorted upper-case codes."""
    body = SPECS_BY_BASENAME["cultural-initiative"].create_body(source.pk) | {"countries": ["kz", "DE", "hu"]}

    response = editor_client.post(list_url(SPECS_BY_BASENAME["cultural-initiative"]), body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["countries"] == ["DE", "HU", "KZ"]


@pytest.mark.parametrize(
    ("reporter", "partner", "currency"),
    [("kz", "hu", "usd"), ("Kz", "hU", "Usd"), ("KZ", "HU", "USD"), (" kz ", "hu", "uSD")],
)
def test_create_accepts_codes_in_any_case_and_answers_upper_case(editor_client, source, reporter, partner, currency):
    """Country and currency codes are case-insensitive on input and upper-case on output."""
    body = TRADE.create_body(source.pk) | {"reporter": reporter, "partner": partner, "currency": currency}

    response = editor_client.post(list_url(TRADE), body, format="json")

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


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_create_ignores_read_only_fields(editor_client, source, spec):
    """id and timestamps sent in a POST are not written; the server chooses them."""
    sent = {key: value for key, value in READ_ONLY_VALUES.items() if key != "period_label"}
    body = spec.create_body(source.pk) | sent

    response = editor_client.post(list_url(spec), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    data = response.json()
    assert data["id"] != READ_ONLY_VALUES["id"]
    assert not spec.model._default_manager.filter(pk=READ_ONLY_VALUES["id"]).exists()
    assert not data["created_at"].startswith("2000")
    assert not data["updated_at"].startswith("2000")


@pytest.mark.parametrize("spec", PERIOD_SPECS, ids=spec_id)
def test_create_ignores_a_period_label_in_the_body(editor_client, source, spec):
    """period_label is computed from the period, whatever the body says."""
    body = spec.create_body(source.pk) | {"period_label": READ_ONLY_VALUES["period_label"]}

    response = editor_client.post(list_url(spec), body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["period_label"] == spec.period_labels[0]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_patch_ignores_read_only_fields(editor_client, db, spec):
    """Sending id and timestamps in a PATCH changes neither the id nor created_at."""
    record = spec.factory()
    url = detail_url(spec.basename, record.pk)
    before = editor_client.get(url).json()
    body = {key: value for key, value in READ_ONLY_VALUES.items() if key in before}

    response = editor_client.patch(url, body, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    after = editor_client.get(url).json()
    assert after["id"] == record.pk
    assert after["created_at"] == before["created_at"]
    assert not spec.model._default_manager.filter(pk=READ_ONLY_VALUES["id"]).exists()


# --- replace, change, delete ----------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_put_replaces_every_writable_field(editor_client, source, spec):
    """PUT answers 200 and stores every value of the new body."""
    record = spec.factory()
    body = spec.replace_body(source.pk)

    response = editor_client.put(detail_url(spec.basename, record.pk), body, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    data = editor_client.get(detail_url(spec.basename, record.pk)).json()
    assert {key: data[key] for key in body} == body


@pytest.mark.parametrize("spec", PERIOD_SPECS, ids=spec_id)
def test_put_recomputes_the_period_label(editor_client, source, spec):
    """A new period gives a new period_label (or none, without a period)."""
    record = spec.factory()

    response = editor_client.put(detail_url(spec.basename, record.pk), spec.replace_body(source.pk), format="json")

    assert response.json()["period_label"] == spec.period_labels[1]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_put_without_required_fields_is_a_400_naming_them(editor_client, db, spec):
    """PUT is a full replacement: an empty body names the required fields and changes nothing."""
    record = spec.factory()
    url = detail_url(spec.basename, record.pk)
    before = editor_client.get(url).json()

    response = editor_client.put(url, {}, format="json")

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert "source_quote" in error_fields(body) or "text" in error_fields(body)
    assert editor_client.get(url).json() == before


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_patch_changes_only_the_given_field(editor_client, db, spec):
    """PATCH answers 200; the given field changes, every other writable field stays."""
    record = spec.factory()
    url = detail_url(spec.basename, record.pk)
    before = editor_client.get(url).json()

    response = editor_client.patch(url, spec.change, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    after = editor_client.get(url).json()
    assert after == before | spec.change | {"updated_at": after["updated_at"]}


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_delete_answers_204_and_removes_the_record(editor_client, db, spec):
    """DELETE answers 204 with no body; the record is gone and its URL answers 404."""
    record = spec.factory()
    url = detail_url(spec.basename, record.pk)

    response = editor_client.delete(url)

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not response.content
    assert not spec.model._default_manager.filter(pk=record.pk).exists()
    assert_error_shape(editor_client.get(url), HTTPStatus.NOT_FOUND)


# --- invariants: 400 naming the field, nothing stored ---------------------------------------------

# (resource, a change to its valid create body that breaks one rule)
INVARIANTS = [
    # the quote must occur verbatim in the source's text
    *[(spec, Invalid({"source_quote": "A sentence the source never wrote."}, "source_quote")) for spec in RECORD_SPECS],
    *[(spec, Invalid({"source_quote": "   "}, "source_quote")) for spec in RECORD_SPECS],
    # the source must exist
    *[(spec, Invalid({"source": 999999}, "source", "999999")) for spec in RECORD_SPECS],
    # unknown fields are refused, not dropped
    *[(spec, Invalid({"colour": "red"}, "colour")) for spec in SPECS],
    # each resource's own rules
    *[(spec, invalid) for spec in SPECS for invalid in spec.invalid],
]


@pytest.mark.parametrize(
    ("spec", "invalid"),
    INVARIANTS,
    ids=[f"{spec.basename}-{'-'.join(invalid.changes)}-{i}" for i, (spec, invalid) in enumerate(INVARIANTS)],
)
def test_create_breaking_an_invariant_is_a_400_naming_the_field(editor_client, source, spec, invalid):
    """The error names the field (and the bad value where it is a code); no row and no version is added."""
    body = spec.create_body(source.pk) | invalid.changes
    before = stored(spec)

    response = editor_client.post(list_url(spec), body, format="json")

    error = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    field = invalid.field
    assert any(name == field or str(name).startswith(f"{field}.") for name in error_fields(error)), error
    assert field in error["detail"]
    if invalid.named:
        assert invalid.named in error["detail"]
    assert stored(spec) == before


# (resource, a PATCH that breaks one rule)
UPDATE_INVARIANTS = [(spec, invalid) for spec in SPECS for invalid in spec.invalid_changes]


@pytest.mark.parametrize(
    ("spec", "invalid"),
    UPDATE_INVARIANTS,
    ids=[f"{spec.basename}-{invalid.field}" for spec, invalid in UPDATE_INVARIANTS],
)
def test_patch_breaking_an_invariant_is_a_400_and_changes_nothing(editor_client, db, spec, invalid):
    """A refused PATCH leaves the stored record and its history as they were."""
    # A source's rule is about the records that cite it: its record is a source a trade figure cites.
    record = TRADE.factory().source if spec.model is models.Source else spec.factory()
    url = detail_url(spec.basename, record.pk)
    before = editor_client.get(url).json(), stored(spec)

    response = editor_client.patch(url, invalid.changes, format="json")

    error = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert invalid.field in error_fields(error)
    assert (editor_client.get(url).json(), stored(spec)) == before


def test_source_text_that_drops_a_cited_quote_is_a_400(editor_client, db):
    """Source 1's text must keep every quote its records take from it."""
    url = detail_url("source", 1)
    before = editor_client.get(url).json()

    response = editor_client.patch(url, {"text": "Kazakhstan and Hungary."}, format="json")

    error = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert error_fields(error) == {"text"}
    assert editor_client.get(url).json() == before


# --- bodies that are not a JSON record ------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_malformed_json_is_a_400(editor_client, spec):
    """A body that is not JSON is refused in the error shape; nothing is stored."""
    before = stored(spec)

    response = editor_client.post(list_url(spec), '{"name": "unterminated', content_type="application/json")

    assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert stored(spec) == before


@pytest.mark.parametrize("body", [[], ["a", "list"], "a string", 42, None])
def test_json_that_is_not_an_object_is_a_400(editor_client, body):
    """A JSON array, string, number or null is not a record."""
    before = stored(TRADE)

    response = editor_client.post(list_url(TRADE), json.dumps(body), content_type="application/json")

    assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert stored(TRADE) == before


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
    before = stored(TRADE)

    response = editor_client.post(list_url(TRADE), body, content_type=content_type)

    assert_error_shape(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    assert stored(TRADE) == before


def test_a_body_over_the_upload_limit_is_a_413(editor_client, source, settings):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB) is refused with 413, not stored, never a 500."""
    body = TRADE.create_body(source.pk) | {"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    before = stored(TRADE)

    response = editor_client.post(list_url(TRADE), body, format="json")

    assert_error_shape(response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    assert stored(TRADE) == before


def test_a_body_just_under_the_upload_limit_is_accepted(editor_client, source, settings):
    """The limit is the setting: a body just under it is an ordinary create."""
    body = TRADE.create_body(source.pk)
    padding = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(json.dumps(body | {"notes": ""})) - 1024
    body["notes"] = "x" * padding

    response = editor_client.post(list_url(TRADE), body, format="json")

    assert response.status_code == HTTPStatus.CREATED


# --- protected sources ----------------------------------------------------------------------------


def test_deleting_a_cited_source_is_a_409(editor_client, db):
    """Source 1 is cited by the article's records: DELETE answers 409 in the error shape."""
    response = editor_client.delete(detail_url("source", 1))

    error = assert_error_shape(response, HTTPStatus.CONFLICT)
    assert error["code"] == "conflict"


def test_deleting_a_cited_source_deletes_nothing(editor_client, db):
    """After the 409 the source, every record and every history version are still there."""
    before = {spec.basename: stored(spec) for spec in SPECS}

    editor_client.delete(detail_url("source", 1))

    assert {spec.basename: stored(spec) for spec in SPECS} == before
    assert models.Source.objects.filter(pk=1).exists()


def test_deleting_an_uncited_source_answers_204(editor_client, db):
    """A source no record cites can go."""
    source = SourceFactory()

    response = editor_client.delete(detail_url("source", source.pk))

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not models.Source.objects.filter(pk=source.pk).exists()
