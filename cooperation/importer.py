"""Import a fact file: validate every record as the API does, then write all of it or nothing.

Each record goes through its API serializer (field rules, then the model's `clean()`: the quote verbatim
in the source's text, ordered periods, two different countries...), and is matched with a stored record
of the same source on its natural key (its resource's `natural_key` in the registry). A matched record
whose values are those of the file is not saved again, so importing the same file twice writes nothing,
not even history. Every problem of the file is collected before anything is kept: one bad record rolls back
the whole transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from rest_framework.serializers import ModelSerializer
from rest_framework.settings import api_settings

from cooperation.fact_files import (
    SOURCE_NATURAL_KEY,
    FactFileError,
    read_fact_file,
    schema_problems,
    source_text,
)
from cooperation.models import Record, Sector, Source
from cooperation.registry import RECORD_RESOURCES
from cooperation.serializers import SourceSerializer, ensure_sectors

# Never compared or copied: the database sets them (timestamps are kept as they are on an update).
UNCOMPARED_FIELDS = {"id", "created_at", "updated_at"}
ACTIONS = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class Change:
    resource: str  # "sources" or a registry key, e.g. "trade_figures"
    label: str  # where the file describes it, e.g. "trade_figures[3]"
    action: str  # created, updated or unchanged
    pk: Any
    fields: tuple[str, ...] = ()  # what an update changed

    @property
    def api_path(self) -> str:
        return f"{self.resource.replace('_', '-')}/{self.pk}"


@dataclass
class ImportReport:
    changes: list[Change] = field(default_factory=list)
    # Stored records of the source that no entry of the file matched: left as they are, and listed.
    not_in_file: dict[str, list[Any]] = field(default_factory=dict)

    def count(self, action: str, resource: str | None = None) -> int:
        return sum(1 for change in self.changes if change.action == action and resource in (None, change.resource))


def import_fact_file(path: Path, user: AbstractBaseUser | None = None, dry_run: bool = False) -> ImportReport:
    """Validate and write the fact file in one transaction (rolled back for a dry run); raise FactFileError."""
    document = read_fact_file(path)
    problems = schema_problems(document)
    if problems:
        raise FactFileError(problems)
    text = source_text(document, path)
    with transaction.atomic():
        # The history's change reason holds at most 100 characters.
        report = Importer(user, reason=f"import_article {path.name}"[:100]).run(document, text)
        if dry_run:
            transaction.set_rollback(True)
    return report


class Importer:
    def __init__(self, user: AbstractBaseUser | None, reason: str) -> None:
        self.user = user
        self.reason = reason
        self.report = ImportReport()
        self.problems: list[str] = []
        # The natural keys met so far in the file, per resource, with the entry that had each.
        self.seen_keys: dict[str, dict[tuple[Any, ...], str]] = {}

    def run(self, document: dict[str, Any], text: str) -> ImportReport:
        source_data = {name: value for name, value in document["source"].items() if name != "text_file"}
        source = self.import_one(
            "sources", "source", SourceSerializer, SOURCE_NATURAL_KEY, {**source_data, "text": text}, {}
        )
        if source is None:
            # The records' quotes are checked against the source's text: without a source, stop here.
            raise FactFileError(self.problems)
        for resource in RECORD_RESOURCES:
            described = set()
            for index, entry in enumerate(document.get(resource.key, [])):
                record = self.import_one(
                    resource.key,
                    f"{resource.key}[{index}]",
                    resource.serializer,
                    resource.natural_key,
                    {**entry, "source": source.pk},
                    {"source": source.pk},
                )
                if record is not None:
                    described.add(record.pk)
            left = resource.model._default_manager.filter(source=source.pk).exclude(pk__in=described)
            if left_ids := list(left.order_by("pk").values_list("pk", flat=True)):
                self.report.not_in_file[resource.key] = left_ids
        if self.problems:
            raise FactFileError(self.problems)
        return self.report

    def import_one(
        self,
        resource: str,
        label: str,
        serializer_class: type[ModelSerializer[Any]],
        key_fields: tuple[str, ...],
        data: dict[str, Any],
        scope: dict[str, Any],
    ) -> models.Model | None:
        """Validate one entry as the API would, match it on its natural key, and save it if it differs."""
        serializer = serializer_class(data=data)
        if not serializer.is_valid():
            self.problems.extend(f"{label}{where}: {message}" for where, message in flatten(serializer.errors))
            return None
        model: type[models.Model] = serializer_class.Meta.model
        many_to_many = {relation.name for relation in model._meta.many_to_many}
        values = dict(serializer.validated_data)
        wanted = model(**{name: value for name, value in values.items() if name not in many_to_many})
        related = {name: sorted(getattr(item, "pk", item) for item in values.get(name, [])) for name in many_to_many}
        key = {model_field(model, name).attname: value_of(wanted, name) for name in key_fields}
        duplicate = self.seen_keys.setdefault(resource, {}).get(tuple(key.values()))
        if duplicate is not None:
            self.problems.append(
                f"{label}: has the same {', '.join(key_fields)} as {duplicate} (the natural key of {resource}); "
                "one record per key."
            )
            return None
        stored = list(model._default_manager.filter(**scope, **key).order_by("pk")[:3])
        if len(stored) > 1:
            ids = ", ".join(str(record.pk) for record in stored)
            self.problems.append(
                f"{label}: several stored {resource} of this source have its {', '.join(key_fields)} "
                f"(ids {ids}); the file cannot say which one it describes."
            )
            return None
        current = stored[0] if stored else None
        if not self.clean_as_saved(label, wanted, current):
            return None
        record, action, changed = self.save(model, current, wanted, related)
        self.seen_keys[resource][tuple(key.values())] = label
        self.report.changes.append(Change(resource, label, action, record.pk, changed))
        return record

    def clean_as_saved(self, label: str, wanted: models.Model, current: models.Model | None) -> bool:
        """The admin's checks (`full_clean()`: fields, `clean()`, constraints) on the record as it will be saved.

        With the stored record's id, so that a source whose text changes is checked against its stored quotes.
        """
        if current is not None:
            wanted.pk = current.pk
            wanted._state.adding = False
        try:
            wanted.full_clean()
        except DjangoValidationError as exc:
            self.problems.extend(f"{label}{where}: {message}" for where, message in flatten(exc.message_dict))
            return False
        return True

    def save(
        self,
        model: type[models.Model],
        current: models.Model | None,
        wanted: models.Model,
        related: dict[str, list[Any]],
    ) -> tuple[models.Model, str, tuple[str, ...]]:
        compared = [
            field
            for field in model._meta.concrete_fields
            # Fields nobody writes (generated columns, the folded search text) follow from the others.
            if field.name not in UNCOMPARED_FIELDS and field.editable and not getattr(field, "generated", False)
        ]
        changed: tuple[str, ...] = ()
        if current is None:
            record, action = wanted, "created"
        else:
            changed_fields = [f.name for f in compared if f.value_from_object(current) != f.value_from_object(wanted)]
            changed_related = [
                name
                for name, keys in related.items()
                if sorted(getattr(current, name).values_list("pk", flat=True)) != keys
            ]
            changed = (*changed_fields, *changed_related)
            if not changed:
                return current, "unchanged", ()
            for f in compared:
                setattr(current, f.attname, f.value_from_object(wanted))
            record, action = current, "updated"
        # django-simple-history takes the version's user and change reason from here (there is no request).
        assert isinstance(record, (Source, Record))  # what fact files describe
        record._history_user = self.user
        record._change_reason = self.reason
        record.save()
        for name, keys in related.items():
            if action == "created" or name in changed:
                if model_field(model, name).related_model is Sector:
                    ensure_sectors(keys)
                getattr(record, name).set(keys)
        return record, action, changed


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def value_of(instance: models.Model, name: str) -> Any:
    return model_field(type(instance), name).value_from_object(instance)


def flatten(errors: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """DRF's and Django's nested errors as (".field[1]", message) pairs."""
    if isinstance(errors, dict):
        for name, value in errors.items():
            if name in (api_settings.NON_FIELD_ERRORS_KEY, "__all__"):
                yield from flatten(value, where)
            else:
                yield from flatten(value, f"{where}[{name}]" if isinstance(name, int) else f"{where}.{name}")
    elif isinstance(errors, list):
        for item in errors:
            yield from flatten(item, where)
    else:
        yield where, str(errors)
