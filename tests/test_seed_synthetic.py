"""seed_synthetic: benchmark data that is valid, deterministic, and removable without touching real data."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models

from cooperation.management.commands.seed_synthetic import CREATED_AT, SOURCE_COUNT, SYNTHETIC_PREFIX
from cooperation.models import Country, CulturalInitiative, Sector, Source, TradeFigure
from tests.resources import RECORD_MODELS

pytestmark = pytest.mark.django_db

# The timestamp of seeding: the one column that differs between two runs.
RUN_DEPENDENT = {"id", "source_id", "updated_at"}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_synthetic", *args, stdout=out)
    return out.getvalue()


def synthetic(model: type[models.Model]) -> models.QuerySet[Any]:
    return model._default_manager.filter(source__title__startswith=SYNTHETIC_PREFIX).order_by("pk")


def synthetic_sources() -> models.QuerySet[Source]:
    return Source.objects.filter(title__startswith=SYNTHETIC_PREFIX).order_by("pk")


def table_ids() -> dict[str, list[Any]]:
    """The primary keys in every table of the app (models, history, many-to-many), sectors aside."""
    app = apps.get_app_config("cooperation")
    return {
        model._meta.db_table: sorted(model._base_manager.values_list("pk", flat=True))
        for model in app.get_models(include_auto_created=True)
        if model is not Sector
    }


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in (Source, *RECORD_MODELS)}


def snapshot() -> list[list[Any]]:
    """Every synthetic row without its ids and seeding time; sources by title, many-to-many as sorted keys."""
    tables: list[list[Any]] = [list(synthetic_sources().values_list("title", "publisher", "language", "text"))]
    for model in RECORD_MODELS:
        fields = [field.attname for field in model._meta.concrete_fields if field.attname not in RUN_DEPENDENT]
        tables.append(list(synthetic(model).values_list("source__title", *fields)))
        for field in model._meta.many_to_many:
            records = synthetic(model).prefetch_related(field.name)
            tables.append([sorted(related.pk for related in getattr(record, field.name).all()) for record in records])
    return tables


def test_trade_figures_alone_give_proportional_counts() -> None:
    seed("--trade-figures", "300")
    assert [synthetic(model).count() for model in RECORD_MODELS] == [300, 30, 3, 3, 3]
    assert synthetic_sources().count() == SOURCE_COUNT


def test_a_few_trade_figures_still_give_one_of_each() -> None:
    seed("--trade-figures", "5")
    assert [synthetic(model).count() for model in RECORD_MODELS] == [5, 1, 1, 1, 1]


def test_explicit_counts_override_the_proportions() -> None:
    seed("--trade-figures", "20", "--investments", "0", "--landmarks", "4", "--programs", "5", "--initiatives", "6")
    assert [synthetic(model).count() for model in RECORD_MODELS] == [20, 0, 4, 5, 6]


def test_every_record_passes_full_clean() -> None:
    """All of them, quote-in-text included, since Record.clean() reads the source's text."""
    seed("--trade-figures", "300")
    for model in RECORD_MODELS:
        for record in synthetic(model):
            record.full_clean()
    for source in synthetic_sources():
        source.full_clean()


def test_every_initiative_has_at_least_two_countries() -> None:
    seed("--trade-figures", "300", "--initiatives", "30")
    for initiative in synthetic(CulturalInitiative).prefetch_related("countries"):
        CulturalInitiative.clean_countries([country.pk for country in initiative.countries.all()])


def test_records_carry_the_fixed_creation_time() -> None:
    seed("--trade-figures", "50")
    assert set(synthetic(TradeFigure).values_list("created_at", flat=True)) == {CREATED_AT}


def test_periods_span_the_decades() -> None:
    seed("--trade-figures", "300")
    starts = synthetic(TradeFigure).values_list("period_start", flat=True)
    assert min(starts) >= datetime.date(1960, 1, 1)
    assert max(synthetic(TradeFigure).values_list("period_end", flat=True)) <= datetime.date(2025, 12, 31)
    assert len({start.year // 10 for start in starts}) == 7


def test_the_same_seed_gives_the_same_rows() -> None:
    seed("--trade-figures", "300")
    first = snapshot()
    seed("--trade-figures", "300")
    assert snapshot() == first


def test_another_seed_gives_other_rows() -> None:
    seed("--trade-figures", "300")
    first = snapshot()
    seed("--trade-figures", "300", "--seed", "7")
    assert snapshot() != first


def test_the_batch_size_does_not_change_the_rows() -> None:
    seed("--trade-figures", "300")
    first = snapshot()
    seed("--trade-figures", "300", "--batch-size", "7")
    assert snapshot() == first


def test_seeding_again_replaces_the_earlier_synthetic_data() -> None:
    seed("--trade-figures", "300")
    output = seed("--trade-figures", "100")
    assert "Replaced the earlier synthetic data" in output
    assert [synthetic(model).count() for model in RECORD_MODELS] == [100, 10, 1, 1, 1]
    assert synthetic_sources().count() == SOURCE_COUNT


def test_seeding_writes_no_history() -> None:
    before = history_counts()
    seed("--trade-figures", "300")
    assert history_counts() == before


def test_remove_leaves_every_table_as_it_was() -> None:
    """The article's records, sources, history and many-to-many rows keep their ids; nothing synthetic stays."""
    before = table_ids()
    seed("--trade-figures", "300")
    output = seed("--remove")
    assert table_ids() == before
    assert "300 trade figures" in output
    assert f"{SOURCE_COUNT} sources" in output


def test_remove_deletes_the_history_of_edited_synthetic_records() -> None:
    """A benchmark that writes to synthetic records leaves versions; they go with the records."""
    before = history_counts()
    seed("--trade-figures", "300")
    initiative = synthetic(CulturalInitiative).first()
    initiative.description = "Edited by a benchmark."
    initiative.save()
    initiative.countries.add("DE")
    source = synthetic_sources().first()
    source.publisher = "Edited"
    source.save()
    assert history_counts() != before
    seed("--remove")
    assert history_counts() == before


def test_remove_without_synthetic_data_changes_nothing() -> None:
    before = table_ids()
    assert "nothing" in seed("--remove")
    assert table_ids() == before


def test_remove_takes_no_counts() -> None:
    with pytest.raises(CommandError):
        seed("--remove", "--investments", "3")


def test_the_busiest_pair_is_de_fr() -> None:
    # Large enough for the Zipf shares to separate the first pairs (at 300 the top pairs tie).
    output = seed("--trade-figures", "3000", "--investments", "0", "--landmarks", "0", "--programs", "0")
    pairs = Counter(frozenset(pair) for pair in synthetic(TradeFigure).values_list("reporter", "partner").order_by())
    (busiest, count), (_, runner_up) = pairs.most_common(2)
    assert busiest == {"DE", "FR"}
    assert count > runner_up
    assert f"Busiest pair: DE-FR, {count} trade figures" in output
    assert len(pairs) > 1000


def test_both_countries_of_the_busiest_pair_report() -> None:
    seed("--trade-figures", "3000")
    reporters = set(synthetic(TradeFigure).for_pair("DE", "FR").values_list("reporter", flat=True))
    assert reporters == {"DE", "FR"}


def test_too_few_countries_asks_for_load_records() -> None:
    referenced = {
        code
        for model in RECORD_MODELS
        for name in model.country_fields or ()
        for code in model._default_manager.values_list(name, flat=True)
    }
    Country.objects.exclude(code__in=referenced).delete()
    with pytest.raises(CommandError, match="load_records"):
        seed("--trade-figures", "10")
