"""Shared pieces of the write-side tests: users with tokens, request bodies, the error shape."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.wsgi import application

ERROR_KEYS = {"status", "code", "detail", "errors"}

READ_ONLY_FIELDS = {"id", "period_label", "created_at", "updated_at"}


def make_user(username: str, *, editor: bool = False) -> User:
    """A user; an editor is in the `editors` group that the migration creates."""
    user = User.objects.create_user(username=username)  # no password: tokens only, and no slow hashing
    if editor:
        user.groups.add(Group.objects.get(name="editors"))
    return user


def token_client(user: User, *, enforce_csrf_checks: bool = False) -> APIClient:
    """An API client that sends a fresh knox token of the user in `Authorization: Token <key>`."""
    _, key = AuthToken.objects.create(user)
    client = APIClient(enforce_csrf_checks=enforce_csrf_checks)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def detail_url(basename: str, pk: Any) -> str:
    return reverse(f"{basename}-detail", args=[pk])


def writable(representation: dict[str, Any]) -> dict[str, Any]:
    """A record's representation without its read-only fields: a valid request body."""
    return {key: value for key, value in representation.items() if key not in READ_ONLY_FIELDS}


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    """The response is a JSON body in the one error shape, with the response's status."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert all(set(error) == {"field", "code", "message"} for error in body["errors"])
    return body


def error_fields(body: dict[str, Any]) -> set[str | None]:
    return {error["field"] for error in body["errors"]}


def wsgi_call(url, method="GET", **headers):
    """The production WSGI application's answer: (status line, headers, body).

    As Django's test client does, connections stay open across the request: closing them would end
    the test's transaction.
    """
    environ = RequestFactory().generic(method, url, **headers).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = application(environ, start_response)
        content = b"".join(body)
        getattr(body, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer.get("status"), answer.get("headers"), content
