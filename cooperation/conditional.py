"""A conditional GET of a record that has not changed is answered first, before the rest of the stack.

Reads are public, so a 304 reveals nothing a read would not, and it needs no session, user,
throttle or view: one lookup of the row's `updated_at` by key, with a statement compiled once.
Anything else (no header, a stale tag, a route without versions, a bad id) goes on to the view,
which answers it in full and compares If-None-Match again itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import CharField, Model, QuerySet
from django.http import HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve

from cooperation.etags import not_modified, version_etag
from cooperation.pagination import MAX_DIGITS
from cooperation.representations import Statement

# Public data that changes: shared caches may keep it, and must ask (If-None-Match) before reuse.
CACHE_CONTROL = "public, no-cache"


def key_type(model: type[Model]) -> type:
    return str if isinstance(model._meta.pk, CharField) else int


@functools.cache
def version_statement(model: type[Model], alias: str) -> Statement:
    """`updated_at` of one row by key, compiled once per database: what a conditional GET reads."""

    def by_key(key: Any) -> QuerySet[Any]:
        return model._default_manager.using(alias).filter(pk=key).values_list("updated_at")

    return Statement.compile(by_key, (key_type(model),))


def current_etag(model: type[Model], raw_key: str) -> str | None:
    """The ETag of the record's current version, or None when the key is not one or has no record."""
    # isascii: str.isdigit() is also true for "²" and "٣", which no id column takes.
    if not (raw_key.isascii() and raw_key.isdigit() and len(raw_key) <= MAX_DIGITS):
        return None
    alias = model._default_manager.db
    found = version_statement(model, alias).fetch([int(raw_key)], alias)
    return version_etag(model, int(raw_key), found[0][0]) if found else None


class NotModifiedMiddleware:
    """Answer 304 to a GET or HEAD whose If-None-Match names the record's current version.

    The routes it serves say which model's versions they show (`versioned_model` on the view, set
    by `ReadViewSet.as_view`); every other request passes through untouched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        header = request.headers.get("If-None-Match")
        # With as_of the answer is an older version, which the live row's tag says nothing about.
        if header and request.method in ("GET", "HEAD") and "as_of" not in request.GET:
            etag = self.current_etag(request)
            if etag is not None and not_modified(header, etag):
                response = HttpResponseNotModified()
                response["ETag"] = etag
                response["Cache-Control"] = CACHE_CONTROL
                return response
        return self.get_response(request)

    @staticmethod
    def current_etag(request: HttpRequest) -> str | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        model = getattr(match.func, "versioned_model", None)
        return None if model is None else current_etag(model, str(match.kwargs.get("pk", "")))
