"""The OpenAPI schema's customisations: what the server does beyond the serializers, said where clients can see it.

Reads are public and take a token when given one; detail reads carry an ETag and answer If-None-Match with
304; writes by id honour If-Match with 412; every operation can answer 429 with Retry-After; and every error
has the one error shape.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension as BaseDjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ComponentRegistry, build_mocked_view
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import SAFE_METHODS

from cooperation import as_of
from cooperation.errors import ErrorSerializer

ERROR_REFERENCE = {"$ref": "#/components/schemas/Error"}

ETAG_HEADER = {
    "description": (
        "Strong entity tag of the current version (RFC 9110). Send it back in If-None-Match to revalidate a "
        "copy, or in If-Match to write only over this version."
    ),
    "required": True,
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": (
        "ETags of copies you hold (comma-separated), or `*`. When one matches the current version (weak "
        "comparison: `W/` is ignored), the answer is 304 Not Modified, without a body."
    ),
    "schema": {"type": "string"},
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": (
        "The ETag of the version you read, or `*`. The write happens only while the record is still at that "
        "version (strong comparison: a `W/` tag never matches); otherwise the answer is 412 and nothing is "
        "written. Without this header the write happens whatever the version."
    ),
    "schema": {"type": "string"},
}
PRECONDITION_FAILED = {
    "description": "If-Match names no current version: the record changed since you read it. Fetch it again.",
    "content": {"application/json": {"schema": ERROR_REFERENCE}},
}
RETRY_AFTER_HEADER = {
    "description": "Seconds until the rate's current window ends: retry after them.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
RESOURCE_ACTION_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Get {a} {name}",
    "create": "Create {a} {name}",
    "update": "Replace {a} {name}",
    "partial_update": "Change some fields of {a} {name}",
    "destroy": "Delete {a} {name}",
    "history": "List the versions of {a} {name}",
}


def cache_control_header() -> dict[str, Any]:
    # Imported late: loading cooperation.views loads this module (its extend_schema decorators ask DRF for
    # the schema class), so importing the views at the top would be a cycle.
    from cooperation.views import CACHE_CONTROL

    return {
        "description": "Shared caches may keep the answer, but must revalidate it (If-None-Match) before reuse.",
        "required": True,
        "schema": {"type": "string", "enum": [CACHE_CONTROL]},
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus reads that are public, summaries, and the conditional requests."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = [auth for auth in super().get_auth() if auth]
        if self.method in SAFE_METHODS:
            # Reading needs no credentials, but a token is honoured when sent (an editor's reads are then
            # counted per user, at the users' rate); `{}` first says that none is needed.
            return [{}, *auths]
        return auths

    def get_summary(self) -> str:
        action = getattr(self.view, "action", None)
        queryset = getattr(self.view, "queryset", None)
        if action in RESOURCE_ACTION_SUMMARIES and queryset is not None:
            meta = queryset.model._meta
            name = str(meta.verbose_name)
            article = "an" if name[0] in "aeiou" else "a"
            return RESOURCE_ACTION_SUMMARIES[action].format(plural=meta.verbose_name_plural, name=name, a=article)
        # Other views: their docstring's opening words, up to the first colon or full stop.
        description = self.get_description()
        return description.split(":")[0].split(".")[0].strip()

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is not None:
            self.document_conditional_requests(operation)
        return operation

    def document_conditional_requests(self, operation: dict[str, Any]) -> None:
        """What cooperation.views.ReadViewSet and EditableViewSet send and honour (cooperation/etags.py)."""
        from cooperation.views import EditableViewSet, ReadViewSet  # late, for the reason in cache_control_header

        if not isinstance(self.view, ReadViewSet):
            return
        action = self.view.action
        responses = operation["responses"]
        if self.method == "GET":
            for response in responses.values():
                response.setdefault("headers", {})["Cache-Control"] = cache_control_header()
            if action == "retrieve":
                responses["200"]["headers"]["ETag"] = deepcopy(ETAG_HEADER)
                operation.setdefault("parameters", []).append(deepcopy(IF_NONE_MATCH))
                responses["304"] = {
                    "description": "Not Modified: If-None-Match matched the current version. No body.",
                    "headers": {"ETag": deepcopy(ETAG_HEADER), "Cache-Control": cache_control_header()},
                }
        if isinstance(self.view, EditableViewSet) and action in ("create", "update", "partial_update"):
            for response in responses.values():
                response.setdefault("headers", {})["ETag"] = deepcopy(ETAG_HEADER)
        if isinstance(self.view, EditableViewSet) and action in ("update", "partial_update", "destroy"):
            operation.setdefault("parameters", []).append(deepcopy(IF_MATCH))
            responses["412"] = deepcopy(PRECONDITION_FAILED)

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

    target_class = "cooperation.fields.StrictDecimalField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "decimal", "pattern": self.target.pattern}


def error_components() -> dict[str, Any]:
    """The Error component (and its item), generated from the serializer that renders every error body."""
    registry = ComponentRegistry()
    view = build_mocked_view("GET", "/", extend_schema(responses=ErrorSerializer), registry)
    view.schema.resolve_serializer(ErrorSerializer, "response")
    schemas: dict[str, Any] = registry.build({})["schemas"]
    return schemas


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
    result.setdefault("components", {}).setdefault("schemas", {}).update(error_components())
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


def document_rate_limits(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every operation's 429 says when to retry, and the responses read in order of their status."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation["responses"]["429"].setdefault("headers", {})["Retry-After"] = deepcopy(RETRY_AFTER_HEADER)
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return result


# The characters Python's str.strip() removes, which DRF trims from every string before checking it is not blank.
PYTHON_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\x00]*$"
READ_ONLY_IN_REQUEST = (
    "Fields the server sets (such as id, created_at, updated_at, period_label) are not part of the request; "
    "sent anyway, they are ignored, so a representation can be sent back as it is. Any other unknown field "
    "is refused."
)


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

    Read-only fields stay out of the request components (COMPONENT_SPLIT_REQUEST), so generated clients have
    no untyped `id` to fill; the request body's description says that the server ignores them when sent.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        if not name.endswith("Request"):
            continue
        for field_schema in component.setdefault("properties", {}).values():
            free_text(field_schema)
            if field_schema.get("type") == "array":
                free_text(field_schema.get("items", {}))
        component["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # Headers are excluded: HTTP itself keeps NUL out of them.
                if parameter["in"] != "header":
                    free_text(parameter.get("schema", {}))
            if "requestBody" in operation:
                operation["requestBody"]["description"] = READ_ONLY_IN_REQUEST
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
