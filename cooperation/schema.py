"""The OpenAPI schema's customisations: public reads, and the one error shape on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension as BaseDjangoFilterExtension
from rest_framework.permissions import SAFE_METHODS


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, knowing that reading is public everywhere."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


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
