"""The one error shape, produced here for every 4xx and 5xx the API answers.

    {"status": 400, "code": "invalid", "detail": "year: Enter a number.",
     "errors": [{"field": "year", "code": "invalid", "message": "Enter a number."}]}

`detail` is one human-readable line naming every parameter or field at
fault; `errors` lists them one by one for programs (`field` is null for
errors that concern the request as a whole).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import csrf
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("django.request")


def error_body(status_code: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"status": status_code, "code": code, "detail": detail, "errors": errors or []}


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
    """DRF's exception handler: every handled exception leaves in the one error shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        blocking = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        exc = Conflict(f"Cannot delete: {len(blocking)} records still refer to it.")
    elif isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered with 409: %s", exc)
        exc = Conflict("The change conflicts with the stored data (a database constraint refused it).")

    if not isinstance(exc, exceptions.APIException):
        return None

    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = summary(errors)
    else:
        errors = []
        detail = str(exc.detail)
    set_rollback()
    return Response(error_body(exc.status_code, _code(exc), detail, errors), status=exc.status_code, headers=headers)


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(exc, exceptions.ValidationError) or not isinstance(codes, str):
        return "invalid"
    return codes


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the record."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


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
