"""API tokens: created by a command and shown once, stored as a digest, expiring, revocable."""

from __future__ import annotations

import datetime
from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import TradeFigureFactory
from tests.helpers import assert_error_shape, detail_url, make_user


@pytest.fixture
def editor(db):
    return make_user("editor", editor=True)


def create_token(username: str, *args: str) -> str:
    """Run the command and return what it printed on stdout."""
    out, err = StringIO(), StringIO()
    call_command("create_token", username, *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def patch_value(client: APIClient, figure) -> object:
    """A write only an authenticated editor may make."""
    return client.patch(detail_url("trade-figure", figure.pk), {"value": "1.00"}, format="json")


def test_command_prints_a_token_that_authenticates(editor):
    """The printed token, sent as `Authorization: Token <key>`, lets the editor write."""
    token = create_token(editor.username)
    figure = TradeFigureFactory()

    response = patch_value(client_with(token), figure)

    assert response.status_code == HTTPStatus.OK


def test_command_prints_only_the_token_on_stdout(editor):
    """stdout carries the token alone (one line, no spaces), so scripts can capture it."""
    token = create_token(editor.username)

    assert token
    assert len(token.split()) == 1


def test_command_creates_one_token_row_for_the_user(editor):
    """Each run adds one token of that user."""
    create_token(editor.username)

    assert AuthToken.objects.filter(user=editor).count() == 1


def test_database_stores_a_digest_not_the_token(editor):
    """No column holds the token; the digest is its hash."""
    token = create_token(editor.username)

    row = AuthToken.objects.get(user=editor)
    assert row.digest == hash_token(token)
    assert row.digest != token
    stored_values = [str(value) for value in AuthToken.objects.filter(pk=row.pk).values().get().values()]
    assert all(token not in value for value in stored_values)


def test_command_token_expires_in_90_days_by_default(editor):
    """Without --days the token expires after the documented 90 days."""
    create_token(editor.username)

    expiry = AuthToken.objects.get(user=editor).expiry
    assert abs(expiry - (timezone.now() + datetime.timedelta(days=90))) < datetime.timedelta(minutes=1)


def test_command_days_zero_makes_a_token_that_never_expires(editor):
    """--days 0 is a token without expiry."""
    create_token(editor.username, "--days", "0")

    assert AuthToken.objects.get(user=editor).expiry is None


def test_expired_token_gets_401(editor):
    """A token past its expiry no longer authenticates: 401 with a challenge, and nothing changes."""
    token = create_token(editor.username)
    AuthToken.objects.filter(user=editor).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    figure = TradeFigureFactory()

    response = patch_value(client_with(token), figure)

    assert_error_shape(response, HTTPStatus.UNAUTHORIZED)
    assert response.has_header("WWW-Authenticate")
    figure.refresh_from_db()
    assert str(figure.value) != "1.00"


def test_revoked_token_gets_401(editor):
    """Deleting the token's row revokes it."""
    token = create_token(editor.username)
    AuthToken.objects.filter(user=editor).delete()

    response = patch_value(client_with(token), TradeFigureFactory())

    assert_error_shape(response, HTTPStatus.UNAUTHORIZED)


def test_revoking_one_token_keeps_the_users_other_tokens(editor):
    """Tokens are revoked one by one."""
    first = create_token(editor.username)
    second = create_token(editor.username)
    AuthToken.objects.get(digest=hash_token(first)).delete()

    response = patch_value(client_with(second), TradeFigureFactory())

    assert response.status_code == HTTPStatus.OK


def test_a_token_that_was_never_issued_gets_401(db):
    """A made-up token is refused, even on a public read."""
    response = client_with("0" * 64).get(reverse("trade-figure-list"))

    assert_error_shape(response, HTTPStatus.UNAUTHORIZED)


def test_unknown_user_is_a_command_error(db):
    """The command names the user it could not find, and creates nothing."""
    with pytest.raises(CommandError, match="nobody"):
        create_token("nobody")

    assert not AuthToken.objects.exists()


def test_negative_days_is_a_command_error(editor):
    """--days below 0 is refused."""
    with pytest.raises(CommandError, match="--days"):
        create_token(editor.username, "--days", "-1")
