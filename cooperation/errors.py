"""The one error shape, produced here for every 4xx and 5xx the API answers.

    {"status": 400, "code": "invalid", "detail": "year: Enter a number.",
     "errors": [{"field": "year", "code": "invalid", "message": "Enter a number."}]}

`detail` is one human-readable line naming every parameter or field at
fault; `errors` lists them one by one for programs (`field` is null for
errors that concern the request as a whole).
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status, views
from rest_framework.response import Response

logger = logging.getLogger("django.request")


class ErrorItemSerializer(serializers.Serializer[dict[str, Any]]):
    field = serializers.CharField(
        allow_null=True, help_text="Parameter or field at fault (dotted when nested); null for the whole request."
    )
    code = serializers.CharField(help_text="Machine-readable error code.")
    message = serializers.CharField(help_text="What is wrong.")


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    """The one error shape of every 4xx and 5xx response."""

    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(help_text="Machine-readable error code.")
    detail = serializers.CharField(help_text="One human-readable line naming every parameter or field at fault.")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # Declared here, not as a class attribute, where it would hide the Serializer.errors property from mypy.
        fields = super().get_fields()
        fields["errors"] = ErrorItemSerializer(
            many=True, help_text="The errors one by one; empty when the error concerns no single field."
        )
        return fields


def error_body(status_code: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    # Rendered through the serializer the schema documents, so the two cannot drift apart.
    body = {"status": status_code, "code": code, "detail": detail, "errors": errors or []}
    return dict(ErrorSerializer(body).data)


def flatten_errors(data: Any, field: str | None = None) -> list[dict[str, Any]]:
    """Turn DRF's nested error dicts and lists into one flat list with dotted field paths."""
    if isinstance(data, dict):
        items: list[dict[str, Any]] = []
        for key, value in data.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            items += flatten_errors(value, f"{field}.{name}" if field and name else (name or field))
        return items
    if isinstance(data, list):
        if all(isinstance(item, str) for item in data):
            return [_one_error(item, field) for item in data]
        items = []
        for index, item in enumerate(data):
            items += flatten_errors(item, f"{field}.{index}" if field else str(index))
        return items
    return [_one_error(data, field)]


def _one_error(message: Any, field: str | None) -> dict[str, Any]:
    return {"field": field, "code": getattr(message, "code", None) or "invalid", "message": str(message)}


def summary(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's own handler (status, WWW-Authenticate, Retry-After, rollback), its body reshaped into the one error shape.

    None, for an exception neither handler knows, lets it propagate: ApiErrorMiddleware logs it and answers 500.
    """
    exc = as_api_exception(exc)
    response = views.exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError) or not is_one_detail(data):
        errors = flatten_errors(data)
        detail = summary(errors)
        code = "invalid" if isinstance(exc, exceptions.ValidationError) else str(getattr(exc, "default_code", "error"))
    else:
        errors = []
        detail = str(data["detail"])
        code = getattr(data["detail"], "code", None) or "error"
    response.data = error_body(response.status_code, code, detail, errors)
    return response


def is_one_detail(data: Any) -> bool:
    """DRF's body for an error about the whole request: {"detail": "..."}."""
    return isinstance(data, dict) and set(data) == {"detail"} and isinstance(data["detail"], str)


def as_api_exception(exc: Exception) -> Exception:
    """The Django and database errors that are the client's to fix, as the DRF exceptions that say so."""
    if isinstance(exc, DjangoValidationError):
        # Raised by a model's save(), which checks again what clean() checked, with the rows it depends on locked.
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        blocking = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        return Conflict(f"Cannot delete: {len(blocking)} records still refer to it.")
    if isinstance(exc, IntegrityError):
        # Only a value another row already holds is a conflict; any other refusal means validation let
        # through what the database forbids, a bug: it stays an exception, logged and answered with 500.
        return unique_conflict(exc) or exc
    return exc


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the record."
    default_code = "conflict"


# PostgreSQL's detail of a unique violation: 'Key (alpha3)=(KAZ) already exists.'
POSTGRESQL_UNIQUE_KEY = re.compile(r"Key \((?P<columns>[^()]+)\)=")
# SQLite's message: 'UNIQUE constraint failed: cooperation_country.alpha3[, table.column...]'.
SQLITE_UNIQUE_KEY = re.compile(r"UNIQUE constraint failed: (?P<table>\w+)\.(?P<columns>\w+(?:, \w+\.\w+)*)$")
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def unique_conflict(exc: IntegrityError) -> Conflict | None:
    """The 409 naming the fields of the unique key `exc` violates; None for any other integrity error."""
    key = violated_unique_key(exc)
    model = next((model for model in apps.get_models() if key and model._meta.db_table == key[0]), None)
    if key is None or model is None:
        return None
    names = {field.column: field.name for field in model._meta.concrete_fields}
    fields = [names.get(column, column) for column in key[1]]
    message = f"Another {model._meta.verbose_name} already has this {' and '.join(fields)}."
    return Conflict(dict.fromkeys(fields, message), code="unique")


def violated_unique_key(exc: IntegrityError) -> tuple[str, list[str]] | None:
    """(table, columns) of the unique key `exc` violates, read from the database's own error."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL, through psycopg
        match = POSTGRESQL_UNIQUE_KEY.match(diag.message_detail or "")
        if getattr(cause, "sqlstate", None) != UNIQUE_VIOLATION or match is None:
            return None
        # A column whose name is an SQL keyword comes quoted: Key ("numeric")=(398).
        return diag.table_name, [column.strip('"') for column in match["columns"].split(", ")]
    match = SQLITE_UNIQUE_KEY.match(str(exc))
    if match is None:
        return None
    return match["table"], [column.rsplit(".")[-1] for column in match["columns"].split(", ")]


def json_error(status_code: int, detail: str, code: str | None = None, field: str | None = None) -> JsonResponse:
    """An error response outside DRF's views (middleware, Django's error handlers)."""
    code = code or ("invalid" if field else HTTPStatus(status_code).phrase.lower().replace(" ", "_"))
    errors = [{"field": field, "code": code, "message": detail}] if field else []
    return JsonResponse(
        error_body(status_code, code, f"{field}: {detail}" if field else detail, errors), status=status_code
    )


# Django's handlers for errors raised outside DRF (unknown URLs, crashes).
def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(HTTPStatus.BAD_REQUEST, "Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(HTTPStatus.FORBIDDEN, "You do not have permission to perform this action.")


# Exempt: it writes nothing, and a POST to an unknown URL must be a 404 rather than a CSRF refusal.
@csrf_exempt
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(HTTPStatus.NOT_FOUND, f"No resource at {request.path}.", code="not_found")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the one error shape under /api/, Django's page elsewhere (the admin)."""
    if request.path.startswith("/api/"):
        return json_error(HTTPStatus.FORBIDDEN, f"CSRF check failed: {reason}", code="permission_denied")
    return csrf.csrf_failure(request, reason)


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error(
        HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error. It has been logged.", code="server_error"
    )
