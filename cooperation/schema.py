"""The OpenAPI schema's customisations: public reads, and the one error shape on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension as BaseDjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework.permissions import SAFE_METHODS

from cooperation import as_of


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, knowing that reading is public everywhere."""

    def get_auth(self) -> list[dict[str, Any]]:
        # No security requirement on reads: generated clients then read without a token.
        if self.method in SAFE_METHODS:
            return []
        auths: list[dict[str, Any]] = super().get_auth()
        return auths

    def get_override_parameters(self) -> list[Any]:
        # `as_of` where the view reads a resource whose history is kept.
        return [*super().get_override_parameters(), *as_of.schema_parameters(self.view)]


class DjangoFilterExtension(BaseDjangoFilterExtension):
    """Keep each filter's help_text as its description, also where a filter declares its own schema type."""

    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text")
        for parameter in parameters:
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
        return parameters


class StrictDecimalFieldExtension(OpenApiSerializerFieldExtension):
    """Document the exact decimal strings the field accepts (its own pattern)."""

    target_class = "cooperation.serializers.StrictDecimalField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "decimal", "pattern": self.target.pattern}


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error shape of every 4xx and 5xx response.",
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status code.", "example": 400},
        "code": {"type": "string", "description": "Machine-readable error code.", "example": "invalid"},
        "detail": {
            "type": "string",
            "description": "One human-readable line naming every parameter or field at fault.",
            "example": "year: Enter a whole number.",
        },
        "errors": {
            "type": "array",
            "description": "The errors one by one; empty when the error concerns no single field.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {
                        "type": "string",
                        "nullable": True,
                        "description": "Parameter or field at fault (dotted when nested); null for the whole request.",
                    },
                    "code": {"type": "string", "description": "Machine-readable error code."},
                    "message": {"type": "string", "description": "What is wrong."},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["status", "code", "detail", "errors"],
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a parameter or field is malformed or names something that does not exist.",
    "401": "Authentication is needed to write (send `Authorization: Token <key>`).",
    "403": "The user lacks the model permission for this write.",
    "404": "No such record, country or page.",
    "405": "The method is not allowed here.",
    "406": "The requested response format is not available.",
    "409": "The write conflicts with stored data (e.g. deleting a source that records cite).",
    "413": "The request body is too large.",
    "415": "The request body must be JSON.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
    "500": "Internal error; it is a bug and has been logged.",
}

READ_ERRORS = ["400", "404", "406", "429", "500"]
WRITE_ERRORS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "429", "500"]


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the error shape and the error statuses each operation can answer."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = READ_ERRORS if method == "get" else WRITE_ERRORS
            if not path.startswith("/api/v1/") and method == "get":
                statuses = ["406", "500"]
            responses = operation.setdefault("responses", {})
            for status_code in statuses:
                responses.setdefault(
                    status_code,
                    {
                        "description": ERROR_DESCRIPTIONS[status_code],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


# The characters Python's str.strip() removes, which DRF trims from every string before checking it is not blank.
PYTHON_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\x00]*$"
READ_ONLY_IN_REQUEST = "Read-only: accepted and ignored when sent, so a representation can be sent back as it is."


def free_text(schema: dict[str, Any]) -> None:
    """A string without a pattern, enum or format: no NUL (PostgreSQL cannot store it), and not blank if required."""
    if schema.get("type") != "string" or {"pattern", "enum", "format"} & set(schema):
        return
    if schema.get("minLength", 0) >= 1:
        # Not blank after DRF trims it: at least one character that is not whitespace.
        schema["pattern"] = f"^[^\\x00]*[^{PYTHON_WHITESPACE}\\x00][^\\x00]*$"
    else:
        schema["pattern"] = NO_NUL


def document_strict_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Requests say what the API refuses: unknown fields, NUL, and blank strings where a value is required.

    Read-only fields (id, timestamps, period_label) are listed with no type: the API ignores them whatever
    their value, as a client sending a representation back expects.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        if not name.endswith("Request"):
            continue
        response = schemas.get(name.removeprefix("Patched").removesuffix("Request"), {})
        properties = component.setdefault("properties", {})
        for field_schema in properties.values():
            free_text(field_schema)
            if field_schema.get("type") == "array":
                free_text(field_schema.get("items", {}))
        for field, field_schema in response.get("properties", {}).items():
            if field_schema.get("readOnly") and field not in properties:
                properties[field] = {"description": READ_ONLY_IN_REQUEST}
        component["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                free_text(parameter.get("schema", {}))
    return result


def name_parameter_enums(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A filter whose values are a named enum's refers to it, so clients get one FlowEnum, not one per filter."""
    schemas = result.get("components", {}).get("schemas", {})
    named = {frozenset(schema["enum"]): name for name, schema in schemas.items() if "enum" in schema}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                values = parameter.get("schema", {}).get("enum")
                if values and frozenset(values) in named:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{named[frozenset(values)]}"}
    return result


def require_response_properties(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every field of a response is always present (null where it has no value): say so, for typed clients."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if "properties" in schema and not name.endswith("Request"):
            schema["required"] = list(schema["properties"])
    return result
