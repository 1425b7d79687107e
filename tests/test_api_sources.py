"""Sources: the article, with its full text, so every quote can be checked."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import ERROR_KEYS
from tests.resources import RECORD_MODELS

FIELDS = {"id", "title", "publisher", "url", "published_on", "language", "text", "created_at", "updated_at"}


def test_list_returns_the_article(api_client, db):
    """The article is the one source of the fixtures."""
    response = api_client.get(reverse("source-list"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [1]


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each source carries the fields the contract names, and no others."""
    response = api_client.get(reverse("source-list"))

    assert all(set(item) == FIELDS for item in response.json()["results"])


def test_detail_of_the_article(api_client, db):
    """The article is in English, has no stated publication date, and keeps its title."""
    response = api_client.get(reverse("source-detail", args=[1]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == FIELDS
    assert body["title"] == "Kazakhstan, Hungary expand cooperation"
    assert body["language"] == "en"
    assert body["published_on"] is None


def test_detail_text_holds_every_quote_of_the_article_records(api_client, db):
    """The full text contains the quote of every record that cites it."""
    text = api_client.get(reverse("source-detail", args=[1])).json()["text"]

    quotes = [quote for model in RECORD_MODELS for quote in model.objects.values_list("source_quote", flat=True)]
    assert len(quotes) == 10
    assert all(quote in text for quote in quotes)


@pytest.mark.parametrize("pk", [999999, 0])
def test_unknown_id_is_404_in_the_error_shape(api_client, db, pk):
    """A source that does not exist is a 404 with the one error shape."""
    response = api_client.get(reverse("source-detail", args=[pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND
