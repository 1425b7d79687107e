"""Backups: dump, flush, restore and dump again gives the same bytes."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError

from cooperation.models import Source, TradeFigure
from tests.factories import InvestmentFactory, TradeFigureFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def populated():
    """The article, plus records with non-ASCII text, decimals, many-to-many rows and history by a user."""
    editor = User.objects.create_user("éditrice", password="x")
    editor.groups.add(Group.objects.get(name="editors"))
    figure = TradeFigureFactory(value=Decimal("0.01"), notes="Ünnepi kiadás — Астана", change_pct=Decimal("-12.34"))
    figure._history_user = editor
    figure.value = Decimal("9999999999999.99")
    figure.save()
    InvestmentFactory(sectors=["energy", "logistics"], description="Beruházás: 12,5 milliárd ₸")
    return editor


def test_dump_flush_restore_dump_is_identical(populated, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    call_command("backup", output=str(first))
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(first))
    call_command("backup", output=str(second))
    assert first.read_bytes() == second.read_bytes()
    assert "Ünnepi kiadás — Астана" in first.read_text(encoding="utf-8")
    assert TradeFigure.objects.get(notes__startswith="Ünnepi").value == Decimal("9999999999999.99")
    assert TradeFigure.history.filter(history_user__username="éditrice").exists()


def test_restore_refuses_a_database_that_is_not_empty(populated, tmp_path):
    backup = tmp_path / "backup.json"
    call_command("backup", output=str(backup))
    sources = Source.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup))
    assert Source.objects.count() == sources


def test_restore_of_a_missing_file_is_an_error(db):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", f"/nonexistent/{datetime.date.today()}.json")
