"""Load fixtures with full model validation, all or nothing, idempotently.

Django's `loaddata` saves raw rows without calling `full_clean()`, so a quote
missing from its source would load silently. This command validates every
object exactly as the admin and the API do, inside one transaction, and
leaves unchanged objects untouched so that loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import connection, models, transaction

# The article's data, in dependency order: countries, then sources, then records.
DEFAULT_FIXTURES = ["countries", "sources", "records"]
TIMESTAMPS = {"created_at", "updated_at"}


class Command(BaseCommand):
    help = "Validate and load fixtures (default: countries, sources, records) in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixtures", nargs="*", default=DEFAULT_FIXTURES, help="Fixture names or paths.")

    def handle(self, *args: Any, **options: Any) -> None:
        tally = {"created": 0, "updated": 0, "unchanged": 0}
        loaded_models: set[type[models.Model]] = set()
        with transaction.atomic():
            for name in options["fixtures"]:
                path = fixture_path(name)
                for position, item in enumerate(deserialize(path), start=1):
                    try:
                        tally[save_validated(item)] += 1
                    except ValidationError as exc:
                        raise CommandError(
                            f"{path.name}, object {position} ({item.object._meta.label_lower} {item.object.pk}): "
                            f"{describe(exc)}. Nothing was loaded."
                        ) from exc
                    loaded_models.add(type(item.object))
            reset_sequences(loaded_models)
        self.stdout.write(
            f"Loaded {sum(tally.values())} objects: {tally['created']} created, "
            f"{tally['updated']} updated, {tally['unchanged']} unchanged."
        )


def fixture_path(name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".json" and candidate.is_file():
        return candidate
    for directory in settings.FIXTURE_DIRS:
        path = Path(directory) / f"{name}.json"
        if path.is_file():
            return path
    raise CommandError(f"No fixture named {name!r} in {', '.join(map(str, settings.FIXTURE_DIRS))}.")


def deserialize(path: Path) -> list[DeserializedObject]:
    try:
        with path.open(encoding="utf-8") as stream:
            return list(serializers.deserialize("json", stream, handle_forward_references=False))
    except DeserializationError as exc:
        raise CommandError(f"{path.name}: {exc}. Nothing was loaded.") from exc


def save_validated(item: DeserializedObject) -> str:
    """Validate one object and create, update or leave it; return which."""
    obj = item.object
    model = type(obj)
    stored = model._default_manager.filter(pk=obj.pk).first()
    obj._state.adding = stored is None
    obj.full_clean()
    m2m = item.m2m_data or {}
    validate_many_to_many(model, m2m)
    if stored is not None and same_values(stored, obj, m2m):
        return "unchanged"
    if stored is not None:
        for name in TIMESTAMPS & {field.name for field in model._meta.fields}:
            setattr(obj, name, getattr(stored, name))
    obj.save()
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    return "created" if stored is None else "updated"


def validate_many_to_many(model: type[models.Model], m2m: Mapping[str, Sequence[Any]]) -> None:
    # The database checks these links only at commit; name the bad value here instead.
    for name, values in m2m.items():
        related = model._meta.get_field(name).related_model
        known = set(related._default_manager.filter(pk__in=values).values_list("pk", flat=True))  # type: ignore[union-attr]
        unknown = [str(value) for value in values if value not in known]
        if unknown:
            raise ValidationError({name: f"Unknown {related._meta.verbose_name}: {', '.join(unknown)}."})  # type: ignore[union-attr]
    clean_countries = getattr(model, "clean_countries", None)
    if clean_countries is not None and "countries" in m2m:
        try:
            clean_countries(m2m["countries"])
        except ValidationError as exc:
            raise ValidationError({"countries": exc.messages}) from exc


def same_values(stored: models.Model, obj: models.Model, m2m: Mapping[str, Sequence[Any]]) -> bool:
    # Fields nobody writes (the folded search column, generated columns) follow from the others.
    for field in obj._meta.concrete_fields:
        if not field.editable:
            continue
        if field.name not in TIMESTAMPS and field.value_from_object(stored) != field.value_from_object(obj):
            return False
    return all(set(getattr(stored, name).values_list("pk", flat=True)) == set(values) for name, values in m2m.items())


def describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def reset_sequences(loaded_models: set[type[models.Model]]) -> None:
    """Move id sequences past the loaded ids (PostgreSQL), as `loaddata` does, so new rows get free ids."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(loaded_models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
