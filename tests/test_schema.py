"""The OpenAPI schema is a product: valid, warning-free, and committed in step with the code."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

COMMITTED_SCHEMA = Path(settings.BASE_DIR) / "openapi.yaml"
RESOURCES = [
    "trade_figures",
    "investments",
    "cultural_landmarks",
    "scholarship_programs",
    "cultural_initiatives",
    "sources",
]


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
