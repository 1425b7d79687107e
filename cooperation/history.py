"""Audit history: one version per write, whoever makes it (API, admin, command).

django-simple-history records a version on every save, and another on every
many-to-many change. A write that saves a record and then sets its sectors
or countries is one change, so within one transaction the many-to-many
change updates the version the save just wrote instead of adding one.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
LATEST_VERSION = "_latest_version_in_transaction"


class RecordHistory(HistoricalRecords):
    def m2m_changed(self, instance: Any, action: str, attr: Any, pk_set: Any, reverse: bool, **kwargs: Any) -> None:
        version = getattr(instance, LATEST_VERSION, None)
        if version is None or action not in ("post_add", "post_remove", "post_clear"):
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
            return
        for field in version._history_m2m_fields:
            self.m2m_models[field].objects.filter(history=version).delete()
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
        for field in history_instance._history_m2m_fields:
            snapshot_model = self.m2m_models[field]
            copied = [
                name
                for name in (f.attname for f in snapshot_model._meta.concrete_fields)
                if name not in (snapshot_model._meta.pk.attname, "history_id")
            ]
            snapshot_model.objects.bulk_create(
                snapshot_model(history=history_instance, **{name: getattr(row, name) for name in copied})
                for row in snapshot_model.objects.filter(history=previous)
            )


@receiver(post_create_historical_record)
def remember_latest_version(sender: Any, instance: models.Model, history_instance: Any, **kwargs: Any) -> None:
    """Until the transaction ends, further many-to-many changes belong to this version."""
    setattr(instance, LATEST_VERSION, history_instance)
    transaction.on_commit(lambda: instance.__dict__.pop(LATEST_VERSION, None))


def record_versions(model: type[models.Model], pk: Any) -> list[Any]:
    """The versions of one record, newest first, each with `.record`: the instance as it was."""
    historical_model = model.history.model  # type: ignore[attr-defined]
    snapshots = m2m_snapshot_accessors(historical_model)
    versions = list(
        historical_model.objects.filter(**{model._meta.pk.attname: pk})
        .select_related("history_user")
        .prefetch_related(*snapshots.values())
        .order_by("-history_date", "-history_id")
    )
    for version in versions:
        version.record = version.instance
        # Many-to-many fields as they were in this version, not as they are now.
        version.record.m2m_snapshot = {
            name: sorted(str(getattr(row, target)) for row in getattr(version, accessor).all())
            for name, accessor in snapshots.items()
            for target in [m2m_target(model, name)]
        }
    return versions


def m2m_snapshot_accessors(historical_model: type[models.Model]) -> dict[str, str]:
    """Map each m2m field to the accessor of its snapshot rows on a version (e.g. sectors)."""
    accessors: dict[str, str] = {}
    for field in getattr(historical_model, "_history_m2m_fields", []):
        for relation in historical_model._meta.related_objects:
            snapshot_model = relation.related_model
            if getattr(snapshot_model, "__name__", "") == f"{historical_model.__name__}_{field.name}":
                accessors[field.name] = str(relation.get_accessor_name())
    return accessors


def m2m_target(model: type[models.Model], name: str) -> str:
    """Attribute of a through row that holds the related object's key (e.g. `sector_id`)."""
    field = model._meta.get_field(name)
    return f"{field.m2m_reverse_field_name()}_id"  # type: ignore[union-attr]
