"""The shared response cache (Redis): answers come from it, and no read after a write is stale."""

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cooperation.models import TradeFigure
from tests.helpers import make_user, token_client


@pytest.fixture
def response_cache(settings):
    """The production setup with REDIS_URL: responses cached in Redis, shared by every worker."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/14"}
    }
    settings.RESPONSE_CACHE = True
    cache.clear()
    yield cache
    cache.clear()


def reads(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/trade-figures/1/",
        "/api/v1/trade-figures/?pair=KZ,HU",
        "/api/v1/countries/KZ/partners/HU/",
        "/api/v1/countries/KZ/",
    ],
)
def test_a_repeated_read_is_answered_from_the_cache_without_a_query(api_client, db, response_cache, url):
    first, first_queries = reads(api_client, url)
    second, second_queries = reads(api_client, url)

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert first_queries > 0
    assert second_queries == 0
    assert second.json() == first.json()
    assert second.get("ETag") == first.get("ETag")


@pytest.mark.django_db(transaction=True)
def test_no_read_is_stale_after_a_successful_write(response_cache):
    """Detail, list and profile were cached; after a PATCH every one answers the new value.

    Transactional: the generation moves when the write commits, as in production.
    """
    editor_client = token_client(make_user("cache-editor", editor=True))
    reader = APIClient()
    detail, listing, profile = (
        "/api/v1/trade-figures/1/",
        "/api/v1/trade-figures/?pair=KZ,HU",
        "/api/v1/countries/KZ/partners/HU/",
    )
    for url in (detail, listing, profile):
        reader.get(url)
        assert reads(reader, url)[1] == 0  # now cached

    response = editor_client.patch(detail, {"value": "131500000.00"}, format="json")
    assert response.status_code == HTTPStatus.OK

    assert reader.get(detail).json()["value"] == "131500000.00"
    assert reader.get(detail)["ETag"] == response["ETag"]
    assert "131500000.00" in {item["value"] for item in reader.get(listing).json()["results"]}
    assert "131500000.00" in {item["value"] for item in reader.get(profile).json()["trade_figures"]["recent"]}


def test_a_write_outside_the_api_invalidates_too(api_client, db, response_cache, django_capture_on_commit_callbacks):
    """The admin and the commands save models: the signal bumps the generation on commit."""
    url = "/api/v1/trade-figures/?pair=KZ,HU"
    before = api_client.get(url).json()["count"]
    figure = TradeFigure.objects.get(pk=2)
    figure.pk = None
    with django_capture_on_commit_callbacks(execute=True):
        figure.save()

    assert api_client.get(url).json()["count"] == before + 1


def test_a_conditional_read_of_a_cached_detail_is_a_304(api_client, db, response_cache):
    url = reverse("trade-figure-detail", args=[1])
    etag = api_client.get(url)["ETag"]

    response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED


def test_errors_and_the_browsable_api_are_not_cached(api_client, db, response_cache):
    assert reads(api_client, "/api/v1/trade-figures/?reporter=XX")[0].status_code == HTTPStatus.BAD_REQUEST
    assert reads(api_client, "/api/v1/trade-figures/?reporter=XX")[1] >= 0
    html = api_client.get("/api/v1/trade-figures/1/", HTTP_ACCEPT="text/html")
    assert html.status_code == HTTPStatus.OK
    assert html["Content-Type"].startswith("text/html")
    assert reads(api_client, "/api/v1/trade-figures/1/", HTTP_ACCEPT="text/html")[1] > 0


def test_entries_are_filled_from_the_primary_right_after_a_write(rf, settings, response_cache):
    """A lagging replica's old answer must not be stored under the generation a write just opened."""
    from rest_framework.request import Request

    from cooperation import response_cache as module
    from cooperation.representations import ORJSONRenderer

    settings.REPLICA_LAG_SECONDS = 5
    request = Request(rf.get("/api/v1/trade-figures/"))
    request.accepted_renderer = ORJSONRenderer()
    assert not module.slot(request).from_primary

    module.bump_generation()

    assert module.slot(request).from_primary
    settings.REPLICA_LAG_SECONDS = 0
    assert not module.slot(request).from_primary
