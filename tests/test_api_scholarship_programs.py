"""Scholarship programs: list and detail, with the Hungarian government programme as expected values."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import ERROR_KEYS

FIELDS = {
    "id",
    "name",
    "sponsor",
    "recipient",
    "annual_grants",
    "annual_grants_qualifier",
    "students_enrolled",
    "students_enrolled_qualifier",
    "level",
    "description",
    "source",
    "source_quote",
    "created_at",
    "updated_at",
}


def test_list_returns_the_articles_programme(api_client, db):
    """The article's one scholarship programme is listed."""
    response = api_client.get(reverse("scholarship-program-list"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [1]


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each list item carries the fields the contract names, and no others."""
    response = api_client.get(reverse("scholarship-program-list"))

    assert all(set(item) == FIELDS for item in response.json()["results"])


def test_detail_of_hungarian_government_programme(api_client, db):
    """Hungary gives 250 grants a year to Kazakh students; more than a thousand study there."""
    response = api_client.get(reverse("scholarship-program-detail", args=[1]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == FIELDS
    assert body["sponsor"] == "HU"
    assert body["recipient"] == "KZ"
    assert body["annual_grants"] == 250
    assert body["annual_grants_qualifier"] == "exact"
    assert body["students_enrolled"] == 1000
    assert body["students_enrolled_qualifier"] == "at_least"
    assert body["source"] == 1
    assert body["source_quote"] == (
        "Each year, 250 Kazakh students receive grants to study at Hungary\u2019s top universities under the "
        "scholarship program of the country\u2019s government. Currently, more than a thousand of Kazakh "
        "students are studying there."
    )


def test_counts_are_json_integers(api_client, db):
    """annual_grants and students_enrolled are integers, not strings."""
    body = api_client.get(reverse("scholarship-program-detail", args=[1])).json()

    assert type(body["annual_grants"]) is int
    assert type(body["students_enrolled"]) is int


def test_list_item_equals_its_detail(api_client, db):
    """A record reads the same in the list and in its detail."""
    listed = api_client.get(reverse("scholarship-program-list")).json()["results"]
    detail = api_client.get(reverse("scholarship-program-detail", args=[1])).json()

    assert listed == [detail]


@pytest.mark.parametrize("pk", [999999, 0])
def test_unknown_id_is_404_in_the_error_shape(api_client, db, pk):
    """A programme that does not exist is a 404 with the one error shape."""
    response = api_client.get(reverse("scholarship-program-detail", args=[pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND
