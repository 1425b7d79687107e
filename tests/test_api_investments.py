"""Investments: list and detail, with the article's investments as expected values."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import ERROR_KEYS

FIELDS = {
    "id",
    "investor",
    "recipient",
    "amount",
    "currency",
    "qualifier",
    "status",
    "sectors",
    "period_start",
    "period_end",
    "period_label",
    "description",
    "source",
    "source_quote",
    "created_at",
    "updated_at",
}


def test_list_returns_the_articles_three_investments(api_client, db):
    """The realized Hungarian investment comes first; the two interests without a period follow."""
    response = api_client.get(reverse("investment-list"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [1, 2, 3]


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each list item carries the fields the contract names, and no others."""
    response = api_client.get(reverse("investment-list"))

    assert all(set(item) == FIELDS for item in response.json()["results"])


def test_detail_of_hungarian_investment_over_twenty_years(api_client, db):
    """Hungarian investment in Kazakhstan exceeded $300 million over 2004-2024."""
    response = api_client.get(reverse("investment-detail", args=[1]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == FIELDS
    assert body["investor"] == "HU"
    assert body["recipient"] == "KZ"
    assert body["amount"] == "300000000.00"
    assert body["currency"] == "USD"
    assert body["qualifier"] == "at_least"
    assert body["status"] == "realized"
    assert body["sectors"] == []
    assert body["period_start"] == "2004-01-01"
    assert body["period_end"] == "2024-12-31"
    assert body["period_label"] == "2004/2024"
    assert body["source"] == 1
    assert body["source_quote"] == (
        "Meanwhile, Hungarian investments in Kazakhstan's economy have exceeded $300 million over the past 20 years."
    )


def test_detail_of_kazakh_interest_in_hungarian_sectors(api_client, db):
    """Kazakh investors' interest in three Hungarian sectors has no amount and no period."""
    body = api_client.get(reverse("investment-detail", args=[2])).json()

    assert body["investor"] == "KZ"
    assert body["recipient"] == "HU"
    assert body["status"] == "interest"
    assert body["sectors"] == ["infrastructure", "logistics", "manufacturing"]
    assert body["amount"] is None
    assert body["period_start"] is None
    assert body["period_end"] is None
    assert body["period_label"] is None
    assert body["source_quote"] == (
        "Kazakh investors are also interested in the Hungarian market, particularly in infrastructure, "
        "logistics, and manufacturing."
    )


def test_amount_is_a_decimal_string(api_client, db):
    """amount is a string, never a JSON number."""
    body = api_client.get(reverse("investment-detail", args=[1])).json()

    assert isinstance(body["amount"], str)


def test_list_item_equals_its_detail(api_client, db):
    """A record reads the same in the list and in its detail, sectors included."""
    listed = api_client.get(reverse("investment-list")).json()["results"]
    detail = api_client.get(reverse("investment-detail", args=[2])).json()

    assert next(item for item in listed if item["id"] == 2) == detail


@pytest.mark.parametrize("pk", [999999, 0])
def test_unknown_id_is_404_in_the_error_shape(api_client, db, pk):
    """An investment that does not exist is a 404 with the one error shape."""
    response = api_client.get(reverse("investment-detail", args=[pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND
