"""Rates per anonymous client, per reader and per writer, answered with 429 and Retry-After."""

import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
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


def test_an_editor_reading_with_a_token_is_counted_per_user(editor_client, api_client, rates):
    """The schema lets clients send a token on reads: the read is then the user's, at the users' rate."""
    rates(anon="1/min", user="3/min", writes="100/min")
    url = reverse("country-list")
    statuses = [editor_client.get(url).status_code for _ in range(4)]
    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    # The same address, without the token: its own anonymous count, untouched by the editor's reads.
    assert [api_client.get(url).status_code for _ in range(2)] == [HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
    # A second editor from the same address has a count of their own.
    other = User.objects.create_user("other-throttled-editor")
    _, token = AuthToken.objects.create(other)
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert other_client.get(url).status_code == HTTPStatus.OK


@pytest.fixture
def redis_cache(settings):
    """The production setup with REDIS_URL: counts in Redis, which every worker shares."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}
    }
    cache.clear()
    yield cache
    cache.clear()


def test_counts_live_in_redis_when_configured(api_client, db, rates, redis_cache):
    rates(anon="1/min", user="100/min", writes="100/min")
    url = reverse("country-list")
    assert api_client.get(url).status_code == HTTPStatus.OK
    [key] = redis_cache._cache.get_client().keys("*throttle_anon_127.0.0.1_*")
    # A second worker has its own client and connection, and sees the same count.
    other_worker = RedisCache("redis://127.0.0.1:6379/15", {})
    assert other_worker._cache.get_client().get(key) == b"1"
    assert api_client.get(url).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_read_writes_nothing_to_the_database(api_client, db, django_assert_num_queries):
    """Without Redis the counts stay in the worker's memory: a throttled read runs only its own query."""
    api_client.get(reverse("country-detail", args=["KZ"]))
    with django_assert_num_queries(1) as captured:
        api_client.get(reverse("country-detail", args=["KZ"]))
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in captured.captured_queries)


def test_settings_choose_redis_only_when_redis_url_is_set():
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}

    def backend(**extra):
        command = [sys.executable, "manage.py", "shell", "-c", code]
        result = subprocess.run(
            command, cwd=django_settings.BASE_DIR, env={**env, **extra}, capture_output=True, text=True
        )
        return result.stdout.strip().splitlines()[-1]

    assert backend() == "django.core.cache.backends.locmem.LocMemCache"
    assert backend(REDIS_URL="redis://127.0.0.1:6379/0") == "django.core.cache.backends.redis.RedisCache"
