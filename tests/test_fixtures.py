"""The seed: the countries and the founding article's fact file, loaded with validation, idempotently."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from cooperation.fact_files import read_fact_file
from cooperation.management.commands.export_countries import iso_countries, render
from cooperation.models import Country, Source
from cooperation.registry import RECORD_RESOURCES
from tests.resources import RECORD_MODELS

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.FIXTURE_DIRS[0])
# A byte-for-byte copy of ../shared/seed/, committed so that the check needs nothing outside the repository.
SEED = FIXTURES / "kazakhstan-hungary-cooperation.txt"
# The founding article's fact file, which `make seed` imports.
FACT_FILE = FIXTURES / "kazakhstan-hungary.yaml"
FOUNDING_TITLE = "Kazakhstan, Hungary expand cooperation"


def table_counts() -> dict[str, int]:
    """Rows in every table of the app: models, their histories and many-to-many tables."""
    app = apps.get_app_config("cooperation")
    return {model._meta.db_table: model._base_manager.count() for model in app.get_models(include_auto_created=True)}


def test_loading_again_changes_no_table() -> None:
    """The test database already holds the fixtures, so this is the second load."""
    before = table_counts()
    call_command("load_records", verbosity=0)
    assert table_counts() == before


def test_loading_again_reports_nothing_created_or_updated() -> None:
    out = StringIO()
    call_command("load_records", stdout=out)
    assert "Countries (countries.json): 0 created, 0 updated, 249 unchanged." in out.getvalue()
    assert "Imported: 0 created, 0 updated, 11 unchanged." in out.getvalue()


def test_loading_again_leaves_records_untouched() -> None:
    """Unchanged objects are not saved again, so their updated_at stays."""
    before = {model: dict(model.objects.values_list("pk", "updated_at")) for model in RECORD_MODELS}
    call_command("load_records", verbosity=0)
    assert {model: dict(model.objects.values_list("pk", "updated_at")) for model in RECORD_MODELS} == before


@pytest.mark.parametrize("model", RECORD_MODELS, ids=lambda model: model.__name__)
def test_every_quote_occurs_in_its_source(model: Any) -> None:
    records = list(model.objects.select_related("source"))
    assert records
    assert [record.pk for record in records if record.source_quote not in record.source.text] == []


def test_source_text_equals_the_seed_file() -> None:
    assert Source.objects.get(pk=1).text.encode("utf-8") == SEED.read_bytes()


def test_record_counts_match_the_article() -> None:
    """One record per fact: two trade figures, three investments, three landmarks, one programme, one initiative."""
    assert [model.objects.count() for model in RECORD_MODELS] == [2, 3, 3, 1, 1]


def test_readme_names_every_record() -> None:
    """fixtures/README.md lists each record as <resource>/<id>; a record added without a line fails."""
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    article = Source.objects.get(title=FOUNDING_TITLE)
    named = {
        f"{resource.key.replace('_', '-')}/{pk}"
        for resource in RECORD_RESOURCES
        for pk in resource.model._default_manager.filter(source=article).values_list("pk", flat=True)
    }
    mentioned = set(re.findall(r"\b([a-z-]+/\d+)\b", readme))
    assert len(named) == 10
    assert named - mentioned == set()


def test_fact_file_holds_every_record_of_the_article() -> None:
    """The founding article's fact file is where its records come from: one entry per stored record."""
    document = read_fact_file(FACT_FILE)
    article = Source.objects.get(title=document["source"]["title"])
    assert article.pk == 1
    for resource in RECORD_RESOURCES:
        quotes = list(
            resource.model._default_manager.filter(source=article).order_by("pk").values_list("source_quote", flat=True)
        )
        assert quotes == [entry["source_quote"] for entry in document[resource.key]]


def test_records_of_the_article_have_their_fact_file_ids() -> None:
    """On a fresh database the entries become ids 1, 2, 3... in file order, as fixtures/README.md names them."""
    article = Source.objects.get(title=FOUNDING_TITLE)
    for resource in RECORD_RESOURCES:
        ids = list(resource.model._default_manager.filter(source=article).order_by("pk").values_list("pk", flat=True))
        assert ids == list(range(1, len(ids) + 1))


def test_countries_fixture_is_what_export_countries_generates() -> None:
    assert (FIXTURES / "countries.json").read_text(encoding="utf-8") == render(iso_countries())


def test_countries_fixture_holds_249_countries() -> None:
    assert len(json.loads((FIXTURES / "countries.json").read_text(encoding="utf-8"))) == 249
    assert Country.objects.count() == 249
