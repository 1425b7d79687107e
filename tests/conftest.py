"""Shared test setup: the article's records are loaded once per test database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


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


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    """Throttle counts live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    return


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Every test starts from the migrated database holding the fixtures (countries, the article, its records)."""
    with django_db_blocker.unblock():
        call_command("load_records", verbosity=0)
    return


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
