"""Cultural landmarks: list and detail, with the article's streets and sculpture as expected values."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import ERROR_KEYS

FIELDS = {
    "id",
    "name",
    "kind",
    "located_in",
    "city",
    "honoured_country",
    "honours",
    "established_on",
    "latitude",
    "longitude",
    "description",
    "source",
    "source_quote",
    "created_at",
    "updated_at",
}
STREETS_QUOTE = (
    "In Astana, two streets are named after this country - one was given the name of the capital, "
    "Budapest, and the other was named after the poet Sándor Petőfi."
)


def test_list_returns_the_articles_three_landmarks_by_name(api_client, db):
    """Two Astana streets and the Karcag sculpture, ordered by name."""
    response = api_client.get(reverse("cultural-landmark-list"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 3
    assert [item["name"] for item in body["results"]] == [
        "Budapest Street",
        "Dombyra sculpture",
        "Sándor Petőfi Street",
    ]


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each list item carries the fields the contract names, and no others."""
    response = api_client.get(reverse("cultural-landmark-list"))

    assert all(set(item) == FIELDS for item in response.json()["results"])


@pytest.mark.parametrize(
    ("pk", "name"),
    [(1, "Budapest Street"), (2, "Sándor Petőfi Street")],
)
def test_detail_of_astana_street_honouring_hungary(api_client, db, pk, name):
    """Each of the two Astana streets is a street in Kazakhstan that honours Hungary."""
    response = api_client.get(reverse("cultural-landmark-detail", args=[pk]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == FIELDS
    assert body["name"] == name
    assert body["kind"] == "street"
    assert body["located_in"] == "KZ"
    assert body["city"] == "Astana"
    assert body["honoured_country"] == "HU"
    assert body["source"] == 1
    assert body["source_quote"] == STREETS_QUOTE


def test_detail_of_karcag_dombyra_sculpture(api_client, db):
    """The dombyra sculpture is in Karcag, Hungary, and honours Kazakhstan."""
    body = api_client.get(reverse("cultural-landmark-detail", args=[3])).json()

    assert body["name"] == "Dombyra sculpture"
    assert body["kind"] == "sculpture"
    assert body["located_in"] == "HU"
    assert body["city"] == "Karcag"
    assert body["honoured_country"] == "KZ"
    assert body["established_on"] is None
    assert body["latitude"] is None
    assert body["longitude"] is None
    assert body["source_quote"] == (
        "In turn, a sculpture of the Kazakh national instrument, the dombyra, was installed in the "
        "Hungarian city of Karcag."
    )


def test_list_item_equals_its_detail(api_client, db):
    """A record reads the same in the list and in its detail."""
    listed = api_client.get(reverse("cultural-landmark-list")).json()["results"]
    detail = api_client.get(reverse("cultural-landmark-detail", args=[3])).json()

    assert next(item for item in listed if item["id"] == 3) == detail


@pytest.mark.parametrize("pk", [999999, 0])
def test_unknown_id_is_404_in_the_error_shape(api_client, db, pk):
    """A landmark that does not exist is a 404 with the one error shape."""
    response = api_client.get(reverse("cultural-landmark-detail", args=[pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND
