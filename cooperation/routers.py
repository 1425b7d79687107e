"""Read replicas: installed by settings only when DATABASE_REPLICA_URL is set (docs/scaling.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
# Credentials are checked against the primary: a token created a moment ago must work, and a token
# revoked a moment ago (logout, a removed editor) must stop working, whatever the replica's lag.
PRIMARY_ONLY_APPS = frozenset({"auth", "knox", "sessions"})
_reads_from_primary: ContextVar[bool] = ContextVar("reads_from_primary", default=False)


@contextmanager
def reads_from_primary() -> Iterator[None]:
    """Send the reads of this block to the primary: e.g. filling a cache entry right after a write,
    which must not store what a lagging replica still shows."""
    token = _reads_from_primary.set(True)
    try:
        yield
    finally:
        _reads_from_primary.reset(token)


class PrimaryReplicaRouter:
    """Reads go to the replica unless they must see the primary's newest state; writes go to the primary.

    A replica applies the primary's changes with a delay (replication lag). A write opens a
    transaction (`transaction.atomic` on create, update and delete), and every read inside it
    (the row locked with `select_for_update`, the source text a quote is checked against, the
    record read back to answer) must see the primary's newest state, including the transaction's
    own uncommitted changes: read-your-writes inside a write. So do credentials (above) and
    blocks under `reads_from_primary()`. Other reads (GET requests) see committed data that may be
    a moment old.

    Both aliases hold the same data, so relations between their objects are allowed; the schema is
    migrated on the primary only, and reaches the replica by replication.
    """

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
            or _reads_from_primary.get()
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
