"""The front door: the API root links everything; `/` is a page for people and links for JSON clients."""

from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from cooperation.registry import RECORD_RESOURCES

RESOURCE_SEGMENTS = ["countries", "sources", *(resource.path for resource in RECORD_RESOURCES)]


def test_api_root_links_every_resource_and_the_docs(api_client, db):
    response = api_client.get("/api/v1/")

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert list(body["resources"]) == RESOURCE_SEGMENTS
    for segment, url in body["resources"].items():
        assert url == f"http://testserver/api/v1/{segment}/"
        assert api_client.get(url).status_code == HTTPStatus.OK
    assert body["docs"] == {
        "schema": "http://testserver/api/schema/",
        "swagger-ui": "http://testserver/api/docs/",
        "redoc": "http://testserver/api/redoc/",
    }
    for example in body["examples"]:
        assert api_client.get(example["url"]).status_code == HTTPStatus.OK


def test_home_answers_json_clients_with_the_same_links(api_client, db):
    response = api_client.get("/", HTTP_ACCEPT="application/json")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == api_client.get("/api/v1/").json()


def test_home_shows_people_a_page_with_every_link(client, db):
    response = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for url in ["/api/v1/", "/api/docs/", "/api/redoc/", "/admin/", "/api/v1/trade-figures/?pair=KZ,HU&amp;year=2024"]:
        assert f"http://testserver{url}" in page
    assert "<script" not in page
    assert "http://" not in page.replace("http://testserver", "")


@pytest.mark.django_db(transaction=True)
def test_home_page_in_chromium_links_to_the_api_root(open_page: Any, live_server: Any, offsite_requests) -> None:
    """A person opens /, sees what this is, and follows the API root link; nothing leaves 127.0.0.1."""
    page = open_page(15_000)
    page.goto(f"{live_server.url}/")

    assert page.locator("h1").inner_text() == "Cooperation records API"
    page.get_by_role("link", name="API root").click()
    page.wait_for_url(f"{live_server.url}{reverse('api-root')}")
    assert '"trade-figures"' in page.content()
    assert offsite_requests == []
