"""Bad input: a 4xx in the one error shape whose message names the parameter, and never a 5xx."""

import json
import logging
from http import HTTPStatus

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions

from cooperation import errors
from cooperation import serializers as api_serializers
from cooperation.errors import ErrorItemSerializer, ErrorSerializer, exception_handler
from cooperation.models import Country, Investment, Sector, Source, TradeFigure
from cooperation.registry import RECORD_RESOURCES
from cooperation.serializers import RecordSerializer
from tests.factories import QUOTE, SourceFactory, TradeFigureFactory
from tests.helpers import ERROR_KEYS, make_user, token_client

TRADE = "trade-figure-list"
INVEST = "investment-list"
LANDMARK = "cultural-landmark-list"
SCHOLAR = "scholarship-program-list"
INITIATIVE = "cultural-initiative-list"
SOURCE = "source-list"
COUNTRY = "country-list"
RECORD_LISTS = [f"{resource.basename}-list" for resource in RECORD_RESOURCES]
ALL_LISTS = [*RECORD_LISTS, SOURCE, COUNTRY]
SEARCHABLE = [LANDMARK, SCHOLAR, INITIATIVE, SOURCE, COUNTRY]
# Every resource editors write, by basename, with an id of the article's that each has.
WRITABLE = {**{resource.basename: 1 for resource in RECORD_RESOURCES}, "source": 1}


def assert_error_shape(response, status):
    """The body is exactly the one error shape, and its status matches the response's."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert isinstance(body["code"], str)
    assert body["code"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], list)
    assert all(set(error) == {"field", "code", "message"} for error in body["errors"])
    return body


def assert_names_parameter(body, parameter):
    """The message names the parameter, and the listed errors point at it."""
    assert parameter in body["detail"]
    assert body["errors"]
    assert {error["field"] for error in body["errors"]} == {parameter}


# (route, parameter, bad value): each a 400 naming the parameter.
BAD_PARAMETERS = [
    # dates
    *[
        (route, name, value)
        for route in (TRADE, INVEST)
        for name in ("period_after", "period_before")
        for value in ("2024-13-01", "2024-02-30", "yesterday", "2024/01/01")
    ],
    # year
    *[(route, "year", value) for route in (TRADE, INVEST) for value in ("abc", "2024.5", "0", "-2024")],
    # money and counts
    *[(TRADE, name, value) for name in ("value_min", "value_max") for value in ("abc", "1,000")],
    *[(INVEST, name, value) for name in ("amount_min", "amount_max") for value in ("abc", "1,000")],
    (SCHOLAR, "annual_grants_min", "abc"),
    (SCHOLAR, "annual_grants_min", "2.5"),
    (SCHOLAR, "annual_grants_min", "-1"),
    # pairs
    *[(route, "pair", value) for route in RECORD_LISTS for value in ("KZ", "KZ,HU,DE", "KZ,", ",", "KZHU")],
    # country codes that are no ISO 3166-1 code at all (alpha-2, alpha-3 or three-digit numeric)
    *[(route, "country", value) for route in RECORD_LISTS for value in ("KAZA", "K", "12", "3980", "K Z", "\tKZ")],
    # enums
    (TRADE, "flow", "bogus"),
    (TRADE, "flow", "exports"),
    (TRADE, "qualifier", "more_than"),
    (INVEST, "status", "done"),
    (LANDMARK, "kind", "statue"),
    (INITIATIVE, "kind", "club"),
    # sources
    *[(route, "source", value) for route in RECORD_LISTS for value in ("999999", "abc", "-1")],
    # booleans
    (COUNTRY, "has_records", "maybe"),
    (COUNTRY, "has_records", "yes please"),
    # ordering
    *[(route, "ordering", value) for route in ALL_LISTS for value in ("foo", "-foo", "id", "-", "name,foo")],
    (TRADE, "ordering", "amount"),
    (INVEST, "ordering", "value"),
    (TRADE, "ordering", "source_quote"),
    # pagination
    *[(route, "page", value) for route in ALL_LISTS for value in ("abc", "0", "-1", "1.5")],
    *[(route, "page_size", value) for route in ALL_LISTS for value in ("abc", "0", "-5")],
]


def bad_id(row):
    route, name, value = row
    return f"{route}?{name}={value}"


@pytest.mark.parametrize(("route", "parameter", "value"), BAD_PARAMETERS, ids=[bad_id(row) for row in BAD_PARAMETERS])
def test_bad_parameter_is_400_naming_it(api_client, db, route, parameter, value):
    """Invalid input is a 400 in the error shape whose message names the parameter."""
    response = api_client.get(reverse(route), {parameter: value})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, parameter)


# Every filter that takes a country code, on every resource.
COUNTRY_FILTERS = [
    *[(route, "country") for route in RECORD_LISTS],
    (TRADE, "reporter"),
    (TRADE, "partner"),
    (INVEST, "investor"),
    (INVEST, "recipient"),
    (LANDMARK, "located_in"),
    (LANDMARK, "honoured_country"),
    (SCHOLAR, "sponsor"),
    (SCHOLAR, "recipient"),
]


@pytest.mark.parametrize(("route", "parameter"), COUNTRY_FILTERS)
@pytest.mark.parametrize("code", ["XX", "xx", "Zz"])
def test_unknown_country_code_is_400_naming_the_code(api_client, db, route, parameter, code):
    """An unknown code is a 400 naming the parameter and the code, never an empty list."""
    response = api_client.get(reverse(route), {parameter: code})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, parameter)
    assert code.upper() in body["detail"]


@pytest.mark.parametrize("route", RECORD_LISTS)
@pytest.mark.parametrize("pair", ["KZ,XX", "xx,hu"])
def test_pair_with_unknown_code_is_400_naming_the_code(api_client, db, route, pair):
    """A pair with an unknown code is a 400 naming pair and the code."""
    response = api_client.get(reverse(route), {"pair": pair})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, "pair")
    assert "XX" in body["detail"]


@pytest.mark.parametrize("route", RECORD_LISTS)
@pytest.mark.parametrize("pair", ["KZ,KZ", "kz,KZ", "hu,hU"])
def test_pair_naming_one_country_twice_is_400(api_client, db, route, pair):
    """A pair of the same country twice is a 400 naming pair and the country."""
    response = api_client.get(reverse(route), {"pair": pair})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, "pair")
    assert pair[:2].upper() in body["detail"]


@pytest.mark.parametrize("route", RECORD_LISTS)
def test_source_that_does_not_exist_is_400_naming_the_id(api_client, db, route):
    """source=<unknown id> is a 400 naming source and the id."""
    response = api_client.get(reverse(route), {"source": "987654"})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, "source")
    assert "987654" in body["detail"]


@pytest.mark.parametrize("route", ALL_LISTS)
def test_unknown_ordering_field_message_lists_the_allowed_fields(api_client, db, route):
    """The 400 for an unknown ordering field names the bad field."""
    response = api_client.get(reverse(route), {"ordering": "nonsense"})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert "nonsense" in body["detail"]


def test_several_bad_parameters_are_all_named(api_client, db):
    """Two invalid filters at once: the message names both."""
    response = api_client.get(reverse(TRADE), {"year": "abc", "flow": "bogus"})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert "year" in body["detail"]
    assert "flow" in body["detail"]
    assert {error["field"] for error in body["errors"]} == {"year", "flow"}


# --- extreme input: never a 5xx


@pytest.mark.parametrize("route", ALL_LISTS)
@pytest.mark.parametrize("parameter", ["search", "country", "ordering", "page"])
def test_nul_byte_in_query_value_is_400_naming_the_parameter(api_client, db, route, parameter):
    """A NUL byte in a query value is refused with a 400 naming the parameter."""
    response = api_client.get(reverse(route), {parameter: "K\x00Z"})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, parameter)


@pytest.mark.parametrize("route", ALL_LISTS)
def test_nul_byte_in_query_name_is_400(api_client, db, route):
    """A NUL byte in a query parameter's name is a 400, not a crash."""
    response = api_client.get(f"{reverse(route)}?ye%00ar=2023")

    assert_error_shape(response, HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trade-figures/%00/",
        "/api/v1/trade-figures/1%00/",
        "/api/v1/countries/k%00/",
        "/api/v1/countries/KZ/partners/h%00/",
        "/api/v1/%00/",
    ],
)
def test_nul_byte_in_path_is_4xx_in_the_error_shape(api_client, db, path):
    """A NUL byte in the URL path is a 400 in the error shape."""
    response = api_client.get(path)

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert "path" in body["detail"]


EXTREME = [
    *[(route, "year", "99999999999999999999") for route in (TRADE, INVEST)],
    *[(route, "year", "-99999999999999999999") for route in (TRADE, INVEST)],
    *[(TRADE, name, value) for name in ("value_min", "value_max") for value in ("1e400", "-1e400", "NaN", "Infinity")],
    *[(INVEST, name, value) for name in ("amount_min", "amount_max") for value in ("1e400", "NaN", "-Infinity")],
    (SCHOLAR, "annual_grants_min", "99999999999999999999"),
    *[(route, "source", "99999999999999999999") for route in RECORD_LISTS],
    *[(route, "period_after", "99999-01-01") for route in (TRADE, INVEST)],
]


@pytest.mark.parametrize(("route", "parameter", "value"), EXTREME, ids=[bad_id(row) for row in EXTREME])
def test_extreme_value_is_400_naming_the_parameter(api_client, db, route, parameter, value):
    """Out-of-range numbers, NaN and infinities are a 400 naming the parameter, never a 5xx."""
    response = api_client.get(reverse(route), {parameter: value})

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, parameter)


@pytest.mark.parametrize("route", ALL_LISTS)
def test_page_beyond_the_last_is_404_in_the_error_shape(api_client, db, route):
    """page=999999 is a 404 whose message names the page."""
    response = api_client.get(reverse(route), {"page": "999999"})

    body = assert_error_shape(response, HTTPStatus.NOT_FOUND)
    assert "page" in body["detail"]


@pytest.mark.parametrize("route", ALL_LISTS)
def test_huge_page_number_is_never_a_5xx(api_client, db, route):
    """A page number past any integer type is a 4xx in the error shape."""
    response = api_client.get(reverse(route), {"page": "9" * 40})

    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND)
    assert_error_shape(response, response.status_code)


@pytest.mark.parametrize("route", ALL_LISTS)
def test_huge_page_size_is_capped_at_1000(api_client, db, route):
    """page_size=100000 answers 200 with at most 1000 results."""
    response = api_client.get(reverse(route), {"page_size": "100000"})

    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) <= 1000


def test_huge_page_size_returns_exactly_1000_of_more(api_client, db):
    """With 1002 trade figures, page_size=100000 gives a full page of 1000 and a next page."""
    source = TradeFigureFactory().source
    TradeFigureFactory.create_batch(999, source=source)

    body = api_client.get(reverse(TRADE), {"page_size": "100000"}).json()

    assert body["count"] == 1002
    assert len(body["results"]) == 1000
    assert body["next"] is not None


def test_huge_page_size_of_more_digits_than_any_integer_is_capped(api_client, db):
    """A page_size past any integer type is still capped, never a crash."""
    response = api_client.get(reverse(COUNTRY), {"page_size": "9" * 40})

    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) == 249


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trade-figures/99999999999999999999/",
        "/api/v1/investments/-1/",
        "/api/v1/cultural-landmarks/abc/",
        "/api/v1/sources/1.5/",
    ],
)
def test_malformed_or_huge_id_is_404_in_the_error_shape(api_client, db, path):
    """An id that cannot exist is a 404 in the error shape, never a 5xx."""
    response = api_client.get(path)

    assert_error_shape(response, HTTPStatus.NOT_FOUND)


@pytest.mark.parametrize("route", SEARCHABLE)
def test_very_long_search_is_never_a_5xx(api_client, db, route):
    """A 5000-character search answers 200 with no results."""
    response = api_client.get(reverse(route), {"search": "ü" * 5000})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == []


# --- unknown URLs


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here/", "/api/", "/api/v2/trade-figures/", "/api/v1/trade-figures/1/nope/"],
)
def test_unknown_url_under_api_is_json_404_in_the_error_shape(api_client, db, path):
    """Django's own 404 under /api/ answers in the one error shape, in JSON."""
    response = api_client.get(path)

    body = assert_error_shape(response, HTTPStatus.NOT_FOUND)
    assert body["code"] == "not_found"


# --- writes


WRITE_REQUESTS = [
    *[("post", f"{basename}-list", None) for basename in WRITABLE],
    *[(method, f"{basename}-detail", pk) for basename, pk in WRITABLE.items() for method in ("put", "patch", "delete")],
]


@pytest.mark.parametrize(
    ("method", "route", "pk"), WRITE_REQUESTS, ids=[f"{method}-{route}" for method, route, _pk in WRITE_REQUESTS]
)
def test_anonymous_write_is_401_with_a_challenge(api_client, db, method, route, pk):
    """Anonymous POST, PUT, PATCH and DELETE are a 401 with WWW-Authenticate, in the error shape."""
    url = reverse(route, args=[pk] if pk else [])

    response = getattr(api_client, method)(url, {"name": "x"}, format="json")

    assert_error_shape(response, HTTPStatus.UNAUTHORIZED)
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_anonymous_write_changes_nothing(api_client, db, method):
    """A refused anonymous write leaves the trade figure as it was."""
    url = reverse("trade-figure-detail", args=[1])
    before = api_client.get(url).json()

    getattr(api_client, method)(url, {"value": "1.00"}, format="json")

    assert api_client.get(url).json() == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/countries/"),
        ("put", "/api/v1/countries/KZ/"),
        ("patch", "/api/v1/countries/KZ/"),
        ("delete", "/api/v1/countries/KZ/"),
    ],
)
def test_write_to_countries_is_405_in_the_error_shape(api_client, db, method, url):
    """Countries are reference data: writes are not allowed, for anyone."""
    response = getattr(api_client, method)(url, {"code": "QQ"}, format="json")

    assert_error_shape(response, HTTPStatus.METHOD_NOT_ALLOWED)


# --- the exception handler: DRF's own, its body reshaped


def assert_one_error_shape(body, status):
    """A body the ErrorSerializer accepts back, with the status it was answered with."""
    checked = ErrorSerializer(data=body)
    assert checked.is_valid(), checked.errors
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    return body


def test_the_error_component_is_generated_from_the_error_serializer():
    """The schema documents the serializer that renders every error body: same fields, same nullability."""
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    error, item = schemas["Error"], schemas["ErrorItem"]

    assert set(error["properties"]) == set(ErrorSerializer().fields) == ERROR_KEYS
    assert set(error["required"]) == ERROR_KEYS
    assert error["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ErrorItem"}
    assert set(item["properties"]) == set(ErrorItemSerializer().fields) == {"field", "code", "message"}
    assert item["properties"]["field"]["nullable"] is True
    assert error["description"] == ErrorSerializer.__doc__


def test_a_throttled_request_keeps_drfs_retry_after_header():
    """The reshaped response keeps what DRF's handler adds: the status and the Retry-After header."""
    response = exception_handler(exceptions.Throttled(wait=42), {})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "42"
    body = assert_one_error_shape(response.data, HTTPStatus.TOO_MANY_REQUESTS)
    assert body["code"] == "throttled"
    assert body["errors"] == []


def test_an_exception_the_handlers_do_not_know_propagates():
    """A plain bug is not turned into a 4xx: the handler leaves it to the middleware's logged 500."""
    assert exception_handler(ZeroDivisionError("bug"), {}) is None


def integrity_error(write) -> IntegrityError:
    """The IntegrityError the database raises for `write`, rolled back."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    return excinfo.value


UNIQUE_VIOLATIONS = {
    "code": lambda: Country.objects.create(code="KZ", alpha3="QQQ", numeric="990", name="Twin"),
    "alpha3": lambda: Country.objects.create(code="QQ", alpha3="KAZ", numeric="990", name="Twin"),
    "numeric": lambda: Country.objects.create(code="QQ", alpha3="QQQ", numeric="398", name="Twin"),
}


@pytest.mark.parametrize("field", UNIQUE_VIOLATIONS)
def test_a_unique_violation_is_a_409_naming_the_field(db, field):
    """A value another row already holds is a conflict, named field by field (the database's own error)."""
    response = exception_handler(integrity_error(UNIQUE_VIOLATIONS[field]), {})

    assert response.status_code == HTTPStatus.CONFLICT
    body = assert_one_error_shape(response.data, HTTPStatus.CONFLICT)
    assert body["code"] == "conflict"
    assert body["errors"] == [
        {"field": field, "code": "unique", "message": f"Another country already has this {field}."}
    ]
    assert body["detail"] == f"{field}: Another country already has this {field}."


OTHER_INTEGRITY_ERRORS = {
    "check constraint": lambda: Sector.objects.create(slug="Not A Slug"),
    "not null": lambda: Source.objects.create(title=None, text="x"),
}


@pytest.mark.parametrize("write", OTHER_INTEGRITY_ERRORS.values(), ids=list(OTHER_INTEGRITY_ERRORS))
def test_any_other_integrity_error_is_not_a_conflict(db, write):
    """A constraint that validation should have enforced is a bug: no 409, the exception goes on to a 500."""
    assert exception_handler(integrity_error(write), {}) is None


@pytest.fixture
def editor(db):
    return token_client(make_user("errors-editor", editor=True))


def trade_figure_body(source, **changes):
    body = {
        "reporter": "KZ",
        "partner": "HU",
        "flow": "export",
        "period_start": "2021-01-01",
        "period_end": "2021-12-31",
        "value": "100.00",
        "currency": "USD",
        "source": source.pk,
        "source_quote": QUOTE,
    }
    return body | changes


@pytest.mark.parametrize("debug", [False, True])
def test_a_constraint_that_validation_missed_is_a_logged_500(editor, settings, caplog, monkeypatch, debug):
    """Regression: every IntegrityError was a 409 "conflict", so a validation gap looked like the client's fault."""
    settings.DEBUG = debug
    monkeypatch.setattr(RecordSerializer, "validate", lambda self, attrs: attrs)  # a gap in validation
    source = SourceFactory()
    before = TradeFigure.objects.count()

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = editor.post(reverse(TRADE), trade_figure_body(source, partner="KZ"), format="json")

    body = assert_error_shape(response, HTTPStatus.INTERNAL_SERVER_ERROR)
    assert body["code"] == "server_error"
    logged = [record for record in caplog.records if record.exc_info]
    assert [record.exc_info[0] for record in logged] == [IntegrityError]
    assert TradeFigure.objects.count() == before


def test_a_unique_violation_in_a_write_is_a_409_naming_the_field(editor, monkeypatch):
    """Through the API: the write is rolled back and the 409 names the field whose value is taken."""
    monkeypatch.setattr(api_serializers, "ensure_sectors", lambda slugs: Sector.objects.create(slug=slugs[0]))
    Sector.objects.get_or_create(slug="logistics")
    source = SourceFactory()
    before = Investment.objects.count()
    body = {
        "investor": "HU",
        "recipient": "KZ",
        "status": "planned",
        "sectors": ["logistics"],
        "source": source.pk,
        "source_quote": QUOTE,
    }

    response = editor.post(reverse(INVEST), body, format="json")

    error = assert_error_shape(response, HTTPStatus.CONFLICT)
    assert error["code"] == "conflict"
    assert [(item["field"], item["code"]) for item in error["errors"]] == [("slug", "unique")]
    assert Investment.objects.count() == before


def test_a_quote_refused_at_save_is_a_400_naming_it(editor, monkeypatch):
    """The check that save() makes under the source lock answers like validation: 400 naming source_quote."""
    monkeypatch.setattr(TradeFigure, "clean", lambda self: None)  # as if the text changed after clean()
    source = SourceFactory()
    before = TradeFigure.objects.count()

    response = editor.post(reverse(TRADE), trade_figure_body(source, source_quote="Never written."), format="json")

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert_names_parameter(body, "source_quote")
    assert TradeFigure.objects.count() == before


def test_a_crash_outside_drf_under_api_is_the_json_500():
    """Django's handler500 answers in the one error shape."""
    response = errors.server_error(RequestFactory().get("/api/v1/"))

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert_one_error_shape(json.loads(response.content), HTTPStatus.INTERNAL_SERVER_ERROR)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/"])
def test_unknown_url_under_api_is_json_404_with_debug_on(api_client, db, settings, path):
    """With DEBUG on, Django would answer its HTML debug page; the /api/ catch-all keeps the JSON 404."""
    settings.DEBUG = True

    body = assert_error_shape(api_client.get(path), HTTPStatus.NOT_FOUND)
    assert body["code"] == "not_found"


def test_a_csrf_failure_under_api_is_a_json_403():
    response = errors.csrf_failure(RequestFactory().post("/api/v1/sources/"), reason="CSRF token missing.")

    assert response.status_code == HTTPStatus.FORBIDDEN
    body = assert_one_error_shape(json.loads(response.content), HTTPStatus.FORBIDDEN)
    assert body["code"] == "permission_denied"
    assert "CSRF token missing." in body["detail"]


def test_a_csrf_failure_in_the_admin_is_djangos_page(db):
    """Outside /api/ (the admin's login form), the browser gets Django's own CSRF page."""
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/sources/", "/admin/login/", "/"])
def test_a_body_over_the_limit_is_the_one_413_wherever_it_is_sent(db, settings, path):
    """The middleware is the one place a 413 comes from, for the API and the admin alike."""
    raw = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = Client().post(path, raw, content_type="application/json")

    body = assert_error_shape(response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    assert body["code"] == "payload_too_large"
