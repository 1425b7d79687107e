"""Request guards that must hold before any view runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from cooperation.errors import json_error, server_error

logger = logging.getLogger("django.request")


class ApiErrorMiddleware:
    """Keep the one error shape under /api/ even where Django would answer in HTML.

    NUL bytes are refused up front: PostgreSQL cannot store or compare them, so
    they would otherwise reach the database as a 500. Bodies over
    DATA_UPLOAD_MAX_MEMORY_SIZE are refused before they are read, here and only
    here (the one 413): DRF's parsers read the stream directly and would not
    check, and Django reads no byte past the Content-Length checked here.
    Crashes under /api/ become the JSON 500 whether DEBUG is on or off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return json_error(HTTPStatus.BAD_REQUEST, "The URL path must not contain NUL bytes.", field="path")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and content_length(request) > limit:
            return json_error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The request body is larger than {limit} bytes.",
                code="payload_too_large",
            )
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return json_error(
                    HTTPStatus.BAD_REQUEST, "Must not contain NUL bytes.", field=name.replace("\x00", "\\0")
                )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        logger.exception("Internal server error: %s", request.path, extra={"status_code": 500, "request": request})
        return server_error(request)


def content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
