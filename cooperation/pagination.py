"""Page-number pagination that refuses malformed page parameters instead of ignoring them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

# Longer digit strings are beyond any page or page size; int() of a huge one is slow, and past
# sys.get_int_max_str_digits() a ValueError.
MAX_DIGITS = 18


def positive_int(request: Request, name: str) -> int | None:
    """The parameter as a positive integer; a number too long to be meaningful comes back as MAX_DIGITS nines."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        raise ValidationError({name: [f"Must be a positive integer, not {raw[:50]!r}."]})
    return int(raw.lstrip("0")) if len(raw.lstrip("0")) <= MAX_DIGITS else int("9" * MAX_DIGITS)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_query_description = "Page number, from 1."
    page_size_query_description = "Results per page: default 50, at most 1000 (larger values are capped)."
    last_page_strings = ()
    invalid_page_message = "page: Page {page_number} does not exist: {message}"

    def get_page_size(self, request: Request) -> int:
        requested = positive_int(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Any] | list[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        page = positive_int(request, self.page_query_param)
        if page is not None and page >= int("9" * MAX_DIGITS):
            raw = request.query_params[self.page_query_param]
            raise NotFound(f"page: Page {raw[:30]}{'...' if len(raw) > 30 else ''} does not exist.")
        return super().paginate_queryset(queryset, request, view) or []  # type: ignore[arg-type]
