"""The fixtures: the article's records, loaded with validation, all or nothing, idempotently."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from cooperation.management.commands.export_countries import iso_countries, render
from cooperation.models import RECORD_MODELS, Country, Source

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.FIXTURE_DIRS[0])
# A byte-for-byte copy of ../shared/seed/, committed so that the check needs nothing outside the repository.
SEED = FIXTURES / "kazakhstan-hungary-cooperation.txt"
# The API's resource names, as fixtures/README.md names each record (e.g. trade-figures/1).
RESOURCES = {
    "cooperation.tradefigure": "trade-figures",
    "cooperation.investment": "investments",
    "cooperation.culturallandmark": "cultural-landmarks",
    "cooperation.scholarshipprogram": "scholarship-programs",
    "cooperation.culturalinitiative": "cultural-initiatives",
}


def table_counts() -> dict[str, int]:
    """Rows in every table of the app: models, their histories and many-to-many tables."""
    app = apps.get_app_config("cooperation")
    return {model._meta.db_table: model._base_manager.count() for model in app.get_models(include_auto_created=True)}


def write_fixture(directory: Path, objects: Any) -> Path:
    path = directory / "broken.json"
    path.write_text(json.dumps(objects), encoding="utf-8")
    return path


def source_object(pk: int, title: str) -> dict[str, Any]:
    return {
        "model": "cooperation.source",
        "pk": pk,
        "fields": {"title": title, "language": "en", "text": "A test source. It states one thing."},
    }


def trade_figure_object(pk: int, source: int, quote: str) -> dict[str, Any]:
    fields = {
        "reporter": "KZ",
        "partner": "HU",
        "flow": "turnover",
        "period_start": "2020-01-01",
        "period_end": "2020-12-31",
        "value": "1.00",
        "currency": "USD",
        "qualifier": "exact",
        "source": source,
        "source_quote": quote,
    }
    return {"model": "cooperation.tradefigure", "pk": pk, "fields": fields}


def test_loading_again_changes_no_table() -> None:
    """The test database already holds the fixtures, so this is the second load."""
    before = table_counts()
    call_command("load_records", verbosity=0)
    assert table_counts() == before


def test_loading_again_reports_nothing_created_or_updated() -> None:
    out = StringIO()
    call_command("load_records", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()


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
    records = json.loads((FIXTURES / "records.json").read_text(encoding="utf-8"))
    named = {f"{RESOURCES[item['model']]}/{item['pk']}" for item in records if item["model"] in RESOURCES}
    mentioned = set(re.findall(r"\b([a-z-]+/\d+)\b", readme))
    assert named - mentioned == set()


def test_quote_missing_from_source_fails_naming_the_object_and_field(tmp_path: Path) -> None:
    path = write_fixture(
        tmp_path,
        [source_object(900, "Broken fixture source"), trade_figure_object(900, 900, "A sentence not in the text.")],
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("load_records", str(path), verbosity=0)
    message = str(excinfo.value)
    assert "cooperation.tradefigure 900" in message
    assert "source_quote" in message


def test_quote_missing_from_source_loads_nothing(tmp_path: Path) -> None:
    """The valid source before the broken record is rolled back with it."""
    path = write_fixture(
        tmp_path,
        [source_object(900, "Broken fixture source"), trade_figure_object(900, 900, "A sentence not in the text.")],
    )
    before = table_counts()
    with pytest.raises(CommandError):
        call_command("load_records", str(path), verbosity=0)
    assert not Source.objects.filter(title="Broken fixture source").exists()
    assert table_counts() == before


def test_valid_fixture_file_loads(tmp_path: Path) -> None:
    """The broken-fixture tests fail for the quote alone: the same objects with a true quote load."""
    path = write_fixture(
        tmp_path, [source_object(900, "Valid fixture source"), trade_figure_object(900, 900, "It states one thing.")]
    )
    call_command("load_records", str(path), verbosity=0)
    assert Source.objects.get(pk=900).tradefigures.get().pk == 900


def test_objects_created_after_loading_get_a_free_id(tmp_path: Path) -> None:
    """Regression: on PostgreSQL, rows loaded with explicit ids left the id sequence behind.

    `loaddata` resets sequences after loading; without that, the next source, record or
    admin/API create collides with a loaded row (duplicate key on cooperation_source_pkey).
    """
    probe = Source.objects.create(title="Probe", text="Probe.")
    path = write_fixture(tmp_path, [source_object(probe.pk + 1, "Loaded at the next id")])
    call_command("load_records", str(path), verbosity=0)
    created = Source.objects.create(title="Created after loading", text="Created.")
    assert created.pk > probe.pk + 1


def test_malformed_json_raises_command_error(tmp_path: Path) -> None:
    path = tmp_path / "malformed.json"
    path.write_text('[{"model": "cooperation.source", ', encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_records", str(path), verbosity=0)
    assert "malformed.json" in str(excinfo.value)


def test_unknown_fixture_name_raises_command_error() -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("load_records", "no-such-fixture", verbosity=0)
    assert "no-such-fixture" in str(excinfo.value)


@pytest.mark.parametrize(
    ("model", "field", "values"),
    [
        ("cooperation.culturalinitiative", "countries", ["KZ", "XX"]),
        ("cooperation.investment", "sectors", ["no-such-sector"]),
    ],
)
def test_unknown_many_to_many_target_fails_naming_the_object_and_field(
    tmp_path: Path, model: str, field: str, values: list[str]
) -> None:
    """Regression: a many-to-many value with no row behind it failed only at COMMIT, with a bare IntegrityError.

    Foreign keys are checked by full_clean(), but many-to-many values go straight to `.set()`,
    whose foreign-key constraints the database checks when the transaction commits.
    """
    quote = "The joint «Bars» foundation promotes the work of Kazakh writers"
    fields: dict[str, Any] = {"source": 1, "source_quote": quote, field: values}
    if model == "cooperation.culturalinitiative":
        fields |= {"name": "Ghost initiative", "kind": "festival"}
    else:
        fields |= {"investor": "KZ", "recipient": "HU", "status": "interest"}
    path = write_fixture(tmp_path, [{"model": model, "pk": 900, "fields": fields}])
    with pytest.raises(CommandError) as excinfo:
        call_command("load_records", str(path), verbosity=0)
    assert f"{model} 900" in str(excinfo.value)
    assert field in str(excinfo.value)


def test_countries_fixture_is_what_export_countries_generates() -> None:
    assert (FIXTURES / "countries.json").read_text(encoding="utf-8") == render(iso_countries())


def test_countries_fixture_holds_249_countries() -> None:
    assert len(json.loads((FIXTURES / "countries.json").read_text(encoding="utf-8"))) == 249
    assert Country.objects.count() == 249
