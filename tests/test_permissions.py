"""Permission matrix: every route of the URL conf, every method, every kind of caller.

The routes are read from the URL conf, not listed by hand, and each one must
have a row in EXPECTED: a new endpoint without a row fails here until someone
decides who may do what with it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.factories import TradeFigureFactory
from tests.helpers import detail_url, make_user, token_client, writable
from tests.resources import SPECS, SPECS_BY_BASENAME

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ROLES = ["anonymous", "no_permission", "editor"]

OK = HTTPStatus.OK
UNAUTHORIZED = HTTPStatus.UNAUTHORIZED
FORBIDDEN = HTTPStatus.FORBIDDEN
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED
NOT_FOUND = HTTPStatus.NOT_FOUND

# method -> (anonymous, authenticated without permission, editor)
READ_ONLY = {
    "GET": (OK, OK, OK),
    **dict.fromkeys(("POST", "PUT", "PATCH", "DELETE"), (NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
}
# A method the route does not serve is a 405 for everyone, before authentication is asked for.
COLLECTION = {
    "GET": (OK, OK, OK),
    "POST": (UNAUTHORIZED, FORBIDDEN, HTTPStatus.CREATED),
    **dict.fromkeys(("PUT", "PATCH", "DELETE"), (NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
}
ITEM = {
    "GET": (OK, OK, OK),
    "POST": (NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "PUT": (UNAUTHORIZED, FORBIDDEN, OK),
    "PATCH": (UNAUTHORIZED, FORBIDDEN, OK),
    "DELETE": (UNAUTHORIZED, FORBIDDEN, HTTPStatus.NO_CONTENT),
}
HISTORY = {
    "GET": (OK, OK, OK),
    **dict.fromkeys(("POST", "PUT", "PATCH", "DELETE"), (NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
}
UNKNOWN = dict.fromkeys(METHODS, (NOT_FOUND, NOT_FOUND, NOT_FOUND))

EXPECTED: dict[str, dict[str, tuple[int, int, int]]] = {
    "home": READ_ONLY,
    "api-root": READ_ONLY,
    "country-list": READ_ONLY,
    "country-detail": READ_ONLY,
    "country-partners": READ_ONLY,
    "country-pair": READ_ONLY,
    **{
        f"{spec.basename}-{kind}": table
        for spec in SPECS
        for kind, table in (("list", COLLECTION), ("detail", ITEM), ("history", HISTORY))
    },
    "schema": READ_ONLY,
    "swagger-ui": READ_ONLY,
    "redoc": READ_ONLY,
    "^api/": UNKNOWN,
}

# Example URLs of routes that have no name to reverse.
UNNAMED_URLS = {"^api/": "/api/v1/no-such-resource/"}
URL_ARGUMENTS = {"code": "KZ", "other": "HU"}
SKIPPED_NAMESPACES = {"admin"}  # HTML pages with their own tests (test_admin.py).


def collect_routes(resolver: URLResolver | None = None) -> dict[str, URLPattern]:
    """Every route of the URL conf by name (or pattern, if unnamed); format-suffix variants fold into one."""
    routes: dict[str, URLPattern] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace not in SKIPPED_NAMESPACES:
                routes = {**collect_routes(entry), **routes}
        else:
            routes.setdefault(entry.name or str(entry.pattern), entry)
    return routes


ROUTES = collect_routes()
OPERATIONS = [(route, method) for route in ROUTES for method in METHODS]


def client_for(role: str) -> APIClient:
    """A client as the role's caller uses it; CSRF is enforced as it is outside tests."""
    if role == "anonymous":
        return APIClient(enforce_csrf_checks=True)
    return token_client(make_user(role, editor=role == "editor"), enforce_csrf_checks=True)


def model_of(route: str) -> Any:
    view = getattr(ROUTES[route].callback, "cls", None)
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def prepare(route: str) -> tuple[str, dict[str, Any], Any]:
    """The URL to call, a valid request body, and the fresh record the route names (if any)."""
    if route in UNNAMED_URLS:
        return UNNAMED_URLS[route], {"name": "anything"}, None
    arguments = set(ROUTES[route].pattern.regex.groupindex) - {"format"}
    basename = route.rsplit("-", 1)[0]
    record = SPECS_BY_BASENAME[basename].factory() if basename in SPECS_BY_BASENAME else None
    kwargs = {name: record.pk if name == "pk" else URL_ARGUMENTS[name] for name in arguments}
    body = writable(APIClient().get(detail_url(basename, record.pk)).json()) if record else {"name": "anything"}
    return reverse(route, kwargs=kwargs), body, record


def state(route: str, record: Any) -> Any:
    """What a refused write must leave untouched: the row count, and the named record's stored fields."""
    model = model_of(route)
    if model is None:
        return None
    stored = model.objects.filter(pk=record.pk).values().first() if record else None
    return model.objects.count(), stored


def test_every_expected_row_names_an_existing_route():
    """The table has no rows for routes that no longer exist."""
    assert set(EXPECTED) == set(ROUTES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method"), OPERATIONS, ids=[f"{route}-{method}" for route, method in OPERATIONS])
def test_operation_answers_the_expected_status(db, route, method, role):
    """Reads are public; record and source writes need the model permission; reference data is read-only."""
    assert route in EXPECTED, f"No expected row for route {route!r}: add it to EXPECTED."
    expected = EXPECTED[route][method][ROLES.index(role)]
    url, body, record = prepare(route)
    client = client_for(role)
    before = state(route, record)

    call = getattr(client, method.lower())
    response = call(url) if method == "GET" else call(url, body, format="json")

    assert response.status_code == expected, response.content[:300]
    if expected == UNAUTHORIZED:
        assert response.has_header("WWW-Authenticate")
    if expected >= HTTPStatus.BAD_REQUEST:
        assert state(route, record) == before


@pytest.fixture
def session_editor_client(db):
    """An editor logged into the admin, whose browser sends the session cookie and enforces CSRF."""
    user = make_user("session-editor", editor=True)
    user.is_staff = True
    user.save()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_write_without_csrf_token_is_a_403(session_editor_client):
    """A logged-in session alone cannot write: the CSRF check refuses it in the error shape."""
    figure = TradeFigureFactory()

    response = session_editor_client.patch(detail_url("trade-figure", figure.pk), {"notes": "x"}, format="json")

    assert response.status_code == FORBIDDEN
    assert set(response.json()) == {"status", "code", "detail", "errors"}


def test_session_write_with_csrf_token_is_allowed(session_editor_client):
    """The admin session of an editor, with its CSRF token, may write through the API."""
    figure = TradeFigureFactory()
    session_editor_client.get(reverse("admin:index"))
    token = session_editor_client.cookies[settings.CSRF_COOKIE_NAME].value

    response = session_editor_client.patch(
        detail_url("trade-figure", figure.pk), {"notes": "x"}, format="json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == OK
