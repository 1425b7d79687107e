"""The OpenAPI schema is a product: valid, warning-free, committed in step with the code, and true to the server."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from cooperation.registry import RECORD_RESOURCES
from tests.helpers import assert_error_shape, detail_url, make_user, token_client, writable
from tests.resources import SPECS, spec_id

COMMITTED_SCHEMA = Path(settings.BASE_DIR) / "openapi.yaml"
RESOURCES = [*(resource.key for resource in RECORD_RESOURCES), "sources"]


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operation_ids(schema: dict) -> set[str]:
    return {operation["operationId"] for path in schema["paths"].values() for operation in path.values()}


def test_schema_validates_without_warnings(tmp_path):
    """`spectacular --validate --fail-on-warn` exits non-zero on any warning or validation error."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert COMMITTED_SCHEMA.read_text() == generated.read_text(), "openapi.yaml is stale: run `make schema`."


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("action", ["list", "retrieve", "create", "update", "partial_update", "destroy"])
def test_operation_ids_follow_the_contract(schema, resource, action):
    assert f"{resource}_{action}" in operation_ids(schema)


@pytest.mark.parametrize(
    "operation_id", ["countries_list", "countries_retrieve", "countries_partners_list", "countries_partners_retrieve"]
)
def test_country_operation_ids_follow_the_contract(schema, operation_id):
    assert operation_id in operation_ids(schema)


def test_enums_are_named(schema):
    names = set(schema["components"]["schemas"])
    assert {"FlowEnum", "QualifierEnum", "InvestmentStatusEnum", "LandmarkKindEnum", "InitiativeKindEnum"} <= names
    assert not [name for name in names if name.endswith("Enum") and any(ch.isdigit() for ch in name)]


def test_request_bodies_are_json_only(schema):
    for path in schema["paths"].values():
        for operation in path.values():
            if "requestBody" in operation:
                assert set(operation["requestBody"]["content"]) == {"application/json"}


def test_every_operation_has_a_description_and_documents_errors(schema):
    for path in schema["paths"].values():
        for operation in path.values():
            assert operation.get("description"), operation["operationId"]
            assert operation["responses"]["500"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_write_operations_document_401_and_403(schema):
    for path in schema["paths"].values():
        for method, operation in path.items():
            if method in {"post", "put", "patch", "delete"}:
                assert {"401", "403"} <= set(operation["responses"]), operation["operationId"]


def test_every_filter_parameter_is_documented(schema):
    for path in schema["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (operation["operationId"], parameter["name"])


def test_schema_endpoint_serves_yaml_and_json(api_client, db):
    assert yaml.safe_load(api_client.get("/api/schema/").content)["openapi"].startswith("3.")
    assert api_client.get("/api/schema/", {"format": "json"}).json()["openapi"].startswith("3.")


# --- what the server does beyond the bodies: conditional requests, rates, credentials ------------------------------

METHODS = {"get", "put", "post", "patch", "delete"}
# A detail path: one resource and its id (or country code), e.g. /api/v1/trade-figures/{id}/.
DETAIL_PATH = re.compile(r"^/api/v1/(?P<resource>[a-z-]+)/\{(?:id|code)\}/$")
DETAIL_RESOURCES = {*RESOURCES, "countries"}
READ_ONLY_FIELDS = {"id", "created_at", "updated_at", "period_label"}


def operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def parameter_names(operation: dict, location: str) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == location}


def error_response(response: dict) -> bool:
    return response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_every_detail_get_documents_etag_if_none_match_and_304(schema):
    details = [(path, operation) for path, method, operation in operations(schema) if method == "get"]
    details = [(path, operation) for path, operation in details if DETAIL_PATH.match(path)]
    assert {DETAIL_PATH.match(path)["resource"].replace("-", "_") for path, _ in details} == DETAIL_RESOURCES
    for path, operation in details:
        assert "If-None-Match" in parameter_names(operation, "header"), path
        responses = operation["responses"]
        assert set(responses["200"]["headers"]) == {"ETag", "Cache-Control"}, path
        assert set(responses["304"]["headers"]) == {"ETag", "Cache-Control"}, path
        assert "content" not in responses["304"], path
        assert responses["200"]["headers"]["ETag"]["required"] is True


def test_only_detail_gets_document_if_none_match(schema):
    for path, method, operation in operations(schema):
        documented = "If-None-Match" in parameter_names(operation, "header") or "304" in operation["responses"]
        assert documented == (method == "get" and bool(DETAIL_PATH.match(path))), (method, path)


def test_every_write_by_id_documents_if_match_and_412(schema):
    writes = [(path, method, operation) for path, method, operation in operations(schema) if method != "get"]
    by_id = [(path, method, operation) for path, method, operation in writes if "{id}" in path]
    assert len(by_id) == 3 * len(RESOURCES)
    for path, method, operation in writes:
        documented = "If-Match" in parameter_names(operation, "header") or "412" in operation["responses"]
        assert documented == ("{id}" in path), (method, path)
    for path, method, operation in by_id:
        assert "If-Match" in parameter_names(operation, "header"), (method, path)
        assert error_response(operation["responses"]["412"]), (method, path)


def test_writes_that_answer_a_record_document_its_etag(schema):
    for path, method, operation in operations(schema):
        if method in {"post", "put", "patch"}:
            [(status_code, response)] = [item for item in operation["responses"].items() if item[0].startswith("2")]
            assert "ETag" in response["headers"], (method, path, status_code)
        if method == "delete":
            assert "headers" not in operation["responses"]["204"], path


def test_reads_of_resources_document_cache_control(schema):
    for path, method, operation in operations(schema):
        resource = path.split("/")[3]
        if method == "get" and resource.replace("-", "_") in RESOURCES:
            assert operation["responses"]["200"]["headers"]["Cache-Control"]["schema"]["enum"] == ["public, no-cache"]


def test_every_operation_documents_429_with_retry_after(schema):
    for path, method, operation in operations(schema):
        response = operation["responses"]["429"]
        assert error_response(response), (method, path)
        assert response["headers"]["Retry-After"]["required"] is True
        assert response["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}


def test_reads_are_optionally_authenticated_and_writes_need_credentials(schema):
    schemes = set(schema["components"]["securitySchemes"])
    assert schemes == {"knoxApiToken", "cookieAuth"}
    for path, method, operation in operations(schema):
        if method == "get":
            assert operation["security"] == [{}, {"knoxApiToken": []}, {"cookieAuth": []}], path
        else:
            assert operation["security"] == [{"knoxApiToken": []}, {"cookieAuth": []}], (method, path)


def test_no_read_only_field_in_any_request_component(schema):
    components = schema["components"]["schemas"]
    requests = {name: component for name, component in components.items() if name.endswith("Request")}
    assert len(requests) == 2 * len(RESOURCES)  # XRequest for POST and PUT, PatchedXRequest for PATCH
    for name, component in requests.items():
        response = components[name.removeprefix("Patched").removesuffix("Request")]
        read_only = {field for field, field_schema in response["properties"].items() if field_schema.get("readOnly")}
        assert READ_ONLY_FIELDS & set(response["properties"]) <= read_only, name
        assert not read_only & set(component["properties"]), name
        assert component["additionalProperties"] is False, name
        for field, field_schema in component["properties"].items():
            assert {"type", "$ref", "allOf"} & set(field_schema), (name, field)


def test_every_request_body_says_read_only_fields_are_ignored(schema):
    for path, method, operation in operations(schema):
        if "requestBody" in operation:
            assert "ignored" in operation["requestBody"]["description"], (method, path)


def test_every_operation_has_a_distinct_summary(schema):
    summaries = [operation.get("summary") for _, _, operation in operations(schema)]
    assert all(summaries)
    assert len(set(summaries)) == len(summaries)
    paths = schema["paths"]
    assert paths["/api/v1/trade-figures/{id}/"]["patch"]["summary"] == "Change some fields of a trade figure"
    assert paths["/api/v1/investments/{id}/history/"]["get"]["summary"] == "List the versions of an investment"


def test_info_has_license_and_contact(schema):
    info = schema["info"]
    assert info["license"]["name"]
    assert info["contact"]["name"]
    # Absolute: openapi-generator refuses a schema whose contact or license URL is relative.
    for url in (info["license"].get("url"), info["contact"].get("url")):
        assert url is None or url.startswith("https://")
    assert info["license"]["url"]


def test_tags_are_defined_at_the_top_with_descriptions(schema):
    defined = {tag["name"]: tag.get("description") for tag in schema["tags"]}
    used = {tag for _, _, operation in operations(schema) for tag in operation["tags"]}
    assert used == set(defined)
    assert all(defined.values())


def test_linter_configs_justify_every_rule_they_turn_off():
    """Each rule a linter config turns off is named there, with a comment just above it."""
    for config in (".spectral.yaml", "redocly.yaml"):
        lines = (Path(settings.BASE_DIR) / config).read_text().splitlines()
        rules = yaml.safe_load("\n".join(lines)).get("rules", {})
        for rule, severity in rules.items():
            assert severity in ("off", False), (config, rule)  # YAML 1.1 (PyYAML) reads `off` as false
            [index] = [number for number, line in enumerate(lines) if line.strip().startswith(f"{rule}:")]
            assert lines[index - 1].strip().startswith("#"), (config, rule)


# --- the server does what the schema says ----------------------------------------------------------------------------


def concrete_url(path: str, record_ids: dict[str, int]) -> str:
    resource = DETAIL_PATH.match(path)["resource"]
    return path.replace("{code}", "HU") if resource == "countries" else path.replace("{id}", str(record_ids[resource]))


@pytest.fixture
def record_ids(db) -> dict[str, int]:
    """A fresh record of each resource, by the path's resource segment (trade-figures, ...)."""
    return {f"{spec.basename}s": spec.factory().pk for spec in SPECS}


def test_documented_conditional_reads_answer_as_documented(schema, api_client, record_ids):
    for path, _method, operation in operations(schema):
        if "If-None-Match" not in parameter_names(operation, "header"):
            continue
        url = concrete_url(path, record_ids)
        response = api_client.get(url)
        assert response.status_code == 200, url
        headers = operation["responses"]["200"]["headers"]
        assert response["Cache-Control"] in headers["Cache-Control"]["schema"]["enum"]
        etag = response["ETag"]

        not_modified = api_client.get(url, HTTP_IF_NONE_MATCH=etag)

        assert not_modified.status_code == 304, url
        assert not_modified["ETag"] == etag
        assert not_modified["Cache-Control"] == response["Cache-Control"]
        assert not not_modified.content


def test_documented_if_match_answers_412_with_the_error_shape(schema, record_ids):
    editor = token_client(make_user("schema-editor", editor=True))
    for path, method, operation in operations(schema):
        if "If-Match" not in parameter_names(operation, "header"):
            continue
        url = concrete_url(path, record_ids)
        body = {} if method == "delete" else writable(editor.get(url).json())

        response = getattr(editor, method)(url, body, format="json", HTTP_IF_MATCH='"stale"')

        assert_error_shape(response, 412)
        assert editor.get(url).status_code == 200, (method, url)


def test_writes_answer_the_documented_etag(record_ids):
    editor = token_client(make_user("schema-editor", editor=True))
    url = detail_url("source", record_ids["sources"])
    representation = editor.get(url).json()

    replaced = editor.put(url, writable(representation), format="json", HTTP_IF_MATCH=editor.get(url)["ETag"])
    changed = editor.patch(url, {"title": "Another title"}, format="json", HTTP_IF_MATCH=replaced["ETag"])
    created = editor.post(reverse("source-list"), writable(representation), format="json")

    assert (replaced.status_code, changed.status_code, created.status_code) == (200, 200, 201)
    assert changed["ETag"] != replaced["ETag"]
    assert changed["ETag"] == editor.get(url)["ETag"]
    assert created["ETag"] == editor.get(detail_url("source", created.json()["id"]))["ETag"]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_a_representation_sent_back_as_it_is_is_accepted(db, spec):
    """The request components leave read-only fields out, but the server ignores them when they are sent."""
    editor = token_client(make_user("schema-editor", editor=True))
    record = spec.factory()
    url = detail_url(spec.basename, record.pk)
    representation = editor.get(url).json()
    assert READ_ONLY_FIELDS & set(representation)

    replaced = editor.put(url, representation, format="json")
    changed = editor.patch(url, representation, format="json")

    assert (replaced.status_code, changed.status_code) == (200, 200), (replaced.content, changed.content)
    assert changed.json()["id"] == representation["id"] == record.pk
    assert changed.json()["created_at"] == representation["created_at"]
