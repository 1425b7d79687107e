"""The bilateral profile: a country's partners, and everything one pair shares."""

from http import HTTPStatus

import pytest
from django.db import connections
from django.urls import reverse

from cooperation.models import Source, TradeFigure
from cooperation.registry import RECORD_RESOURCES
from cooperation.representations import Batch
from cooperation.selectors import countries_statement, profile_batch
from tests.factories import (
    CulturalInitiativeFactory,
    CulturalLandmarkFactory,
    InvestmentFactory,
    ScholarshipProgramFactory,
    SourceFactory,
    TradeFigureFactory,
)
from tests.helpers import ERROR_KEYS

KAZAKHSTAN = {
    "code": "KZ",
    "alpha3": "KAZ",
    "numeric": "398",
    "name": "Kazakhstan",
    "official_name": "Republic of Kazakhstan",
}
HUNGARY = {"code": "HU", "alpha3": "HUN", "numeric": "348", "name": "Hungary", "official_name": "Hungary"}
ARTICLE_COUNTS = {
    "trade_figures": 2,
    "investments": 3,
    "cultural_landmarks": 3,
    "scholarship_programs": 1,
    "cultural_initiatives": 1,
}
PAIR_KEYS = {"country", "partner", *(resource.key for resource in RECORD_RESOURCES), "sources"}
LIST_ROUTES = {resource.key: f"{resource.basename}-list" for resource in RECORD_RESOURCES}


def test_partners_of_kazakhstan_is_hungary_with_the_article_counts(api_client, db):
    """Kazakhstan's one partner is Hungary, with each resource's count of shared records."""
    response = api_client.get(reverse("country-partners", args=["KZ"]))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [{"country": HUNGARY, "counts": ARTICLE_COUNTS}],
    }


def test_partners_of_hungary_is_kazakhstan(api_client, db):
    """The partner list is symmetric: Hungary's partner is Kazakhstan with the same counts."""
    body = api_client.get(reverse("country-partners", args=["HU"])).json()

    assert body["results"] == [{"country": KAZAKHSTAN, "counts": ARTICLE_COUNTS}]


@pytest.mark.parametrize("code", ["kz", "Kz"])
def test_partners_code_is_case_insensitive(api_client, db, code):
    """/countries/kz/partners/ answers like /countries/KZ/partners/."""
    response = api_client.get(reverse("country-partners", args=[code]))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == [{"country": HUNGARY, "counts": ARTICLE_COUNTS}]


def test_partners_of_a_country_without_records_is_empty(api_client, db):
    """A country that shares no records has an empty partner list, not an error."""
    body = api_client.get(reverse("country-partners", args=["FR"])).json()

    assert body["count"] == 0
    assert body["results"] == []


def test_partners_are_ordered_by_name_and_count_each_resource(api_client, db):
    """New partners appear by name, counted per resource; an initiative counts once for every other member."""
    TradeFigureFactory(reporter_id="DE", partner_id="KZ")
    InvestmentFactory(investor_id="KZ", recipient_id="AT")
    InvestmentFactory(investor_id="AT", recipient_id="KZ")
    CulturalInitiativeFactory(countries=["AT", "DE", "KZ"])

    body = api_client.get(reverse("country-partners", args=["KZ"])).json()

    zero = dict.fromkeys(ARTICLE_COUNTS, 0)
    assert [item["country"]["code"] for item in body["results"]] == ["AT", "DE", "HU"]
    assert [item["counts"] for item in body["results"]] == [
        {**zero, "investments": 2, "cultural_initiatives": 1},
        {**zero, "trade_figures": 1, "cultural_initiatives": 1},
        ARTICLE_COUNTS,
    ]


@pytest.mark.parametrize("code", ["XX", "zz"])
def test_partners_of_unknown_code_is_404_in_the_error_shape(api_client, db, code):
    """An unknown code in the URL is a 404 with the one error shape."""
    response = api_client.get(reverse("country-partners", args=[code]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS


def test_pair_has_exactly_the_contract_keys(api_client, db):
    """The pair profile is one object with the eight keys of the contract."""
    response = api_client.get(reverse("country-pair", args=["KZ", "HU"]))

    assert response.status_code == HTTPStatus.OK
    assert set(response.json()) == PAIR_KEYS


def test_pair_names_both_countries_in_url_order(api_client, db):
    """country is the URL's first code and partner its second."""
    body = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()

    assert body["country"] == KAZAKHSTAN
    assert body["partner"] == HUNGARY


def test_pair_reversed_swaps_country_and_partner(api_client, db):
    """/countries/hu/partners/kz/ names Hungary first and holds the same records."""
    forward = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()
    backward = api_client.get(reverse("country-pair", args=["HU", "KZ"])).json()

    assert backward["country"] == HUNGARY
    assert backward["partner"] == KAZAKHSTAN
    assert backward["sources"] == forward["sources"]
    for key in ARTICLE_COUNTS:
        assert backward[key]["count"] == forward[key]["count"]
        assert backward[key]["recent"] == forward[key]["recent"]


@pytest.mark.parametrize(("first", "second"), [("kz", "hu"), ("Kz", "hU")])
def test_pair_codes_are_case_insensitive(api_client, db, first, second):
    """Lower- and mixed-case codes find the pair, returned upper-case."""
    response = api_client.get(reverse("country-pair", args=[first, second]))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["country"]["code"] == "KZ"
    assert response.json()["partner"]["code"] == "HU"


def test_pair_trade_figures_are_latest_first(api_client, db):
    """January-August 2024 comes before 2023: the profile shows the most recent records."""
    body = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()

    assert [(item["period_label"], item["value"]) for item in body["trade_figures"]["recent"]] == [
        ("2024-01/2024-08", "131000000.00"),
        ("2023", "187500000.00"),
    ]


def test_pair_counts_every_record_but_returns_only_the_latest(api_client, db):
    """With 12 trade figures and recent=3, the count says 12 and three records come back, newest first."""
    TradeFigureFactory.create_batch(10, reporter_id="HU", partner_id="KZ")

    body = api_client.get(reverse("country-pair", args=["KZ", "HU"]), {"recent": 3}).json()

    assert body["trade_figures"]["count"] == 12
    recent = body["trade_figures"]["recent"]
    assert len(recent) == 3
    newest = TradeFigure.objects.for_pair("KZ", "HU").order_by("-period_start", "-id")[:3]
    assert [item["id"] for item in recent] == [figure.pk for figure in newest]
    assert {item["id"] for item in body["sources"]} == {
        item["source"] for key in ARTICLE_COUNTS for item in body[key]["recent"]
    }


def test_pair_links_each_full_list_filtered_by_the_pair(api_client, db):
    """Each resource's `list` is its list URL with ?pair=, answering every record the count counts."""
    body = api_client.get(reverse("country-pair", args=["KZ", "HU"]), {"recent": 0}).json()

    for key, route in LIST_ROUTES.items():
        assert body[key]["recent"] == []
        assert body[key]["list"] == f"http://testserver{reverse(route)}?pair=KZ%2CHU"
        assert api_client.get(body[key]["list"]).json()["count"] == body[key]["count"] == ARTICLE_COUNTS[key]


@pytest.mark.parametrize("recent", ["-1", "101", "ten", "1e2", ""])
def test_pair_recent_out_of_range_is_400_naming_it(api_client, db, recent):
    response = api_client.get(reverse("country-pair", args=["KZ", "HU"]), {"recent": recent})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"][0]["field"] == "recent"


def test_pair_gathers_every_article_record_in_both_directions(api_client, db):
    """Investments, landmarks and programmes both ways, and the Bars foundation, are all there."""
    body = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()

    assert sorted(item["id"] for item in body["investments"]["recent"]) == [1, 2, 3]
    assert sorted(item["id"] for item in body["cultural_landmarks"]["recent"]) == [1, 2, 3]
    assert [item["id"] for item in body["scholarship_programs"]["recent"]] == [1]
    assert [item["name"] for item in body["cultural_initiatives"]["recent"]] == ["Bars foundation"]
    assert [item["id"] for item in body["sources"]] == [1]


@pytest.mark.parametrize("key", list(LIST_ROUTES))
def test_pair_items_have_the_shape_of_their_list(api_client, db, key):
    """Each record in the profile reads exactly as in its resource's list filtered by the pair."""
    profile = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()
    listed = api_client.get(reverse(LIST_ROUTES[key]), {"pair": "KZ,HU"}).json()["results"]

    assert sorted(profile[key]["recent"], key=lambda item: item["id"]) == sorted(listed, key=lambda item: item["id"])


def test_pair_sources_are_the_source_list_without_texts(api_client, db):
    """Cited sources read as in the source list, less the text (and timestamps): the profile stays small."""
    profile = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()
    listed = api_client.get(reverse("source-list")).json()["results"]
    summary = ["id", "title", "publisher", "url", "published_on", "language"]

    assert profile["sources"] == [{name: source[name] for name in summary} for source in listed]
    assert all("text" not in source for source in profile["sources"])


def test_pair_leaves_out_other_pairs_records(api_client, db):
    """Records of Kazakhstan with Germany, or of Hungary with Austria, stay out of the KZ-HU profile."""
    TradeFigureFactory(reporter_id="KZ", partner_id="DE")
    InvestmentFactory(investor_id="HU", recipient_id="AT")
    CulturalLandmarkFactory(located_in_id="KZ", honoured_country_id="DE")
    ScholarshipProgramFactory(sponsor_id="HU", recipient_id="AT")
    CulturalInitiativeFactory(countries=["KZ", "DE"])

    body = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()

    assert {key: body[key]["count"] for key in ARTICLE_COUNTS} == ARTICLE_COUNTS
    assert {key: len(body[key]["recent"]) for key in ARTICLE_COUNTS} == ARTICLE_COUNTS
    assert [item["id"] for item in body["sources"]] == [1]


def test_pair_lists_each_cited_source_once(api_client, db):
    """A second source cited by a new KZ-HU record joins the sources; the article appears once."""
    figure = TradeFigureFactory(reporter_id="HU", partner_id="KZ")

    body = api_client.get(reverse("country-pair", args=["KZ", "HU"])).json()

    assert sorted(item["id"] for item in body["sources"]) == [1, figure.source_id]
    assert figure.pk in [item["id"] for item in body["trade_figures"]["recent"]]


def test_pair_of_one_country_twice_is_400_naming_it(api_client, db):
    """/countries/kz/partners/KZ/ is a 400 whose message names the country."""
    response = api_client.get(reverse("country-pair", args=["kz", "KZ"]))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert "KZ" in body["detail"]


@pytest.mark.parametrize(("first", "second"), [("XX", "HU"), ("KZ", "XX"), ("zz", "yy")])
def test_pair_with_unknown_code_is_404_in_the_error_shape(api_client, db, first, second):
    """An unknown code on either side of the pair URL is a 404 with the one error shape."""
    response = api_client.get(reverse("country-pair", args=[first, second]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == ERROR_KEYS
    unknown = first if first.upper() != "KZ" else second
    assert f"'{unknown.upper()}'" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("recent", [0, 1, 3, 100])
def test_the_profile_batch_reads_what_its_statements_read_one_by_one(recent):
    """Every branch's rows, in its own order, from its own slots: the same as each statement alone; then
    the sources those rows cite, by title, each once."""
    added = {"trade_figures": 6, "investments": 4, "cultural_landmarks": 3, "scholarship_programs": 3}
    TradeFigureFactory.create_batch(added["trade_figures"], reporter_id="HU", partner_id="KZ")
    InvestmentFactory.create_batch(added["investments"], investor_id="KZ", recipient_id="HU")
    CulturalLandmarkFactory.create_batch(added["cultural_landmarks"], located_in_id="KZ", honoured_country_id="HU")
    ScholarshipProgramFactory.create_batch(added["scholarship_programs"], sponsor_id="HU", recipient_id="KZ")
    batch = profile_batch("default", recent)
    alone = batch.statements[:-1] if recent else batch.statements  # the cited sources read the batch's branches
    keys = [("KZ", "HU"), *[("HU", "KZ")] * (len(alone) - 1)]

    read = batch.fetch([*keys, *([()] if recent else [])], "default")

    assert read[: len(alone)] == [statement.fetch(own, "default") for statement, own in zip(alone, keys, strict=True)]
    pair_counts = [ARTICLE_COUNTS[resource.key] + added.get(resource.key, 0) for resource in RECORD_RESOURCES]
    assert read[1] == [pair_counts]
    latest = read[2 : len(alone)]
    assert [len(rows) for rows in latest] == ([min(recent, count) for count in pair_counts] if recent else [])
    if recent:
        cited = {record["source"] for rows in latest for record in rows}
        expected = Source.objects.filter(pk__in=cited).order_by("title", "id")
        assert [row["id"] for row in read[-1]] == [source.pk for source in expected]


@pytest.mark.django_db
def test_a_batch_shares_slots_between_columns_of_a_kind():
    """Two reads of the same columns fill the same slots: a row is as wide as one of them."""
    statement = countries_statement("default")
    batch = Batch.of([statement, statement], connections["default"])

    assert batch.places[0] == batch.places[1] == tuple(range(1, len(statement.columns) + 1))
    assert batch.fetch([("KZ", "HU"), ("DE", "FR")], "default") == [
        statement.fetch(("KZ", "HU"), "default"),
        statement.fetch(("DE", "FR"), "default"),
    ]


@pytest.mark.parametrize("count", [1, 3, 5])
def test_pair_sources_are_the_cited_ones_by_title(api_client, db, count):
    """Sources titled out of order, each cited by some of the pair's latest records: by title, each once."""
    sources = [SourceFactory(title=f"Source {letter}") for letter in "ecabd"]
    for number, source in enumerate(sources[:count]):
        TradeFigureFactory.create_batch(2, source=source, reporter_id="KZ", partner_id="HU", notes=str(number))
    body = api_client.get(reverse("country-pair", args=["KZ", "HU"]), {"recent": 100}).json()

    cited = {record["source"] for key in ARTICLE_COUNTS for record in body[key]["recent"]}
    expected = Source.objects.filter(pk__in=cited).order_by("title", "id")
    assert [row["id"] for row in body["sources"]] == [source.pk for source in expected]
    assert {source.pk for source in sources[:count]} <= cited
    assert all(set(row) == {"id", "title", "publisher", "url", "published_on", "language"} for row in body["sources"])
