"""Row tallies: after any write, by any path, each tallied table's tally is its COUNT(*); lists read it.

The triggers are the database's (migration 0010_row_tally), so every test here runs on SQLite and on
PostgreSQL (`DATABASE_URL`). A record type whose triggers no migration installed fails
`test_every_tallied_model_moves_its_tally`.
"""

from __future__ import annotations

from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation.models import Source, TradeFigure
from cooperation.querysets import record_querysets
from cooperation.tallies import PAIR_TALLY_TABLE, TALLY_TABLE, read_tally, tallied_tables
from tests.factories import SourceFactory, TradeFigureFactory
from tests.resources import SPECS, ResourceSpec

TEST_DATA = "tests/data/chile-japan.yaml"


def spec_id(spec: ResourceSpec) -> str:
    return spec.basename


def tally_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, row_count FROM {TALLY_TABLE}")
        return dict(cursor.fetchall())


def tallied_models() -> list[type[models.Model]]:
    return [Source, *(records.model for records in record_querysets())]


def paired_models() -> list[type[models.Model]]:
    return [records.model for records in record_querysets() if records.model.country_fields is not None]


def pair_tally_rows() -> dict[tuple[str, str], int]:
    """Every pair's tally that is not 0 (a pair whose records all went keeps its row, at 0)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, pair_key, row_count FROM {PAIR_TALLY_TABLE} WHERE row_count <> 0")
        return {(table, pair): count for table, pair, count in cursor.fetchall()}


def pair_counts() -> dict[tuple[str, str], int]:
    """Every pair's records of every paired table, counted."""
    counted = {}
    for model in paired_models():
        for pair, count in model._base_manager.order_by().values_list("pair_key").annotate(n=models.Count("*")):
            counted[(model._meta.db_table, pair)] = count
    return counted


def assert_exact() -> None:
    """Every tallied table's tally is there, and is its COUNT(*); every pair's tally is its records' count."""
    counted = {model._meta.db_table: model._base_manager.count() for model in tallied_models()}
    assert tally_rows() == counted
    assert pair_tally_rows() == pair_counts()


def table_columns(model: type[models.Model]) -> str:
    """The columns an INSERT names: all but the id and generated ones (pair_key)."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key and not field.generated]
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)


# --- the tallies and their triggers ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sources_and_every_record_type_have_a_tally():
    assert tallied_tables() == {model._meta.db_table for model in tallied_models()}
    assert set(tally_rows()) == tallied_tables()
    assert_exact()


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_every_tallied_model_moves_its_tally(spec):
    """A row of each model in, then out: its tally follows. Fails for a model whose table has no triggers."""
    before = read_tally(spec.model, connection.alias)
    assert before is not None, f"{spec.model._meta.db_table} has no tally row: a migration must install its triggers"

    row = spec.factory()
    assert read_tally(spec.model, connection.alias) == before + 1
    assert_exact()

    spec.model._base_manager.filter(pk=row.pk).delete()
    assert read_tally(spec.model, connection.alias) == before
    assert_exact()


@pytest.mark.django_db
def test_bulk_create_and_queryset_delete_keep_the_tally():
    source = SourceFactory()
    TradeFigure.objects.bulk_create(TradeFigureFactory.build_batch(25, source=source))
    assert read_tally(TradeFigure, connection.alias) == TradeFigure.objects.count()

    TradeFigure.objects.filter(source=source)[:1].get().delete()
    TradeFigure.objects.filter(source=source).delete()
    assert_exact()


@pytest.mark.django_db
def test_bulk_create_that_ignores_or_updates_conflicts_counts_only_new_rows():
    existing = list(TradeFigure.objects.order_by("pk")[:2])
    new = TradeFigureFactory.build(source=existing[0].source)
    TradeFigure.objects.bulk_create([*existing, new], ignore_conflicts=True)
    assert_exact()

    TradeFigure.objects.bulk_create(existing, update_conflicts=True, unique_fields=["id"], update_fields=["notes"])
    assert_exact()


@pytest.mark.django_db
def test_raw_sql_inserts_and_deletes_keep_the_tally():
    before = read_tally(TradeFigure, connection.alias)
    columns = table_columns(TradeFigure)
    with connection.cursor() as cursor:
        # Copies of the article's trade figures, under new ids.
        cursor.execute(f"INSERT INTO cooperation_tradefigure ({columns}) SELECT {columns} FROM cooperation_tradefigure")
        copied = cursor.rowcount
        assert read_tally(TradeFigure, connection.alias) == before + copied
        cursor.execute("DELETE FROM cooperation_tradefigure WHERE id IN (SELECT MAX(id) FROM cooperation_tradefigure)")
    assert read_tally(TradeFigure, connection.alias) == before + copied - 1
    assert_exact()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
def test_sqlite_replace_counts_the_row_it_replaces():
    """REPLACE deletes the row it conflicts with; settings turn on recursive_triggers, so that the delete counts."""
    columns = table_columns(TradeFigure)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT OR REPLACE INTO cooperation_tradefigure (id, {columns}) "
            f"SELECT id, {columns} FROM cooperation_tradefigure WHERE id = 1"
        )
    assert_exact()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_truncate_sets_the_tally_to_zero():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cooperation_tradefigure")
    assert read_tally(TradeFigure, connection.alias) == 0
    assert_exact()


@pytest.mark.django_db
def test_a_rolled_back_write_takes_its_tally_back():
    before = tally_rows()
    with transaction.atomic():
        TradeFigureFactory.create_batch(3)
        TradeFigure.objects.filter(pk=1).delete()
        assert tally_rows() != before
        transaction.set_rollback(True)
    assert tally_rows() == before
    assert_exact()


@pytest.mark.django_db
def test_seed_synthetic_and_its_removal_keep_the_tallies():
    before = tally_rows()
    call_command("seed_synthetic", "--trade-figures", "40", stdout=StringIO())
    assert read_tally(TradeFigure, connection.alias) == before["cooperation_tradefigure"] + 40
    assert_exact()

    call_command("seed_synthetic", "--remove", stdout=StringIO())
    assert tally_rows() == before
    assert_exact()


@pytest.mark.django_db
def test_an_imported_article_moves_every_tally():
    before = tally_rows()
    call_command("import_article", TEST_DATA, stdout=StringIO())
    # One source, and one record of each type (tests/data/chile-japan.yaml).
    assert tally_rows() == {table: count + 1 for table, count in before.items()}
    assert_exact()


@pytest.mark.django_db
@pytest.mark.parametrize("spec", [spec for spec in SPECS if getattr(spec.model, "country_fields", None)], ids=spec_id)
def test_a_record_moved_to_another_pair_moves_both_pair_tallies(spec):
    """By save() and by QuerySet.update(); a change that keeps the pair leaves the tallies alone."""
    first, second = spec.model.country_fields
    row = spec.factory(**{f"{first}_id": "KZ", f"{second}_id": "HU"})
    assert_exact()

    setattr(row, f"{second}_id", "DE")
    row.save()
    assert_exact()

    spec.model._base_manager.filter(pk=row.pk).update(**{f"{first}_id": "FR"})
    assert_exact()

    spec.model._base_manager.filter(pk=row.pk).update(**{first: "DE", second: "FR"})  # the same pair, swapped
    spec.model._base_manager.update(source_quote=models.F("source_quote"))  # every record, no pair changed
    assert_exact()


@pytest.mark.django_db
def test_the_pair_profile_counts_from_the_pair_tallies(api_client):
    """A pair's counts follow its records' writes, read from the tallies (the profile does not count)."""
    TradeFigureFactory.create_batch(3, reporter_id="KZ", partner_id="HU")
    TradeFigureFactory(reporter_id="HU", partner_id="KZ")
    expected = TradeFigure.objects.for_pair("HU", "KZ").count()

    with CaptureQueriesContext(connection) as captured:
        body = api_client.get(reverse("country-pair", args=["KZ", "HU"]), {"recent": 0}).json()

    assert body["trade_figures"]["count"] == expected
    [counts] = [query["sql"] for query in captured.captured_queries if PAIR_TALLY_TABLE in query["sql"]]
    assert "cooperation_tradefigure" in counts


# --- lists read the tally when they count a whole table ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_an_unfiltered_list_reads_its_count_from_the_tally(api_client, spec):
    spec.factory.create_batch(3)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(reverse(f"{spec.basename}-list"))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == spec.model._base_manager.count()
    sql = [query["sql"] for query in captured.captured_queries]
    assert len(sql) == 2  # the tally, the page
    assert TALLY_TABLE in sql[0]
    assert not any("COUNT(" in statement.upper() for statement in sql)


@pytest.mark.django_db
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_a_filtered_list_counts_its_rows(api_client, spec):
    spec.factory.create_batch(3, **spec.list_rows)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(reverse(f"{spec.basename}-list"), spec.list_filter)

    assert response.status_code == HTTPStatus.OK
    sql = [query["sql"] for query in captured.captured_queries]
    assert any("COUNT(" in statement.upper() for statement in sql)
    assert not any(TALLY_TABLE in statement for statement in sql)
    assert response.json()["count"] >= 3


@pytest.mark.django_db
def test_an_as_of_list_counts_the_history_rows(api_client):
    """An as-of list pages history rows, which have no tally: counted, and right."""
    TradeFigureFactory.create_batch(2)
    moment = timezone.now().isoformat()

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(reverse("trade-figure-list"), {"as_of": moment})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == TradeFigure.objects.count()  # every one was written through save()
    sql = [query["sql"] for query in captured.captured_queries]
    assert any("COUNT(" in statement.upper() for statement in sql)
    assert not any(TALLY_TABLE in statement for statement in sql)


@pytest.mark.django_db
def test_a_list_without_its_tally_row_counts_its_rows(api_client):
    """A missing tally row is never read as 0: the list counts instead."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY_TABLE} WHERE table_name = 'cooperation_tradefigure'")

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(reverse("trade-figure-list"))

    assert response.json()["count"] == TradeFigure.objects.count() > 0
    assert any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


# --- flushes and transactions of transactional tests ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_every_tally_exact(api_client):
    """Django's flush empties the models' tables, not the tally table: the triggers count the flush."""
    assert_exact()  # this test starts after a flush (an earlier transactional test's) and the seed
    TradeFigureFactory.create_batch(2)

    call_command("flush", interactive=False, verbosity=0)

    assert tally_rows() == dict.fromkeys(tallied_tables(), 0)
    call_command("load_records", verbosity=0)
    assert_exact()
    assert api_client.get(reverse("trade-figure-list")).json()["count"] == TradeFigure.objects.count() > 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_takes_its_tally_back(api_client):
    assert_exact()
    before = tally_rows()
    with transaction.atomic():
        TradeFigureFactory.create_batch(3)
        assert tally_rows() != before
        transaction.set_rollback(True)

    assert tally_rows() == before
    assert api_client.get(reverse("trade-figure-list")).json()["count"] == TradeFigure.objects.count()
