"""Countries: all ISO 3166-1 entries, paginated, with case-insensitive detail URLs."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.helpers import ERROR_KEYS

FIELDS = {"code", "alpha3", "numeric", "name", "official_name"}
KAZAKHSTAN = {
    "code": "KZ",
    "alpha3": "KAZ",
    "numeric": "398",
    "name": "Kazakhstan",
    "official_name": "Republic of Kazakhstan",
}
HUNGARY = {"code": "HU", "alpha3": "HUN", "numeric": "348", "name": "Hungary", "official_name": "Hungary"}


def test_list_counts_all_249_iso_countries(api_client, db):
    """Every ISO 3166-1 country is listed."""
    response = api_client.get(reverse("country-list"))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 249


def test_list_first_page_holds_the_default_50(api_client, db):
    """Without page_size a page holds 50 countries and links to the next page."""
    body = api_client.get(reverse("country-list")).json()

    assert len(body["results"]) == 50
    assert body["previous"] is None
    assert body["next"].endswith(reverse("country-list") + "?page=2")


def test_list_last_page_holds_the_remainder(api_client, db):
    """Page 5 of 50 holds the last 49 countries and has no next page."""
    body = api_client.get(reverse("country-list"), {"page": 5}).json()

    assert len(body["results"]) == 49
    assert body["next"] is None
    assert body["previous"] is not None


def test_page_size_returns_every_country_once(api_client, db):
    """page_size=1000 returns all 249 distinct codes on one page."""
    body = api_client.get(reverse("country-list"), {"page_size": 1000}).json()

    codes = [item["code"] for item in body["results"]]
    assert len(codes) == 249
    assert len(set(codes)) == 249


def test_pages_do_not_overlap(api_client, db):
    """Walking the pages yields each country exactly once."""
    codes = []
    for page in range(1, 6):
        codes += [item["code"] for item in api_client.get(reverse("country-list"), {"page": page}).json()["results"]]

    assert len(codes) == 249
    assert len(set(codes)) == 249


def test_list_is_ordered_by_name(api_client, db):
    """The default order is by name (checked on plain ASCII names, which sort alike under every collation)."""
    names = [item["name"] for item in api_client.get(reverse("country-list"), {"page_size": 1000}).json()["results"]]

    plain = [name for name in names if name.isascii() and name.replace(" ", "").isalpha()]
    assert len(plain) > 200
    assert plain == sorted(plain, key=str.casefold)
    assert names[0] == "Afghanistan"


def test_list_items_have_exactly_the_contract_fields(api_client, db):
    """Each country carries code, alpha3, numeric, name and official_name, and no others."""
    body = api_client.get(reverse("country-list"), {"page_size": 1000}).json()

    assert all(set(item) == FIELDS for item in body["results"])


def test_codes_are_upper_case_and_numerics_three_digits(api_client, db):
    """Codes are returned upper-case; numeric is a three-digit string."""
    body = api_client.get(reverse("country-list"), {"page_size": 1000}).json()

    assert all(len(item["code"]) == 2 and item["code"].isupper() for item in body["results"])
    assert all(len(item["alpha3"]) == 3 and item["alpha3"].isupper() for item in body["results"])
    assert all(len(item["numeric"]) == 3 and item["numeric"].isdigit() for item in body["results"])


@pytest.mark.parametrize(("code", "expected"), [("KZ", KAZAKHSTAN), ("HU", HUNGARY)])
def test_detail_by_upper_case_code(api_client, db, code, expected):
    """The detail of a country is found by its alpha-2 code."""
    response = api_client.get(reverse("country-detail", args=[code]))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == expected


@pytest.mark.parametrize("code", ["kz", "Kz", "kZ"])
def test_detail_code_is_case_insensitive(api_client, db, code):
    """/countries/kz/ answers the same as /countries/KZ/, with the code upper-case."""
    response = api_client.get(reverse("country-detail", args=[code]))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == KAZAKHSTAN


@pytest.mark.parametrize("code", ["XX", "zz", "kazz", "K", "999", "39", "3980"])
def test_unknown_code_is_404_in_the_error_shape(api_client, db, code):
    """A code that names no country is a 404 with the one error shape."""
    response = api_client.get(f"{reverse('country-list')}{code}/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["status"] == HTTPStatus.NOT_FOUND


def test_responses_are_json(api_client, db):
    """The API answers in JSON."""
    response = api_client.get(reverse("country-detail", args=["KZ"]))

    assert response["Content-Type"].startswith("application/json")
