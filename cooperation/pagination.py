"""Page-number pagination that refuses malformed page parameters instead of ignoring them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView


def positive_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [f"Must be a positive integer, not {raw[:50]!r}."]})
    return int(raw)


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

    def paginate_queryset(
        self, queryset: QuerySet[Any] | list[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view) or []  # type: ignore[arg-type]
