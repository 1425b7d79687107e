"""A conditional GET of a record that has not changed is answered first, before Django's handler.

Reads are public, so a 304 reveals nothing a read would not, and it needs no session, user,
throttle, middleware or view: one lookup of the row's `updated_at` by key, with a statement
compiled once. Django's request handling around that lookup (its request signals, the middleware
chain, response headers) cost more than the lookup itself, more than half of a full answer; so the
304 is answered by a WSGI wrapper around Django (`config/wsgi.py`). Anything else (no header, a stale
tag, a query string such as `as_of`, a route without versions, a bad id, a database error) goes on
to Django, whose view answers it in full and compares If-None-Match again itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import Error
from django.db.models import CharField, Model, QuerySet
from django.http import HttpResponseNotModified
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve

from cooperation.etags import not_modified, version_etag
from cooperation.pagination import MAX_DIGITS
from cooperation.representations import Statement

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication

# Public data that changes: shared caches may keep it, and must ask (If-None-Match) before reuse.
CACHE_CONTROL = "public, no-cache"
# What a record's full answer varies on: DRF's content negotiation, and the session (the browsable API).
VARY = "Accept, Cookie"


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


class NotModifiedApp:
    """WSGI: answer 304 to a GET or HEAD whose If-None-Match names the record's current version.

    The routes it serves say which model's versions they show (`versioned_model` on the view, set
    by `ReadViewSet.as_view`); every other request goes to Django untouched. The 304 carries what the
    full answer would (RFC 9110, 15.4.5): its ETag, Cache-Control and Vary, and SecurityMiddleware's
    headers, which that middleware itself adds.
    """

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.security = SecurityMiddleware(lambda request: HttpResponseNotModified())

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        header = environ.get("HTTP_IF_NONE_MATCH")
        # A query string may ask for an older version (as_of) or another format: the view decides.
        if header and environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not environ.get("QUERY_STRING"):
            request = WSGIRequest(environ)
            etag = self.unchanged_etag(request, header)
            if etag is not None:
                response = HttpResponseNotModified()
                response["ETag"] = etag
                response["Cache-Control"] = CACHE_CONTROL
                response["Vary"] = VARY
                self.security.process_response(request, response)
                start_response("304 Not Modified", list(response.items()))
                return []
        return self.application(environ, start_response)

    @staticmethod
    def unchanged_etag(request: WSGIRequest, header: str) -> str | None:
        """The record's ETag when If-None-Match names it, else None (Django answers)."""
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None  # SecurityMiddleware redirects it to https first
        collection, slash, raw_key = request.path_info.removesuffix("/").rpartition("/")
        if not (slash and request.path_info.endswith("/")):
            return None
        model = versioned_model_under(collection + slash)
        if model is None:
            return None
        # A request to Django's receivers, as its handler sends them: connections past CONN_MAX_AGE or
        # broken by an error are closed, so this path never keeps one that Django would have closed.
        request_started.send(sender=NotModifiedApp, environ=request.environ)
        try:
            etag = current_etag(model, raw_key)
        except Error:  # any of the database's (InterfaceError is not a DatabaseError)
            return None  # Django's handler meets the same error and answers it
        finally:
            request_finished.send(sender=NotModifiedApp)
        return etag if etag is not None and not_modified(header, etag) else None


@functools.lru_cache(maxsize=256)
def versioned_model_under(collection: str) -> type[Model] | None:
    """The model whose versions the detail route `<collection><pk>/` shows, or None if there is none.

    Resolved once per collection ("/api/v1/trade-figures/"), not once per request: resolving the URL
    conf cost a third of a 304's CPU. A detail route takes any key in that segment, so "0" stands for
    every key; `current_etag` then accepts only digits. Bounded, since the paths are the client's.
    """
    try:
        match = resolve(f"{collection}0/")
    except Resolver404:
        return None
    if match.kwargs != {"pk": "0"}:
        return None
    return getattr(match.func, "versioned_model", None)
