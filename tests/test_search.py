"""Forgiving search: `?search=` ignores case and accents, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from http import HTTPStatus
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation import models
from cooperation.registry import RECORD_RESOURCES
from cooperation.search import fold
from tests.factories import CulturalLandmarkFactory, SourceFactory
from tests.helpers import detail_url, make_user, token_client

PETOFI_STREET = 2  # the article's "Sándor Petőfi Street" in Astana
DOMBYRA = 3  # the article's dombyra sculpture in Karcag


def found(api_client: Any, route: str, search: str) -> list[Any]:
    response = api_client.get(reverse(route), {"search": search, "page_size": 1000})
    assert response.status_code == HTTPStatus.OK, response.content
    key = "code" if route == "country-list" else "id"
    return [item[key] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Sándor Petőfi Street", "sandor petofi street"),
        ("KARCAG", "karcag"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("Øresund", "oresund"),
        ("İstanbul", "istanbul"),
        ("Türkiye", "turkiye"),
        ("Côte d'Ivoire", "cote d'ivoire"),
        ("\uff2b\uff21\uff3a", "kaz"),  # full-width letters
        ("ﬁnance", "finance"),  # a ligature
        ("Абай", "абаи"),  # Cyrillic short i loses its breve like any accent
    ],
)
def test_fold_is_lower_case_without_accents(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("route", "search", "expected"),
    [
        ("cultural-landmark-list", "petofi", [PETOFI_STREET]),
        ("cultural-landmark-list", "PETOFI", [PETOFI_STREET]),
        ("cultural-landmark-list", "Petőfi", [PETOFI_STREET]),
        ("cultural-landmark-list", "PETŐFI", [PETOFI_STREET]),
        ("cultural-landmark-list", "sandor petofi", [PETOFI_STREET]),
        ("cultural-landmark-list", "KARCAG", [DOMBYRA]),
        ("cultural-landmark-list", "karcag", [DOMBYRA]),
        ("cultural-landmark-list", "kárcag", [DOMBYRA]),
        ("cultural-landmark-list", "petofi karcag", []),
        ("source-list", "KARCAG", [1]),
        ("source-list", "petofi", [1]),
        ("country-list", "turkiye", ["TR"]),
        ("country-list", "COTE D", ["CI"]),
        ("country-list", "aland islands", ["AX"]),
        ("country-list", "KAZ", ["KZ"]),
        ("country-list", "398", ["KZ"]),
        ("country-list", "kz", ["KZ"]),
    ],
)
def test_search_ignores_case_and_accents(api_client, db, route, search, expected):
    assert found(api_client, route, search) == expected


def test_a_word_does_not_match_across_two_fields(api_client, db):
    """The folded column joins fields with a newline, which no search word holds."""
    CulturalLandmarkFactory(name="North Gate", city="Debrecen")

    assert found(api_client, "cultural-landmark-list", "gate debrecen")
    assert not found(api_client, "cultural-landmark-list", "gatedebrecen")


def test_like_wildcards_in_a_search_are_literal(api_client, db):
    assert found(api_client, "cultural-landmark-list", "%") == []
    assert found(api_client, "cultural-landmark-list", "_") == []


@pytest.fixture
def editor_client(db: Any) -> Any:
    return token_client(make_user("search-editor", editor=True))


def test_a_record_written_through_the_api_is_found_by_its_new_text(api_client, editor_client):
    """save() folds the searched fields: after a PATCH the new name and city are found, the old city is not."""
    changes = {"name": "Dombra of Kúnszentmárton", "city": "Túrkeve", "description": "Moved to Túrkeve."}
    response = editor_client.patch(detail_url("cultural-landmark", DOMBYRA), changes, format="json")
    assert response.status_code == HTTPStatus.OK, response.content

    assert found(api_client, "cultural-landmark-list", "kunszentmarton") == [DOMBYRA]
    assert found(api_client, "cultural-landmark-list", "turkeve") == [DOMBYRA]
    assert found(api_client, "cultural-landmark-list", "karcag") == []


def test_save_with_update_fields_updates_the_folded_column(api_client, db):
    landmark = models.CulturalLandmark.objects.get(pk=DOMBYRA)
    landmark.city = "Szolnok Ő"
    landmark.save(update_fields=["city"])

    assert found(api_client, "cultural-landmark-list", "szolnok o") == [DOMBYRA]


def test_bulk_create_fills_the_folded_column(api_client, db):
    source = SourceFactory(text="Ünnepélyes átadás.")
    landmark = CulturalLandmarkFactory.build(source=source, name="Liszt Ferenc tér", city="Győr")

    models.CulturalLandmark.objects.bulk_create([landmark])

    assert found(api_client, "cultural-landmark-list", "GYOR") == [landmark.pk]
    assert found(api_client, "source-list", "unnepelyes") == [source.pk]


def test_bulk_update_of_a_searched_field_refolds_the_column(api_client, db):
    landmark = models.CulturalLandmark.objects.get(pk=DOMBYRA)
    landmark.city = "Kecskemét"

    models.CulturalLandmark.objects.bulk_update([landmark], ["city"])

    assert found(api_client, "cultural-landmark-list", "kecskemet") == [DOMBYRA]


def searchable_models() -> list[Any]:
    return [model for model in apps.get_app_config("cooperation").get_models() if hasattr(model, "search_fields")]


def test_every_row_of_the_seeded_database_holds_its_folded_fields(db):
    """The fixtures (load_records) and the migration's fill agree with save()'s folding."""
    for model in searchable_models():
        for row in model._default_manager.all():
            assert row.search_text == row.folded_search_text(), (model.__name__, row.pk)


def test_seed_synthetic_rows_are_searchable(db):
    """seed_synthetic writes with bulk_create, not save(): its rows are folded all the same."""
    call_command("seed_synthetic", "--trade-figures", "200", stdout=StringIO())

    for model in searchable_models():
        stale = [row.pk for row in model._default_manager.all() if row.search_text != row.folded_search_text()]
        assert stale == [], model.__name__
    assert models.TradeFigure.objects.exclude(search_text="").count() >= 200


def test_every_searched_field_is_in_the_views_search(db):
    """The view searches exactly the fields that the model folds (and, for countries, the codes)."""
    from cooperation.urls import router

    for _prefix, viewset, _basename in router.registry:
        model = viewset.queryset.model
        assert [name for name in viewset.search_fields if not name.startswith("=")] == list(model.search_fields)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram index; SQLite has none")
@pytest.mark.parametrize(
    ("route", "table"),
    [
        *((f"{resource.basename}-list", resource.model._meta.model_name) for resource in RECORD_RESOURCES),
        ("source-list", "source"),
    ],
)
def test_postgresql_search_can_use_the_trigram_index(api_client, db, route, table):
    """The search's LIKE is one the trigram index serves (the planner is told to avoid a scan of every row).

    The list's count is read: its page query may rightly prefer walking the ordering's index when the
    table is as small as a test's, and the count has no ordering to walk.
    """
    with CaptureQueriesContext(connection) as captured:
        api_client.get(reverse(route), {"search": "petofi"})
    sql = next(query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"])
    assert "search_text" in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"cooperation_{table}_search_trgm" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE is case-sensitive; SQLite's is not")
def test_postgresql_matches_through_the_folded_column_not_the_raw_text(api_client, db):
    """On PostgreSQL a plain LIKE of "karcag" would miss "Karcag": the folded column is what matches."""
    assert not models.CulturalLandmark.objects.filter(city__contains="karcag").exists()
    assert found(api_client, "cultural-landmark-list", "karcag") == [DOMBYRA]
