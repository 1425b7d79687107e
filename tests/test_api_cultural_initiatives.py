"""Cultural initiatives: list and detail, with the Bars foundation as expected values."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import CulturalInitiativeFactory
from tests.helpers import ERROR_KEYS

FIELDS = {
    "id",
    "name",
    "kind",
    "countries",
    "established_on",
    "description",
    "source",
    "source_quote",
    "created_at",
    "updated_at",
}


def test_list_returns_the_bars_foundation(api_client, db):
    """The article's one cultural initiative is listed."""
    response = api_client.get(reverse("cultural-initiative-list"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [1]


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each list item carries the fields the contract names, and no others."""
    response = api_client.get(reverse("cultural-initiative-list"))

    assert all(set(item) == FIELDS for item in response.json()["results"])


def test_detail_of_bars_foundation(api_client, db):
    """The joint Bars foundation of Hungary and Kazakhstan publishes Kazakh writers."""
    response = api_client.get(reverse("cultural-initiative-detail", args=[1]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == FIELDS
    assert body["name"] == "Bars foundation"
    assert body["kind"] == "foundation"
    assert body["countries"] == ["HU", "KZ"]
    assert body["established_on"] is None
    assert body["source"] == 1
    assert body["source_quote"] == (
        "The joint «Bars» foundation promotes the work of Kazakh writers, with a number of publications "
        "of domestic authors already released."
    )


def test_countries_are_sorted_codes(api_client, db):
    """Participating countries come back as sorted codes whatever order they were added in."""
    initiative = CulturalInitiativeFactory(countries=["KZ", "DE", "AT"])

    body = api_client.get(reverse("cultural-initiative-detail", args=[initiative.pk])).json()

    assert body["countries"] == ["AT", "DE", "KZ"]


def test_list_item_equals_its_detail(api_client, db):
    """A record reads the same in the list and in its detail."""
    listed = api_client.get(reverse("cultural-initiative-list")).json()["results"]
    detail = api_client.get(reverse("cultural-initiative-detail", args=[1])).json()

    assert listed == [detail]


@pytest.mark.parametrize("pk", [999999, 0])
def test_unknown_id_is_404_in_the_error_shape(api_client, db, pk):
    """An initiative that does not exist is a 404 with the one error shape."""
    response = api_client.get(reverse("cultural-initiative-detail", args=[pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND
