"""A catalogue of hostile inputs: each is a 4xx in the one error shape, and nothing is written.

The cases are generated from the OpenAPI schema (every path, method, query parameter and body field), so a
new endpoint, filter or field is covered without editing this file. Writes are tried as an editor (an anonymous
write is a 401 before its body is read); requests refused before authentication (NUL in a path or query, a body
over the limit, unknown URLs, ordering) as both an editor and an anonymous client; the large tables of read
filters as an anonymous client, since authentication does not change how a filter is validated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cooperation.fields import COUNTRY_CODE_PATTERN
from cooperation.schema import NO_NUL
from cooperation.urls import router
from tests.helpers import assert_error_shape, make_user, token_client

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
WRITE_METHODS = ("post", "put", "patch")
ROLES = ["editor", "anonymous"]
NUL = "\x00"
MB = 1_000_000


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in SCHEMA["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def resolve(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in ref_or_schema:
        ref_or_schema = SCHEMA["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[1]]
    return ref_or_schema


def body_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return resolve(operation["requestBody"]["content"]["application/json"]["schema"])


PATH_OPERATIONS = [(p, m) for p, m, op in operations() if any(x["in"] == "path" for x in op.get("parameters", []))]
PATH_PARAMETERS = [
    (path, method, parameter["name"])
    for path, method, operation in operations()
    for parameter in operation.get("parameters", [])
    if parameter["in"] == "path"
]
QUERY_PARAMETERS = [
    (path, parameter["name"], parameter["schema"])
    for path, method, operation in operations()
    if method == "get"
    for parameter in operation.get("parameters", [])
    if parameter["in"] == "query"
]
WRITES = [(path, method) for path, method, operation in operations() if method in WRITE_METHODS]
BODY_FIELDS = [
    (path, method, name, field)
    for path, method, operation in operations()
    if method in WRITE_METHODS
    for name, field in body_schema(operation)["properties"].items()
]
STRING_FIELDS = [row for row in BODY_FIELDS if "string" in (row[3].get("type"), row[3].get("items", {}).get("type"))]
NUMBER_FIELDS = [row for row in BODY_FIELDS if row[3].get("type") == "integer" or row[3].get("format") == "decimal"]
BOUNDED_FIELDS = [
    row
    for row in BODY_FIELDS
    if {"maxLength", "enum", "$ref"} & set(row[3]) or row[3].get("pattern", "").startswith(("^[A-Za-z", "^ *", "^(?:("))
]
DATE_FIELDS = [row for row in BODY_FIELDS if row[3].get("format") == "date"]


def takes(operation: dict[str, Any], name: str) -> bool:
    return any(parameter["name"] == name for parameter in operation.get("parameters", []))


LIST_PATHS = [path for path, method, operation in operations() if method == "get" and takes(operation, "ordering")]
NUMBER_FILTERS = [
    (path, name)
    for path, name, schema in QUERY_PARAMETERS
    if schema.get("type") in ("integer", "number") or schema.get("format") == "decimal"
]
CONSTRAINED_FILTERS = [
    (path, name)
    for path, name, schema in QUERY_PARAMETERS
    if schema.get("pattern", NO_NUL) != NO_NUL
    or "enum" in schema
    or schema.get("type") in ("integer", "number", "boolean")
    or schema.get("format") in ("date", "date-time", "decimal")
]
DATE_FILTERS = [(path, name) for path, name, schema in QUERY_PARAMETERS if schema.get("format") == "date"]
DATETIME_FILTERS = [(path, name) for path, name, schema in QUERY_PARAMETERS if schema.get("format") == "date-time"]
CSV_LISTS = [
    path
    for path, method, operation in operations()
    if method == "get" and "text/csv" in operation["responses"]["200"].get("content", {})
]
FORMAT_FILTERS = [(path, name) for path, name, _schema in QUERY_PARAMETERS if name == "format"]
YEAR_FILTERS = [(path, name) for path, name, _schema in QUERY_PARAMETERS if name == "year"]


def ident(row: tuple[Any, ...]) -> str:
    return " ".join(str(part) for part in row if not isinstance(part, dict))


@pytest.fixture
def record_ids(db: Any) -> dict[str, Any]:
    """For each resource's URL prefix, the key of an existing record."""
    return {prefix: viewset.queryset.model.objects.order_by("pk").first().pk for prefix, viewset, _ in router.registry}


def url_for(path: str, keys: dict[str, Any], **overrides: str) -> str:
    """The path with every parameter filled with an existing record's key, or an override."""
    prefix = path.split("/")[3]
    values = {"id": str(keys[prefix]), "code": "KZ", "other": "HU", **overrides}
    return re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], path)


@pytest.fixture
def client(request: pytest.FixtureRequest, db: Any) -> APIClient:
    if request.param == "editor":
        return token_client(make_user("hostile-editor", editor=True))
    return APIClient()


COUNTED_MODELS = [*apps.get_app_config("cooperation").get_models(), *apps.get_app_config("auth").get_models()]


def row_counts() -> tuple[int, ...]:
    """Rows of every model in the project's app (records, history, sectors) and of users and groups, in one query."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in COUNTED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables))
        return tuple(cursor.fetchone())


def send(client: APIClient, method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
    """Send the request (a JSON body, raw text or bytes) and assert that it wrote nothing."""
    before = row_counts()
    if body is not None:
        kwargs["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
    response = getattr(client, method)(url, **kwargs)
    assert row_counts() == before, f"{method.upper()} {url} wrote to the database"
    return response


def assert_4xx(response: Any, status: int | None = None) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    return assert_error_shape(response, status or response.status_code)


def valid_body(path: str, method: str, keys: dict[str, Any]) -> dict[str, Any]:
    """A valid request body for the operation: the writable fields of an existing record."""
    detail = url_for(path if "{" in path else path + "{id}/", keys)
    properties = body_schema(OPERATIONS[(path, method)])["properties"]
    return {name: value for name, value in APIClient().get(detail).json().items() if name in properties}


OPERATIONS = {(path, method): operation for path, method, operation in operations()}


# --- NUL bytes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize(("path", "method", "parameter"), PATH_PARAMETERS, ids=map(ident, PATH_PARAMETERS))
def test_nul_in_path_parameter_is_400(client, record_ids, path, method, parameter):
    """PostgreSQL cannot compare NUL: the middleware refuses it before any query."""
    response = send(client, method, url_for(path, record_ids, **{parameter: "K%00"}))
    assert_4xx(response, HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize(("path", "parameter", "schema"), QUERY_PARAMETERS, ids=map(ident, QUERY_PARAMETERS))
@pytest.mark.parametrize("where", ["value", "name"])
def test_nul_in_query_parameter_is_400_naming_it(client, record_ids, path, parameter, schema, where):
    query = f"{parameter}=a%00b" if where == "value" else f"{parameter}%00=1"
    response = send(client, "get", f"{url_for(path, record_ids)}?{query}")
    body = assert_4xx(response, HTTPStatus.BAD_REQUEST)
    assert parameter in body["detail"]


@pytest.mark.parametrize(("path", "method", "field", "schema"), STRING_FIELDS, ids=map(ident, STRING_FIELDS))
@pytest.mark.parametrize("client", ["editor"], indirect=True)
def test_nul_in_json_string_is_400_naming_the_field(client, record_ids, path, method, field, schema):
    body = valid_body(path, method, record_ids)
    body[field] = ["kz\x00"] if schema.get("type") == "array" else "K\x00Z"
    response = send(client, method, url_for(path, record_ids), body)
    body = assert_4xx(response, HTTPStatus.BAD_REQUEST)
    assert any(error["field"] and error["field"].startswith(field) for error in body["errors"]), body


def test_nul_in_json_key_is_400(db):
    client = token_client(make_user("hostile-editor", editor=True))
    response = send(client, "post", "/api/v1/sources/", {"ti\x00tle": "x", "text": "y"})
    assert_4xx(response, HTTPStatus.BAD_REQUEST)


# --- Dates and years out of range ----------------------------------------------------------------------------

BAD_YEARS = ["0", "-1", "10000", "9999999999999999999999", "2024.0", "1e3", "٢٠٢٤"]
BAD_DATES = [
    "2024-13-45",
    "2024-02-30",
    "0000-01-01",
    "10000-01-01",
    "9999999999999999999999",
    "2024-1-1x",
    "-2024-01-01",
]


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize(("path", "parameter"), YEAR_FILTERS, ids=map(ident, YEAR_FILTERS))
@pytest.mark.parametrize("value", BAD_YEARS)
def test_year_out_of_range_is_400(client, record_ids, path, parameter, value):
    body = assert_4xx(send(client, "get", url_for(path, record_ids), data={parameter: value}), 400)
    assert parameter in body["detail"]


@pytest.mark.parametrize(("path", "parameter"), DATE_FILTERS, ids=map(ident, DATE_FILTERS))
@pytest.mark.parametrize("value", BAD_DATES)
def test_date_filter_out_of_range_is_400(api_client, record_ids, path, parameter, value):
    response = send(api_client, "get", f"{url_for(path, record_ids)}?{parameter}={value}")
    assert parameter in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


@pytest.mark.parametrize(("path", "method", "field", "schema"), DATE_FIELDS, ids=map(ident, DATE_FIELDS))
@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("client", ["editor"], indirect=True)
def test_date_field_out_of_range_is_400(client, record_ids, path, method, field, schema, value):
    body = valid_body(path, method, record_ids)
    body[field] = value
    response = send(client, method, url_for(path, record_ids), body)
    assert field in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


BAD_DATETIMES = [
    *BAD_DATES,
    "2024-01-01",
    "2024-01-01T12:00:00",
    "2024-01-01T12:00:00 01:00",
    "2024-01-01T25:00:00Z",
    "2024-01-01T12:00:00+24:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "now",
    "1712000000",
    "2024-01-01T12:00:00Z; DROP TABLE x",
    "\uff12\uff10\uff12\uff14-01-01T00:00:00Z",  # full-width digits
]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(("path", "parameter"), DATETIME_FILTERS, ids=map(ident, DATETIME_FILTERS))
@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_bad_moment_is_400_naming_the_parameter(client, record_ids, path, parameter, value):
    """A malformed, offset-less, out-of-range or future as_of, on lists and details alike."""
    response = send(client, "get", url_for(path, record_ids), data={parameter: value})
    body = assert_4xx(response, HTTPStatus.BAD_REQUEST)
    assert {error["field"] for error in body["errors"]} == {parameter}


# --- Numbers out of range or not numbers ---------------------------------------------------------------------

BAD_NUMBERS = ["1e400", "-1e400", "NaN", "nan", "Infinity", "-Infinity", "inf", str(2**63), str(-(2**63) - 1), "1e-400"]
# Raw JSON literals: NaN and Infinity are not JSON; 1e400 overflows a double; 2**63 overflows a bigint.
BAD_JSON_NUMBERS = ["1e400", "-1e400", "NaN", "-Infinity", "Infinity", str(2**63), str(-(2**63) - 1), "1e-400"]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(("path", "parameter"), NUMBER_FILTERS, ids=map(ident, NUMBER_FILTERS))
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_number_filter_out_of_range_is_4xx(client, record_ids, path, parameter, value):
    """A 400 naming the parameter; a page number beyond the last page is a 404, a huge page size is capped."""
    response = send(client, "get", url_for(path, record_ids), data={parameter: value})
    if parameter == "page_size" and value.isdigit():
        assert response.status_code == HTTPStatus.OK
        return
    expected = HTTPStatus.NOT_FOUND if parameter == "page" and value.isdigit() else HTTPStatus.BAD_REQUEST
    assert parameter in assert_4xx(response, expected)["detail"]


@pytest.mark.parametrize(("path", "method", "field", "schema"), NUMBER_FIELDS, ids=map(ident, NUMBER_FIELDS))
@pytest.mark.parametrize("literal", BAD_JSON_NUMBERS)
@pytest.mark.parametrize("quoted", [False, True], ids=["number", "string"])
@pytest.mark.parametrize("client", ["editor"], indirect=True)
def test_number_field_out_of_range_is_400(client, record_ids, path, method, field, schema, literal, quoted):
    body = valid_body(path, method, record_ids)
    body[field] = "@@NUMBER@@"
    raw = json.dumps(body).replace('"@@NUMBER@@"', json.dumps(literal) if quoted else literal)
    response = send(client, method, url_for(path, record_ids), raw)
    assert_4xx(response, HTTPStatus.BAD_REQUEST)


# --- CSV -----------------------------------------------------------------------------------------------------

BAD_FORMATS = ["xml", "CSV", "csv ", "csv,json", "\uff43\uff53\uff56", "../csv", "text/csv", "csv%00"]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(("path", "parameter"), FORMAT_FILTERS, ids=map(ident, FORMAT_FILTERS))
@pytest.mark.parametrize("value", BAD_FORMATS)
def test_unknown_format_is_400_naming_it(client, record_ids, path, parameter, value):
    response = send(client, "get", f"{url_for(path, record_ids)}?{parameter}={value}")
    assert parameter in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(
    ("path", "parameter"),
    [row for row in CONSTRAINED_FILTERS if row[0] in CSV_LISTS],
    ids=map(ident, [row for row in CONSTRAINED_FILTERS if row[0] in CSV_LISTS]),
)
@pytest.mark.parametrize("ask", ["accept", "format"])
def test_hostile_value_with_csv_asked_is_a_json_400(client, record_ids, path, parameter, ask):
    """Asking for CSV changes the body of a success, never the shape of an error."""
    query = {parameter: "k" * 1000, **({"format": "csv"} if ask == "format" and parameter != "format" else {})}
    response = send(client, "get", url_for(path, record_ids), data=query, HTTP_ACCEPT="text/csv")
    assert parameter in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


ACCEPTS_NOT_SERVED = ["application/xml", "text/plain", "image/png", "text/csv+x", "application/csv"]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize("path", CSV_LISTS)
@pytest.mark.parametrize("accept", ACCEPTS_NOT_SERVED)
def test_a_media_type_not_served_is_a_json_406(client, record_ids, path, accept):
    assert_4xx(send(client, "get", url_for(path, record_ids), HTTP_ACCEPT=accept), HTTPStatus.NOT_ACCEPTABLE)


# --- Sizes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method", "field", "schema"), BOUNDED_FIELDS, ids=map(ident, BOUNDED_FIELDS))
@pytest.mark.parametrize("client", ["editor"], indirect=True)
def test_one_megabyte_string_in_bounded_field_is_400(client, record_ids, path, method, field, schema):
    body = valid_body(path, method, record_ids)
    body[field] = ["a" * MB] if schema.get("type") == "array" else "a" * MB
    response = send(client, method, url_for(path, record_ids), body)
    assert field in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(("path", "parameter"), CONSTRAINED_FILTERS, ids=map(ident, CONSTRAINED_FILTERS))
@pytest.mark.parametrize("character", ["9", "k"])
def test_one_megabyte_query_value_is_4xx(client, record_ids, path, parameter, character):
    """A 400 naming the parameter; a million-digit page is a 404, a million-digit page size is capped."""
    response = send(client, "get", url_for(path, record_ids), data={parameter: character * MB})
    if parameter == "page_size" and character == "9":
        assert response.status_code == HTTPStatus.OK
        return
    expected = HTTPStatus.NOT_FOUND if parameter == "page" and character == "9" else HTTPStatus.BAD_REQUEST
    assert parameter in assert_4xx(response, expected)["detail"]


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize(("path", "parameter"), sorted({(p, "code") for p, _m, n in PATH_PARAMETERS if n == "code"}))
def test_one_megabyte_path_parameter_is_4xx(client, record_ids, path, parameter):
    assert_4xx(send(client, "get", url_for(path, record_ids, **{parameter: "K" * MB})))


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize(("path", "method"), WRITES, ids=map(ident, WRITES))
def test_body_over_the_size_limit_is_413(client, record_ids, path, method):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = json.dumps({"title": "é" * limit, "text": "x"})
    response = send(client, method, url_for(path, record_ids), raw)
    assert_4xx(response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


# --- Country codes in every form ------------------------------------------------------------------------

CODE_FILTERS = [(p, name) for p, name, schema in QUERY_PARAMETERS if schema.get("pattern") == COUNTRY_CODE_PATTERN]
CODE_FIELDS = [
    row
    for row in BODY_FIELDS
    if COUNTRY_CODE_PATTERN in (row[3].get("pattern"), row[3].get("items", {}).get("pattern"))
]
CODE_PATHS = sorted({(path, name) for path, _method, name in PATH_PARAMETERS if name in ("code", "other")})
# ISO 3166-1 has alpha-2, alpha-3 and three-digit numeric codes; nothing else is one.
NOT_CODES = ["KAZA", "3980", "39", "K Z", "+398", "\u0663\u0669\u0668", "\uff2b\uff3a", "K\u0301Z", "KZ\n", "0x1"]
KAZAKHSTAN = ["KAZ", "kaz", "398", " Kz "]


def test_the_catalogue_finds_the_country_codes():
    assert len(CODE_FILTERS) >= 13
    assert len(CODE_FIELDS) >= 27
    assert len(CODE_PATHS) == 4


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(("path", "parameter"), CODE_FILTERS, ids=map(ident, CODE_FILTERS))
@pytest.mark.parametrize("value", NOT_CODES)
def test_country_filter_of_no_code_form_is_400(client, record_ids, path, parameter, value):
    response = send(client, "get", url_for(path, record_ids), data={parameter: value})
    assert parameter in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


@pytest.mark.parametrize("client", ["anonymous"], indirect=True)
@pytest.mark.parametrize(("path", "parameter"), CODE_FILTERS, ids=map(ident, CODE_FILTERS))
@pytest.mark.parametrize("value", KAZAKHSTAN)
def test_country_filter_takes_every_code_form(client, record_ids, path, parameter, value):
    response = send(client, "get", url_for(path, record_ids), data={parameter: value})
    assert response.status_code == HTTPStatus.OK, response.content[:300]


@pytest.mark.parametrize(("path", "method", "field", "schema"), CODE_FIELDS, ids=map(ident, CODE_FIELDS))
@pytest.mark.parametrize("value", NOT_CODES)
@pytest.mark.parametrize("client", ["editor"], indirect=True)
def test_country_field_of_no_code_form_is_400(client, record_ids, path, method, field, schema, value):
    body = valid_body(path, method, record_ids)
    body[field] = [value, "KZ"] if schema.get("type") == "array" else value
    response = send(client, method, url_for(path, record_ids), body)
    assert field in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize(("path", "parameter"), CODE_PATHS)
@pytest.mark.parametrize("value", [*NOT_CODES, "999", "XXX"])
def test_country_path_of_no_code_or_no_country_is_404(client, record_ids, path, parameter, value):
    # Quoted: the client's URL parser would drop a raw newline.
    assert_4xx(send(client, "get", url_for(path, record_ids, **{parameter: quote(value)})), HTTPStatus.NOT_FOUND)


# --- Malformed bodies ----------------------------------------------------------------------------------------

MALFORMED = ['{"title": ', "[", "nul", "{'title': 'x'}", '{"title": "x"} trailing', "\ufeff{}", '{"a": 1,}']


@pytest.mark.parametrize("client", ["editor"], indirect=True)
@pytest.mark.parametrize(("path", "method"), WRITES, ids=map(ident, WRITES))
@pytest.mark.parametrize("raw", [*MALFORMED, b"\xff\xfe{}", "[]", '"text"', "1", "null"])
def test_malformed_or_non_object_json_is_400(client, record_ids, path, method, raw):
    assert_4xx(send(client, method, url_for(path, record_ids), raw), HTTPStatus.BAD_REQUEST)


WRONG_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"]


@pytest.mark.parametrize("client", ["editor"], indirect=True)
@pytest.mark.parametrize(("path", "method"), WRITES, ids=map(ident, WRITES))
@pytest.mark.parametrize("content_type", WRONG_TYPES)
def test_wrong_content_type_is_415(client, record_ids, path, method, content_type):
    response = send(client, method, url_for(path, record_ids), '{"title": "x"}', content_type=content_type)
    assert_4xx(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


@pytest.mark.parametrize("client", ["editor"], indirect=True)
@pytest.mark.parametrize(("path", "method"), WRITES, ids=map(ident, WRITES))
@pytest.mark.parametrize("unknown", ["colour", "is_admin", "id__gt", ""])
def test_unknown_field_is_400_naming_it(client, record_ids, path, method, unknown):
    body = valid_body(path, method, record_ids) | {unknown: "x"}
    response = send(client, method, url_for(path, record_ids), body)
    body = assert_4xx(response, HTTPStatus.BAD_REQUEST)
    assert unknown in {error["field"] for error in body["errors"]} or (unknown == "" and body["errors"])


# --- Pagination and ordering ---------------------------------------------------------------------------------

PAGED = [path for path, method, operation in operations() if method == "get" and takes(operation, "page_size")]


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize("path", PAGED)
def test_huge_page_size_is_capped(client, record_ids, path):
    response = send(client, "get", url_for(path, record_ids), data={"page_size": str(10**9)})
    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) <= 1000


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize("path", PAGED)
@pytest.mark.parametrize("page", [str(10**30), "2147483648", str(2**63)])
def test_huge_page_is_404(client, record_ids, path, page):
    response = send(client, "get", url_for(path, record_ids), data={"page": page})
    assert "page" in assert_4xx(response, HTTPStatus.NOT_FOUND)["detail"]


ORDERINGS = ["id", "-id", "pk", "source_quote", "source__text", "reporter__name", "created_at", "?", "-", "--name"]


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_ordering_outside_the_allowlist_is_400(client, record_ids, path, ordering):
    response = send(client, "get", url_for(path, record_ids), data={"ordering": ordering})
    assert "ordering" in assert_4xx(response, HTTPStatus.BAD_REQUEST)["detail"]


# --- Unknown URLs --------------------------------------------------------------------------------------------

UNKNOWN_URLS = [
    "/api/",
    "/api/v2/trade-figures/",
    "/api/v1/nope/",
    "/api/v1/trade-figures/1/nope/",
    "/api/v1/trade-figures/abc/",
    "/api/v1/trade-figures/-1/",
    "/api/v1/trade-figures/1.5/",
    f"/api/v1/trade-figures/{10**30}/",
    f"/api/v1/trade-figures/{2**63}/history/",
    "/api/v1/countries/XX/",
    "/api/v1/countries/KAZA/",
    "/api/v1/countries/999/",
    "/api/v1/countries/KZ/partners/XX/",
    "/api/v1/trade-figures",
    "/api/v1/../../etc/passwd",
    "/api/v1/%2e%2e/admin/",
]


@pytest.mark.parametrize("client", ROLES, indirect=True)
@pytest.mark.parametrize("url", UNKNOWN_URLS)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_url_is_json_404(client, url, method):
    response = send(client, method, url, None if method == "get" else {"title": "x"})
    body = assert_4xx(response)
    # A known URL with a method it does not allow is a 405; everything else a 404 (401 for anonymous writes).
    assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED, HTTPStatus.UNAUTHORIZED)
    assert body["code"] in ("not_found", "method_not_allowed", "not_authenticated")
