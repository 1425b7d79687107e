"""Rates per anonymous client, per reader and per writer, answered with 429 and Retry-After."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    return set_rates


@pytest.fixture
def editor_client(db):
    user = User.objects.create_user("throttled-editor")
    user.groups.add(Group.objects.get(name="editors"))
    _, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_anonymous_reads_over_the_rate_get_429_with_retry_after(api_client, db, rates):
    rates(anon="2/min", user="100/min", writes="100/min")
    url = reverse("country-list")
    assert [api_client.get(url).status_code for _ in range(2)] == [HTTPStatus.OK, HTTPStatus.OK]
    response = api_client.get(url)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["status"] == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json()["code"] == "throttled"


def test_editor_writes_are_counted_apart_from_reads(editor_client, rates):
    """An editor who used up the read rate can still write."""
    rates(anon="100/min", user="1/min", writes="5/min")
    url = reverse("source-list")
    assert editor_client.get(url).status_code == HTTPStatus.OK
    assert editor_client.get(url).status_code == HTTPStatus.TOO_MANY_REQUESTS
    body = {"title": "Bulletin", "language": "en", "text": "Trade grew."}
    assert editor_client.post(url, body, format="json").status_code == HTTPStatus.CREATED


def test_editor_writes_over_the_write_rate_get_429(editor_client, rates):
    rates(anon="100/min", user="100/min", writes="2/min")
    url = reverse("source-list")
    body = {"title": "Bulletin", "language": "en", "text": "Trade grew."}
    statuses = [editor_client.post(url, body, format="json").status_code for _ in range(3)]
    assert statuses == [HTTPStatus.CREATED, HTTPStatus.CREATED, HTTPStatus.TOO_MANY_REQUESTS]
