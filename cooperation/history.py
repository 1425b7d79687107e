"""Audit history (django-simple-history): how versions are written, and how `<resource>/<id>/history/` reads them.

Writing: the library records a version on every save, and another on every many-to-many change. A
write that saves a record and then sets its sectors or countries is one change, so within one
transaction the many-to-many change updates the version the save just wrote instead of adding one.

Reading: the database pages the versions (`versions_of`, `VersionPagination`), reading one version
more than the page, the one the page's oldest is compared with. `describe_versions` names the fields
each version changed with the library's `diff_against()`, and reads the page's many-to-many values
in one query per field. `version_serializer` derives a resource's version serializer from its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from rest_framework import serializers
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record
from simple_history.utils import get_history_manager_for_model

from cooperation.pagination import PageNumberPagination

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
LATEST_VERSION = "_latest_version_in_transaction"
_versions_paused: ContextVar[bool] = ContextVar("versions_paused", default=False)

# --- writing ----------------------------------------------------------------------------------------


@contextmanager
def versions_paused() -> Iterator[None]:
    """Write no version in this block: restoring a backup loads the versions it holds, as they were.

    Only for this block and this thread, unlike the library's SIMPLE_HISTORY_ENABLED setting.
    """
    token = _versions_paused.set(True)
    try:
        yield
    finally:
        _versions_paused.reset(token)


class RecordHistory(HistoricalRecords):
    def create_historical_record(self, instance: Any, history_type: str, using: str | None = None) -> None:
        # Saves, deletes and many-to-many changes all write their version here.
        if not _versions_paused.get():
            super().create_historical_record(instance, history_type, using=using)

    def m2m_changed(self, instance: Any, action: str, attr: Any, pk_set: Any, reverse: bool, **kwargs: Any) -> None:
        if _versions_paused.get():
            return
        version = getattr(instance, LATEST_VERSION, None)
        if version is None or action not in ("post_add", "post_remove", "post_clear"):
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
            return
        for field in self.get_m2m_fields_from_model(type(instance)):
            snapshot_rows(version, field.name).delete()
        self.create_historical_record_m2ms(version, instance)

    def create_historical_record_m2ms(self, history_instance: Any, instance: Any) -> None:
        if history_instance.history_type != "-":
            super().create_historical_record_m2ms(history_instance, instance)
            return
        # By post_delete Django has already removed the record's many-to-many rows: the deleted
        # version keeps those of the version before it, the record as it was.
        previous = history_instance.prev_record
        if previous is None:
            return
        for field in self.get_m2m_fields_from_model(type(instance)):
            rows = snapshot_rows(previous, field.name)
            snapshot_model = rows.model
            copied = [
                name
                for name in (f.attname for f in snapshot_model._meta.concrete_fields)
                if name not in (snapshot_model._meta.pk.attname, "history_id")
            ]
            snapshot_model.objects.bulk_create(
                snapshot_model(history=history_instance, **{name: getattr(row, name) for name in copied})
                for row in rows
            )


def snapshot_rows(version: Any, name: str) -> QuerySet[Any]:
    """The many-to-many rows a version holds for the field `name`, through the library's manager for them."""
    return getattr(version, name).all()


@receiver(post_create_historical_record)
def remember_latest_version(sender: Any, instance: models.Model, history_instance: Any, **kwargs: Any) -> None:
    """Until the transaction ends, further many-to-many changes belong to this version."""
    setattr(instance, LATEST_VERSION, history_instance)
    transaction.on_commit(lambda: instance.__dict__.pop(LATEST_VERSION, None))


# --- reading ----------------------------------------------------------------------------------------


def versions_of(model: type[models.Model], pk: Any) -> QuerySet[Any]:
    """The versions of one record, newest first, still unread: the paginator slices it in the database."""
    return (
        get_history_manager_for_model(model)
        .filter(**{model._meta.pk.attname: pk})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


class VersionPaginator(Paginator):
    """Reads a page of versions with one more: the version before the page's oldest, which that one is compared with.

    Each version of the page gets `older`, the version before it (None for a record's first version).
    """

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        versions = list(self.object_list[bottom : bottom + self.per_page + 1])
        for index, version in enumerate(versions):
            version.older = versions[index + 1] if index + 1 < len(versions) else None
        return Page(versions[: self.per_page], number, self)


class VersionPagination(PageNumberPagination):
    django_paginator_class = VersionPaginator


def describe_versions(
    versions: Sequence[Any], record_serializer: type[serializers.ModelSerializer[Any]]
) -> list[dict[str, Any]]:
    """The versions of a page (from VersionPagination) as a version serializer reads them."""
    writable = writable_fields(record_serializer)
    many_to_many = many_to_many_values(record_serializer.Meta.model, versions)
    described = []
    for version in versions:
        record = version.instance
        # Read by ManyKeysField: the many-to-many values as they were in this version, not as they are now.
        record.m2m_snapshot = many_to_many[version.pk]
        described.append(
            {
                "history_id": version.history_id,
                "history_date": version.history_date,
                "history_type": HISTORY_TYPES[version.history_type],
                "history_user": version.history_user.get_username() if version.history_user else None,
                "changed_fields": changed_fields(version, writable, many_to_many),
                "record": record,
            }
        )
    return described


@functools.cache
def writable_fields(record_serializer: type[serializers.ModelSerializer[Any]]) -> dict[str, str]:
    """The fields a client writes, in the serializer's order: name → model field."""
    return {name: str(field.source) for name, field in record_serializer().fields.items() if not field.read_only}


def changed_fields(version: Any, writable: dict[str, str], many_to_many: dict[Any, dict[str, list[str]]]) -> list[str]:
    """The writable fields this version set or changed: all on a create, none on a delete."""
    if version.history_type == "-":
        return []
    older = version.older
    if version.history_type == "+" or older is None:
        return list(writable)
    values, older_values = many_to_many[version.pk], many_to_many[older.pk]
    # The many-to-many fields are compared from the rows already read for the page: diff_against()
    # would read them again, two queries per field for every version.
    plain = [source for source in writable.values() if source not in values]
    changed = set(version.diff_against(older, included_fields=plain).changed_fields)
    changed.update(name for name in values if values[name] != older_values[name])
    return [name for name, source in writable.items() if source in changed]


def many_to_many_values(model: type[models.Model], versions: Sequence[Any]) -> dict[Any, dict[str, list[str]]]:
    """Per version of the page (and the one before it), each many-to-many field's sorted keys then.

    One query per field for the whole page, through the library's manager of that field's history.
    """
    ids = {version.pk for version in versions} | {version.older.pk for version in versions if version.older}
    values: dict[Any, dict[str, list[str]]] = {pk: {} for pk in ids}
    historical_model = get_history_manager_for_model(model).model
    for field in model._meta.many_to_many:
        target = f"{field.m2m_reverse_field_name()}_id"
        rows = getattr(historical_model, field.name).filter(history_id__in=ids).values_list("history_id", target)
        for keys in values.values():
            keys[field.name] = []
        for history_id, key in rows:
            values[history_id][field.name].append(str(key))
        for keys in values.values():
            keys[field.name].sort()
    return values


class VersionSerializer(serializers.Serializer[dict[str, Any]]):
    """One version of a record; `version_serializer` adds `record`, the record as it was."""

    history_id = serializers.IntegerField(help_text="Id of this version.")
    history_date = serializers.DateTimeField(help_text="When the change was made.")
    history_type = serializers.ChoiceField(
        choices=list(HISTORY_TYPES.values()), help_text="What the change was: created, changed or deleted."
    )
    history_user = serializers.CharField(allow_null=True, help_text="Username of who made it; null if unknown.")
    changed_fields = serializers.ListField(
        child=serializers.CharField(), help_text="Fields this version set or changed (all fields when created)."
    )


@functools.cache
def version_serializer(record_serializer: type[serializers.ModelSerializer[Any]]) -> type[VersionSerializer]:
    """The version serializer of a resource: TradeFigureSerializer gives TradeFigureVersionSerializer."""
    model: type[models.Model] = record_serializer.Meta.model
    noun = model._meta.verbose_name
    return type(
        record_serializer.__name__.removesuffix("Serializer") + "VersionSerializer",
        (VersionSerializer,),
        {
            "__module__": __name__,
            "__doc__": f"One version of the {noun}: who made it and when, what it changed, the {noun} as it was.",
            "record": record_serializer(read_only=True, help_text=f"The {noun} as it was in this version."),
        },
    )
