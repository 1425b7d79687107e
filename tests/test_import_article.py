"""`manage.py import_article`: a fact file validated as the API validates, written all or nothing, idempotently.

The test database already holds the founding article (imported by the seed); these tests import the
second fact file, tests/data/chile-japan.yaml, a different pair of countries and a text written for them.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from cooperation.fact_files import (
    SCHEMA_PATH,
    FactFileLoader,
    fact_file_schema,
    read_fact_file,
    render_schema,
)
from cooperation.history import versions_of
from cooperation.models import CulturalInitiative, Investment, Source, TradeFigure
from cooperation.registry import RECORD_RESOURCES
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

TEST_DATA = Path(__file__).parent / "data" / "chile-japan.yaml"
FOUNDING = Path(settings.FIXTURE_DIRS[0]) / "kazakhstan-hungary.yaml"
TITLE = "Chile and Japan widen their partnership (test data)"
# Per resource, how many records tests/data/chile-japan.yaml holds.
TEST_DATA_COUNTS = {resource.key: 1 for resource in RECORD_RESOURCES}


def table_counts() -> dict[str, int]:
    """Rows in every table of the app: models, their histories and many-to-many tables."""
    app = apps.get_app_config("cooperation")
    return {model._meta.db_table: model._base_manager.count() for model in app.get_models(include_auto_created=True)}


def load_test_data() -> dict[str, Any]:
    return read_fact_file(TEST_DATA)


def write(directory: Path, document: Any, name: str = "facts.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_article", str(path), *args, stdout=out)
    return out.getvalue()


def import_failure(path: Path) -> str:
    """The message of an import that must fail, after checking that it wrote nothing."""
    before = table_counts()
    with pytest.raises(CommandError) as excinfo:
        run(path)
    assert table_counts() == before
    assert not Source.objects.filter(title=TITLE).exists()
    return str(excinfo.value)


def test_dry_run_writes_nothing() -> None:
    before = table_counts()
    output = run(TEST_DATA, "--dry-run")
    assert table_counts() == before
    assert "Dry run, nothing was written: 6 created, 0 updated, 0 unchanged." in output


def test_import_creates_the_source_and_every_record() -> None:
    before = table_counts()
    output = run(TEST_DATA)
    source = Source.objects.get(title=TITLE)
    assert source.text.startswith(TITLE + "\n\nThis article was written for the tests")
    for resource in RECORD_RESOURCES:
        assert resource.model._default_manager.filter(source=source).count() == TEST_DATA_COUNTS[resource.key]
    assert table_counts()["cooperation_source"] == before["cooperation_source"] + 1
    assert "Imported: 6 created, 0 updated, 0 unchanged." in output
    assert f"trade_figures[0]: created trade-figures/{TradeFigure.objects.get(source=source).pk}" in output


def test_imported_values_are_those_of_the_file() -> None:
    """Unquoted YAML dates and decimals arrive as written; the m2m fields hold the file's lists."""
    run(TEST_DATA)
    figure = TradeFigure.objects.get(source__title=TITLE)
    assert (figure.reporter_id, figure.partner_id, figure.flow, figure.period_label) == ("JP", "CL", "export", "2022")
    assert (str(figure.value), str(figure.change_pct), figure.qualifier) == ("1200000000.00", "4.00", "approximate")
    investment = Investment.objects.get(source__title=TITLE)
    assert sorted(investment.sectors.values_list("slug", flat=True)) == ["mining", "renewable-energy"]
    initiative = CulturalInitiative.objects.get(source__title=TITLE)
    assert sorted(initiative.countries.values_list("code", flat=True)) == ["CL", "JP", "PE"]
    assert Source.objects.get(title=TITLE).published_on.isoformat() == "2024-05-02"


def test_imported_records_are_served_by_the_api() -> None:
    run(TEST_DATA)
    response = APIClient().get(reverse("trade-figure-list"), {"pair": "CL,JP"})
    assert [row["source_quote"] for row in response.json()["results"]] == [
        load_test_data()["trade_figures"][0]["source_quote"]
    ]


def test_json_fact_file_imports_like_yaml(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(load_test_data(), ensure_ascii=False), encoding="utf-8")
    assert "Imported: 6 created, 0 updated, 0 unchanged." in run(path)


def test_reimport_is_a_no_op() -> None:
    """No row of any table, history included, changes, and no record is saved again."""
    run(TEST_DATA)
    before = table_counts()
    stamps = {
        resource.key: list(resource.model._default_manager.values_list("pk", "updated_at"))
        for resource in RECORD_RESOURCES
    }
    output = run(TEST_DATA)
    assert table_counts() == before
    assert stamps == {
        resource.key: list(resource.model._default_manager.values_list("pk", "updated_at"))
        for resource in RECORD_RESOURCES
    }
    assert "Imported: 0 created, 0 updated, 6 unchanged." in output


def test_reimporting_the_founding_article_changes_nothing() -> None:
    """The seed imported it; importing it again finds every record unchanged."""
    before = table_counts()
    output = run(FOUNDING)
    assert table_counts() == before
    assert "Imported: 0 created, 0 updated, 11 unchanged." in output


def test_edited_file_updates_the_records_it_describes(tmp_path: Path) -> None:
    run(TEST_DATA)
    figure = TradeFigure.objects.get(source__title=TITLE)
    investment = Investment.objects.get(source__title=TITLE)
    document = load_test_data()
    document["trade_figures"][0] |= {"value": "1250000000.00", "qualifier": "exact"}
    document["investments"][0]["sectors"] = ["mining"]
    make_user("importer")
    before = table_counts()

    output = run(write(tmp_path, document), "--user", "importer")

    figure.refresh_from_db()
    assert (str(figure.value), figure.qualifier) == ("1250000000.00", "exact")
    assert list(investment.sectors.values_list("slug", flat=True)) == ["mining"]
    assert f"trade_figures[0]: updated trade-figures/{figure.pk} (value, qualifier)" in output
    assert f"investments[0]: updated investments/{investment.pk} (sectors)" in output
    assert "Imported: 0 created, 2 updated, 4 unchanged." in output
    after = table_counts()
    # Same records (no new row), one new version of each updated record.
    assert after["cooperation_tradefigure"] == before["cooperation_tradefigure"]
    assert after["cooperation_historicaltradefigure"] == before["cooperation_historicaltradefigure"] + 1
    assert after["cooperation_historicalinvestment"] == before["cooperation_historicalinvestment"] + 1


def test_history_records_the_importing_user(tmp_path: Path) -> None:
    make_user("importer")
    run(TEST_DATA, "--user", "importer")
    figure = TradeFigure.objects.get(source__title=TITLE)
    document = load_test_data()
    document["trade_figures"][0]["notes"] = "Corrected reading."
    make_user("corrector")
    run(write(tmp_path, document), "--user", "corrector")
    versions = versions_of(TradeFigure, figure.pk)
    assert [(version.history_type, version.history_user.username) for version in versions] == [
        ("~", "corrector"),
        ("+", "importer"),
    ]
    assert [version.history_change_reason for version in versions] == [
        "import_article facts.yaml",
        "import_article chile-japan.yaml",
    ]
    investment = Investment.objects.get(source__title=TITLE)
    assert [version.history_user.username for version in versions_of(Investment, investment.pk)] == ["importer"]


def test_import_without_user_leaves_the_version_anonymous() -> None:
    run(TEST_DATA)
    figure = TradeFigure.objects.get(source__title=TITLE)
    assert [version.history_user for version in versions_of(TradeFigure, figure.pk)] == [None]


def test_unknown_user_is_an_error_and_writes_nothing() -> None:
    before = table_counts()
    with pytest.raises(CommandError, match="no user named 'nobody-here'"):
        run(TEST_DATA, "--user", "nobody-here")
    assert table_counts() == before


def test_a_record_not_in_the_file_is_kept_and_reported(tmp_path: Path) -> None:
    """Changing a record's natural key makes it a new record; the old one is listed, not deleted."""
    run(TEST_DATA)
    old = TradeFigure.objects.get(source__title=TITLE)
    document = load_test_data()
    document["trade_figures"][0]["flow"] = "import"
    output = run(write(tmp_path, document))
    assert TradeFigure.objects.filter(pk=old.pk).exists()
    assert TradeFigure.objects.filter(source__title=TITLE).count() == 2
    assert f"does not describe (kept): trade-figures/{old.pk}" in output


def edit(document: dict[str, Any], resource: str, index: int, **values: Any) -> dict[str, Any]:
    document[resource][index] |= values
    return document


def duplicate_first_trade_figure(document: dict[str, Any]) -> dict[str, Any]:
    """The same natural key twice; only a value (outside the key) differs."""
    twin = copy.deepcopy(document["trade_figures"][0]) | {"value": "1.00"}
    document["trade_figures"].append(twin)
    return document


def drop_source_title(document: dict[str, Any]) -> dict[str, Any]:
    del document["source"]["title"]
    return document


def misspell_a_resource(document: dict[str, Any]) -> dict[str, Any]:
    document["trade_figure"] = document.pop("trade_figures")
    return document


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda d: edit(d, "cultural_landmarks", 0, source_quote="A garden opened in Santiago."),
            ["cultural_landmarks[0].source_quote:", "does not occur verbatim in the text"],
            id="quote-not-in-text",
        ),
        pytest.param(
            lambda d: edit(d, "investments", 0, investor="XX"),
            ["investments[0].investor:", "Unknown country code 'XX'"],
            id="unknown-country",
        ),
        pytest.param(
            lambda d: edit(d, "cultural_initiatives", 0, countries=["CL", "QQ"]),
            ["cultural_initiatives[0].countries[1]:", "Unknown country code 'QQ'"],
            id="unknown-country-in-a-list",
        ),
        pytest.param(
            lambda d: edit(d, "trade_figures", 0, period_start="2022-12-31", period_end="2022-01-01"),
            ["trade_figures[0].period_end:", "Must be on or after period_start (2022-12-31)"],
            id="period-ends-before-it-starts",
        ),
        pytest.param(
            lambda d: edit(d, "investments", 0, period_end=None),
            ["investments[0].period_end:", "Give both period_start and period_end, or neither"],
            id="half-a-period",
        ),
        pytest.param(
            lambda d: edit(d, "trade_figures", 0, period_start="2022-02-30"),
            ["trade_figures[0].period_start:", "is not a 'date'"],
            id="impossible-date",
        ),
        pytest.param(
            lambda d: edit(d, "cultural_landmarks", 0, kind="garden"),
            ["cultural_landmarks[0].kind:", "'garden' is not one of"],
            id="bad-enum-value",
        ),
        pytest.param(
            lambda d: edit(d, "trade_figures", 0, partner="JP"),
            ["trade_figures[0].partner:", "Must differ from reporter"],
            id="same-country-twice",
        ),
        pytest.param(
            duplicate_first_trade_figure,
            [
                "trade_figures[1]: has the same source_quote, reporter, partner, flow, period_start, period_end as "
                "trade_figures[0]"
            ],
            id="duplicate-natural-key",
        ),
        pytest.param(
            lambda d: edit(d, "trade_figures", 0, valeu="5.00"),
            ["trade_figures[0]:", "'valeu' was unexpected"],
            id="unknown-field",
        ),
        pytest.param(
            lambda d: edit(d, "trade_figures", 0, value=5),
            ["trade_figures[0].value:", "5 is not of type 'string'"],
            id="decimal-as-number",
        ),
        pytest.param(drop_source_title, ["source:", "'title' is a required property"], id="source-without-title"),
        pytest.param(misspell_a_resource, ["'trade_figure' was unexpected"], id="misspelt-resource"),
    ],
)
def test_bad_file_names_its_problem_and_writes_nothing(tmp_path: Path, change: Any, expected: list[str]) -> None:
    message = import_failure(write(tmp_path, change(load_test_data())))
    for part in expected:
        assert part in message


def test_every_problem_of_the_file_is_listed(tmp_path: Path) -> None:
    document = edit(load_test_data(), "investments", 0, investor="XX")
    edit(document, "cultural_landmarks", 0, source_quote="Not in the text.")
    message = import_failure(write(tmp_path, document))
    assert "investments[0].investor" in message
    assert "cultural_landmarks[0].source_quote" in message


def test_a_bad_last_record_rolls_back_the_good_ones(tmp_path: Path) -> None:
    """The source and five valid records come first in the file; none of them is kept."""
    message = import_failure(write(tmp_path, edit(load_test_data(), "cultural_initiatives", 0, countries=["CL"])))
    assert "cultural_initiatives[0].countries:" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("source:\n  title: [unclosed\n", "is not valid YAML: line 3, column 1", id="unclosed-list"),
        pytest.param("source:\n  title: A\n  title: B\n", "found the key 'title' twice", id="duplicate-key"),
        pytest.param("source: {title: A\n", "is not valid YAML", id="unclosed-mapping"),
        pytest.param("- just\n- a list\n", "(the whole file): ['just', 'a list'] is not of type 'object'", id="a-list"),
    ],
)
def test_malformed_yaml_names_the_problem_and_writes_nothing(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    assert expected in import_failure(path)


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"source": {"title": "A",}}', encoding="utf-8")
    assert "is not valid JSON: line 1, column 26" in import_failure(path)


def test_missing_text_file_is_named(tmp_path: Path) -> None:
    document = load_test_data()
    document["source"] = {"title": TITLE, "text_file": "missing.txt"}
    assert "source.text_file: cannot read" in import_failure(write(tmp_path, document))


def test_source_gives_its_text_once(tmp_path: Path) -> None:
    document = load_test_data()
    document["source"]["text_file"] = "article.txt"
    assert "source: Give exactly one of text or text_file." in import_failure(write(tmp_path, document))


def test_yaml_keeps_norway_a_country_and_dates_text(tmp_path: Path) -> None:
    """YAML 1.1 reads NO as false and 2024-05-02 as a date; the fact-file reader keeps both as written."""
    loaded = yaml.load("code: NO\nday: 2024-05-02\nvalue: 1.10\nflag: true\ncount: 30\n", Loader=FactFileLoader)
    assert loaded == {"code": "NO", "day": "2024-05-02", "value": "1.10", "flag": True, "count": 30}


def test_text_file_is_read_byte_for_byte(tmp_path: Path) -> None:
    """Relative to the fact file, and with its line endings kept, so that quotes match the text exactly."""
    document = load_test_data()
    text = document["source"].pop("text").replace("\n", "\r\n")
    (tmp_path / "article.txt").write_bytes(text.encode("utf-8"))
    document["source"]["text_file"] = "article.txt"
    run(write(tmp_path, document))
    assert Source.objects.get(title=TITLE).text == text


def test_committed_schema_is_the_generated_one() -> None:
    """Regenerate with `manage.py export_fact_file_schema` (make schema) after changing a serializer."""
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(fact_file_schema())


@pytest.mark.parametrize("path", [FOUNDING, TEST_DATA], ids=lambda path: path.name)
def test_fact_files_are_valid_against_the_schema(path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(read_fact_file(path))) == []


def test_every_natural_key_names_fields_of_its_model() -> None:
    for resource in RECORD_RESOURCES:
        fields = {field.name for field in resource.model._meta.get_fields()}
        assert resource.natural_key
        assert set(resource.natural_key) <= fields, resource.key


def sqlite_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def test_make_seed_twice_gives_the_same_counts(tmp_path: Path) -> None:
    """`make seed` on a fresh database, then again: every table holds the same rows the second time."""
    database = tmp_path / "seed.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_ENV": "development"}
    root = Path(settings.BASE_DIR)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=root, env=env, check=True)
    # `-o install`: the virtualenv is already installed; this runs the target's own command.
    make = ["make", "--no-print-directory", "-o", "install", f"BIN={Path(sys.executable).parent}", "seed"]
    first = subprocess.run(make, cwd=root, env=env, check=True, capture_output=True, text=True).stdout
    counts = sqlite_counts(database)
    second = subprocess.run(make, cwd=root, env=env, check=True, capture_output=True, text=True).stdout
    assert sqlite_counts(database) == counts
    assert counts["cooperation_source"] == 1
    assert counts["cooperation_country"] == 249
    assert "Imported: 11 created, 0 updated, 0 unchanged." in first
    assert "Imported: 0 created, 0 updated, 11 unchanged." in second
