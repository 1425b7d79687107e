"""Shared test setup.

Every test database holds what `make run` serves: the migrations' data (the
`editors` group) and the fixtures (countries, the article, its records).
Transactional tests end with a flush that empties it, so each one starts by
putting that data back.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from rest_framework.test import APIClient

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, headless as root, with nothing that reaches out to the network by itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests render admin and docs pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    # Throttle counts in memory, cleared before each test (the database cache would need the db fixture).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The suite sends far more requests than a client would; throttling tests set their own rates.
    rates = {"anon": "100000/min", "user": "100000/min", "writes": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # Users are made by the hundred; a fast hasher keeps that cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_database() -> None:
    """Load the fixtures and make the `editors` group with the migration's own function."""
    from cooperation.models import Source

    if not Source.objects.exists():
        # A flush empties the tables but leaves the id sequences where they were; the article's records
        # take the ids that the tests and fixtures/README.md name (1, 2, ...), as on a fresh database.
        reset_id_sequences()
        call_command("load_records", verbosity=0)
    migration = importlib.import_module("cooperation.migrations.0002_editors_group")
    state_apps = MigrationLoader(connection).project_state(("cooperation", "0002_editors_group")).apps
    migration.create_editors_group(state_apps, None)


def reset_id_sequences() -> None:
    statements = connection.ops.sequence_reset_by_name_sql(no_style(), connection.introspection.sequence_list())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        seed_database()


@pytest.fixture(autouse=True)
def _seeded_after_flush(request: pytest.FixtureRequest) -> None:
    """A transactional test starts from the seeded database even if an earlier one flushed it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        seed_database()


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    """Throttle counts live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module. Playwright's sync API keeps an event loop in this thread,
    which trips Django's async-unsafe guard on every ORM call while the browser is open."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def offsite_requests() -> list[str]:
    """URLs the pages tried to fetch from anywhere but the live server (all blocked)."""
    return []


@pytest.fixture
def open_page(browser: Any, live_server: Any, offsite_requests: list[str]) -> Iterator[Callable[[int], Any]]:
    """`open_page(timeout_ms)` gives a page whose requests to any host but the live server are aborted."""
    contexts: list[Any] = []
    live_host = urlsplit(live_server.url).netloc

    def only_live_server(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == live_host:
            route.continue_()
        else:
            offsite_requests.append(url)
            route.abort()

    def open_page(timeout_ms: int = 10_000) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(timeout_ms)
        context.route("**/*", only_live_server)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
