"""Country codes: alpha-2, alpha-3 and numeric, in any case, wherever a code is accepted; alpha-2 in every answer."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cooperation import models
from cooperation.countries import alpha2_code, known_country_codes
from cooperation.fields import COUNTRY_CODE_PATTERN, parse_country_code
from cooperation.registry import RECORD_RESOURCES
from tests.factories import SourceFactory
from tests.helpers import assert_error_shape, detail_url, error_fields, make_user, token_client

KAZAKHSTAN_FORMS = ["KZ", "kz", "Kz", "KAZ", "kaz", "kAz", "398", " KAZ ", " 398"]
HUNGARY_FORMS = ["HU", "hu", "HUN", "hun", "348"]
# Codes of no ISO 3166-1 form: too long or short, other digits or letters, signs, inner spaces.
NOT_CODES = [
    *["K", "KAZA", "39", "3980", "K Z", "+398", "-398", "0x1", "3.9"],
    # Arabic-Indic digits, full-width letters, a combining accent, a newline, a tab
    *["\u0663\u0669\u0668", "\uff2b\uff3a", "K\u0301Z", "KZ\n", "\tKZ"],
]
# Well-formed codes that name no country.
UNKNOWN_CODES = ["XX", "xx", "XXX", "999", "000"]

RECORD_LISTS = [f"{resource.basename}-list" for resource in RECORD_RESOURCES]
COUNTRY_FILTERS = [
    *[(route, "country") for route in RECORD_LISTS],
    ("trade-figure-list", "reporter"),
    ("trade-figure-list", "partner"),
    ("investment-list", "investor"),
    ("investment-list", "recipient"),
    ("cultural-landmark-list", "located_in"),
    ("cultural-landmark-list", "honoured_country"),
    ("scholarship-program-list", "sponsor"),
    ("scholarship-program-list", "recipient"),
]


def ids(response: Any) -> list[Any]:
    return [item["id"] for item in response.json()["results"]]


# --- the one rule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", KAZAKHSTAN_FORMS)
def test_every_form_of_a_code_reads_as_alpha_2(db, code):
    assert parse_country_code(code) == "KZ"


@pytest.mark.parametrize(("code", "alpha2"), [("040", "AT"), ("004", "AF"), ("008", "AL"), ("aut", "AT")])
def test_numeric_codes_keep_their_leading_zeros(db, code, alpha2):
    """Austria is 040: the numeric code is three digits, leading zeros included."""
    assert parse_country_code(code) == alpha2


@pytest.mark.parametrize("code", NOT_CODES)
def test_a_value_of_no_code_form_is_invalid(db, code):
    with pytest.raises(ValidationError) as error:
        parse_country_code(code)
    assert error.value.code == "invalid"


@pytest.mark.parametrize("code", UNKNOWN_CODES)
def test_a_well_formed_code_of_no_country_is_unknown_and_named(db, code):
    with pytest.raises(ValidationError) as error:
        parse_country_code(code)
    assert error.value.code == "unknown_country"
    assert code.upper() in error.value.messages[0]


def test_known_codes_cost_no_query(db, django_assert_num_queries):
    """The codes are read once per process; reading a code afterwards costs nothing."""
    known_country_codes()
    with django_assert_num_queries(0):
        assert [parse_country_code(code) for code in ("KAZ", "398", "kz", "040")] == ["KZ", "KZ", "KZ", "AT"]


def test_a_country_added_while_the_process_runs_is_found_by_every_code(db):
    known_country_codes()
    models.Country.objects.create(code="XK", alpha3="XKX", numeric="983", name="Kosovo")

    assert [alpha2_code(code) for code in ("XKX", "983", "XK")] == ["XK", "XK", "XK"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_any_form_case_and_spacing_of_a_known_code_reads_as_its_alpha_2(db, data):
    """Property: every code of every country, in any mix of case, with spaces around, reads as its alpha-2."""
    country = data.draw(st.sampled_from(list(models.Country.objects.values_list("code", "alpha3", "numeric"))))
    code = data.draw(st.sampled_from(country))
    mixed = "".join(data.draw(st.sampled_from([char.lower(), char.upper()])) for char in code)
    spaced = " " * data.draw(st.integers(0, 3)) + mixed + " " * data.draw(st.integers(0, 3))

    assert parse_country_code(spaced) == country[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=8).filter(lambda text: re.fullmatch(COUNTRY_CODE_PATTERN, text) is None))
def test_fuzz_any_text_outside_the_pattern_is_invalid(db, value):
    """Property: what the schema's pattern refuses, the API refuses as not a code, whatever the characters."""
    with pytest.raises(ValidationError) as error:
        parse_country_code(value)
    assert error.value.code == "invalid"


# --- filters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "parameter"), COUNTRY_FILTERS)
@pytest.mark.parametrize("code", ["KAZ", "kaz", "398"])
def test_country_filters_take_alpha_3_and_numeric_codes(api_client, db, route, parameter, code):
    """reporter=KAZ, country=398, ... return exactly what the alpha-2 code returns (and it returns something)."""
    by_alpha2 = ids(api_client.get(reverse(route), {parameter: "KZ"}))

    response = api_client.get(reverse(route), {parameter: code})

    assert response.status_code == HTTPStatus.OK
    assert ids(response) == by_alpha2


@pytest.mark.parametrize("route", RECORD_LISTS)
@pytest.mark.parametrize("pair", ["kaz,348", "398,HUN", "HU,kaz", " kaz , 348 "])
def test_pair_filter_takes_any_code_forms(api_client, db, route, pair):
    expected = ids(api_client.get(reverse(route), {"pair": "KZ,HU"}))

    response = api_client.get(reverse(route), {"pair": pair})

    assert response.status_code == HTTPStatus.OK
    assert ids(response) == expected
    assert expected


@pytest.mark.parametrize("route", RECORD_LISTS)
@pytest.mark.parametrize("pair", ["KZ,KAZ", "398,kz"])
def test_pair_of_two_forms_of_one_country_is_400(api_client, db, route, pair):
    body = assert_error_shape(api_client.get(reverse(route), {"pair": pair}), HTTPStatus.BAD_REQUEST)
    assert error_fields(body) == {"pair"}
    assert "KZ twice" in body["detail"]


@pytest.mark.parametrize(("route", "parameter"), COUNTRY_FILTERS)
@pytest.mark.parametrize("code", ["999", "XXX"])
def test_unknown_alpha_3_or_numeric_filter_is_400_naming_it(api_client, db, route, parameter, code):
    body = assert_error_shape(api_client.get(reverse(route), {parameter: code}), HTTPStatus.BAD_REQUEST)
    assert error_fields(body) == {parameter}
    assert code in body["detail"]
    assert body["errors"][0]["code"] == "unknown_country"


# --- paths -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", KAZAKHSTAN_FORMS)
def test_country_detail_by_any_code_answers_kazakhstan_in_alpha_2(api_client, db, code):
    response = api_client.get(f"/api/v1/countries/{code.replace(' ', '%20')}/")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["code"] == "KZ"
    assert response.json() == api_client.get("/api/v1/countries/KZ/").json()


def test_country_detail_by_numeric_code_with_leading_zero(api_client, db):
    assert api_client.get("/api/v1/countries/040/").json()["code"] == "AT"


@pytest.mark.parametrize("code", ["999", "XXX", "KAZA", "39"])
def test_country_detail_by_unknown_code_is_404_naming_it(api_client, db, code):
    body = assert_error_shape(api_client.get(f"/api/v1/countries/{code}/"), HTTPStatus.NOT_FOUND)
    assert code.upper() in body["detail"]


@pytest.mark.parametrize("code", ["KAZ", "398", "kaz"])
def test_partners_by_any_code(api_client, db, code):
    expected = api_client.get("/api/v1/countries/KZ/partners/").json()

    response = api_client.get(f"/api/v1/countries/{code}/partners/")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == expected


@pytest.mark.parametrize(("code", "other"), [("KAZ", "HUN"), ("398", "348"), ("kaz", "hu"), ("kz", "348")])
def test_pair_profile_by_any_codes_answers_in_alpha_2(api_client, db, code, other):
    """The same profile as /countries/KZ/partners/HU/, with alpha-2 codes in its list links."""
    expected = api_client.get("/api/v1/countries/KZ/partners/HU/").json()

    response = api_client.get(f"/api/v1/countries/{code}/partners/{other}/")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == expected
    assert "pair=KZ%2CHU" in response.json()["trade_figures"]["list"]


def test_pair_profile_of_one_country_in_two_forms_is_400(api_client, db):
    body = assert_error_shape(api_client.get("/api/v1/countries/KAZ/partners/398/"), HTTPStatus.BAD_REQUEST)
    assert "KZ twice" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/countries/999/partners/", "/api/v1/countries/KZ/partners/XXX/"])
def test_partners_of_an_unknown_code_is_404(api_client, db, path):
    assert_error_shape(api_client.get(path), HTTPStatus.NOT_FOUND)


# --- request bodies --------------------------------------------------------------------------------------


@pytest.fixture
def editor_client(db: Any) -> Any:
    return token_client(make_user("codes-editor", editor=True))


@pytest.fixture
def source(db: Any) -> models.Source:
    return SourceFactory(text="Trade grew. Students travelled.")


TRADE_BODY = {
    "flow": "export",
    "period_start": "2021-01-01",
    "period_end": "2021-12-31",
    "value": "1.00",
    "currency": "USD",
    "source_quote": "Trade grew.",
}


@pytest.mark.parametrize(("reporter", "partner"), [("KAZ", "HUN"), ("398", "348"), ("kaz", " hu "), ("Kaz", "348")])
def test_bodies_take_alpha_3_and_numeric_codes_and_answer_alpha_2(editor_client, source, reporter, partner):
    body = TRADE_BODY | {"source": source.pk, "reporter": reporter, "partner": partner}

    response = editor_client.post(reverse("trade-figure-list"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    assert (response.json()["reporter"], response.json()["partner"]) == ("KZ", "HU")
    stored = models.TradeFigure.objects.get(pk=response.json()["id"])
    assert (stored.reporter_id, stored.partner_id) == ("KZ", "HU")


def test_initiative_countries_in_any_forms_answer_sorted_alpha_2(editor_client, source):
    body = {
        "name": "Steppe and Danube",
        "kind": "festival",
        "countries": ["kaz", "348", "040"],
        "source": source.pk,
        "source_quote": "Students travelled.",
    }

    response = editor_client.post(reverse("cultural-initiative-list"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    assert response.json()["countries"] == ["AT", "HU", "KZ"]


def test_initiative_naming_one_country_in_two_forms_is_400(editor_client, source):
    body = {"name": "Alone", "kind": "other", "countries": ["KZ", "398"], "source": source.pk}

    response = editor_client.post(
        reverse("cultural-initiative-list"), body | {"source_quote": "Trade grew."}, format="json"
    )

    assert "countries" in error_fields(assert_error_shape(response, HTTPStatus.BAD_REQUEST))


def test_patch_takes_an_alpha_3_code(editor_client, db):
    response = editor_client.patch(detail_url("trade-figure", 1), {"partner": "deu"}, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["partner"] == "DE"


@pytest.mark.parametrize(("code", "error_code"), [("999", "unknown_country"), ("XXX", "unknown_country")])
def test_body_with_an_unknown_code_is_400_naming_field_and_code(editor_client, source, code, error_code):
    body = TRADE_BODY | {"source": source.pk, "reporter": "KZ", "partner": code}

    error = assert_error_shape(editor_client.post(reverse("trade-figure-list"), body, format="json"), 400)

    assert error["errors"] == [{"field": "partner", "code": error_code, "message": f"Unknown country code '{code}'."}]


@pytest.mark.parametrize("code", NOT_CODES)
def test_body_with_no_code_form_is_400_naming_the_field(editor_client, source, code):
    body = TRADE_BODY | {"source": source.pk, "reporter": "KZ", "partner": code}

    error = assert_error_shape(editor_client.post(reverse("trade-figure-list"), body, format="json"), 400)

    assert error_fields(error) == {"partner"}
    assert error["errors"][0]["code"] == "invalid"
