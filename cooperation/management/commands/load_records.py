"""Seed a database: the reference countries, then the articles' fact files through `import_article`.

Countries are reference data generated from ISO 3166-1 (`fixtures/countries.json`, written by
`export_countries`). They load as a Django fixture, but with `full_clean()` on every object (which
`loaddata` skips), and rows that already hold the file's values are left untouched. The articles'
sources and records have one way in, `manage.py import_article`, called here for each file of
ARTICLES. Everything happens in one transaction, and running the command twice changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import transaction

from cooperation.models import Country

COUNTRIES = Path(settings.FIXTURE_DIRS[0]) / "countries.json"
# The articles' fact files in fixtures/, imported in this order.
ARTICLES = ["kazakhstan-hungary.yaml"]


class Command(BaseCommand):
    help = "Load the countries, then import the articles' fact files (fixtures/kazakhstan-hungary.yaml)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            tally = load_countries()
            if options["verbosity"] > 0:
                counts = ", ".join(f"{count} {action}" for action, count in tally.items())
                self.stdout.write(f"Countries ({COUNTRIES.name}): {counts}.")
            for article in ARTICLES:
                path = os.path.relpath(Path(settings.FIXTURE_DIRS[0]) / article)
                call_command("import_article", path, verbosity=options["verbosity"], stdout=self.stdout)


def load_countries() -> dict[str, int]:
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        with COUNTRIES.open(encoding="utf-8") as stream:
            items = list(serializers.deserialize("json", stream))
    except DeserializationError as exc:
        raise CommandError(f"{COUNTRIES.name}: {exc}. Nothing was loaded.") from exc
    for position, item in enumerate(items, start=1):
        try:
            tally[save_country(item)] += 1
        except ValidationError as exc:
            problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
            raise CommandError(f"{COUNTRIES.name}, object {position} ({item.object.pk}): {problems}.") from exc
    return tally


def save_country(item: DeserializedObject) -> str:
    """Validate one country and create, update or leave it; return which."""
    country = item.object
    if not isinstance(country, Country):
        raise ValidationError({"model": f"{COUNTRIES.name} holds countries only, not {country._meta.label_lower}."})
    stored = Country.objects.filter(pk=country.pk).first()
    country._state.adding = stored is None
    country.full_clean()
    # Fields nobody writes (the folded search column) follow from the others.
    fields = [field for field in Country._meta.concrete_fields if field.editable]
    if stored is not None and all(
        field.value_from_object(stored) == field.value_from_object(country) for field in fields
    ):
        return "unchanged"
    country.save()
    return "created" if stored is None else "updated"
