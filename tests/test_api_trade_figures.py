"""Trade figures: list and detail, with the article's two figures as expected values."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import ERROR_KEYS

FIELDS = {
    "id",
    "reporter",
    "partner",
    "flow",
    "period_start",
    "period_end",
    "period_label",
    "value",
    "currency",
    "qualifier",
    "change_pct",
    "notes",
    "source",
    "source_quote",
    "created_at",
    "updated_at",
}


def test_list_returns_the_articles_two_figures_in_period_order(api_client, db):
    """Both trade figures of the article come back, earliest period first."""
    response = api_client.get(reverse("trade-figure-list"))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None
    assert body["previous"] is None
    assert [item["id"] for item in body["results"]] == [2, 1]


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each list item carries the fields the contract names, and no others."""
    response = api_client.get(reverse("trade-figure-list"))

    assert all(set(item) == FIELDS for item in response.json()["results"])


def test_detail_of_turnover_january_to_august_2024(api_client, db):
    """Turnover exceeded $131 million in Jan-Aug 2024, up 6% on the year before."""
    response = api_client.get(reverse("trade-figure-detail", args=[1]))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == FIELDS
    assert {key: body[key] for key in FIELDS - {"notes", "created_at", "updated_at"}} == {
        "id": 1,
        "reporter": "KZ",
        "partner": "HU",
        "flow": "turnover",
        "period_start": "2024-01-01",
        "period_end": "2024-08-31",
        "period_label": "2024-01/2024-08",
        "value": "131000000.00",
        "currency": "USD",
        "qualifier": "at_least",
        "change_pct": "6.00",
        "source": 1,
        "source_quote": (
            "Trade turnover between Kazakhstan and Hungary exceeded $131 million in the first eight months "
            "of this year, marking a six percent increase compared to 2023."
        ),
    }


def test_detail_of_trade_volume_2023(api_client, db):
    """Trade of $187.5 million in 2023, stated exactly, with no change given."""
    body = api_client.get(reverse("trade-figure-detail", args=[2])).json()

    assert body["reporter"] == "KZ"
    assert body["partner"] == "HU"
    assert body["flow"] == "turnover"
    assert body["period_start"] == "2023-01-01"
    assert body["period_end"] == "2023-12-31"
    assert body["period_label"] == "2023"
    assert body["value"] == "187500000.00"
    assert body["currency"] == "USD"
    assert body["qualifier"] == "exact"
    assert body["change_pct"] is None
    assert body["source_quote"] == "Last year, the two countries recorded a trade volume of $187.5 million."


@pytest.mark.parametrize("pk", [1, 2])
def test_money_and_change_are_decimal_strings(api_client, db, pk):
    """value and change_pct are never JSON numbers."""
    body = api_client.get(reverse("trade-figure-detail", args=[pk])).json()

    assert isinstance(body["value"], str)
    assert body["change_pct"] is None or isinstance(body["change_pct"], str)


def test_detail_timestamps_are_iso_8601_with_zone(api_client, db):
    """created_at and updated_at end with a zone designator."""
    body = api_client.get(reverse("trade-figure-detail", args=[1])).json()

    assert body["created_at"].endswith("Z") or body["created_at"][-6] in "+-"
    assert body["updated_at"].endswith("Z") or body["updated_at"][-6] in "+-"


def test_list_item_equals_its_detail(api_client, db):
    """A record reads the same in the list and in its detail."""
    listed = api_client.get(reverse("trade-figure-list")).json()["results"]
    detail = api_client.get(reverse("trade-figure-detail", args=[1])).json()

    assert next(item for item in listed if item["id"] == 1) == detail


@pytest.mark.parametrize("pk", [999999, 0])
def test_unknown_id_is_404_in_the_error_shape(api_client, db, pk):
    """A trade figure that does not exist is a 404 with the one error shape."""
    response = api_client.get(reverse("trade-figure-detail", args=[pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND
