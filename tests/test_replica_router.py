"""Read replicas: the router, pointed at a second connection, and the settings that install it.

Settings are read once, at import, so the suite's own settings have no replica. The
`_replica_alias` fixture adds the alias at run time the way Django's test runner sets up the one
settings add (`TEST: {"MIRROR": "default"}`, `creation.set_as_test_mirror`): a second connection
with the primary's settings, so to the primary's test database. On SQLite that is the shared-cache
in-memory database `file:memorydb_default?mode=memory&cache=shared`, which a second connection in
the same process opens too; on PostgreSQL it is `test_<name>` (`_gwN` under xdist). The `replica`
fixture installs the router with `override_settings(DATABASE_ROUTERS=...)`, which also resets
`django.db.router`'s cached routers on entry and exit.

A second connection sees only committed rows, and inside the test transaction of a plain `db`
test every read goes to the primary anyway (that is the rule under test), so the request tests are
transactional: the editor, the token and the records are committed before the request is sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from cooperation.models import Source, TradeFigure
from cooperation.routers import PRIMARY, REPLICA, PrimaryReplicaRouter, reads_from_primary
from tests.factories import SourceFactory, TradeFigureFactory
from tests.helpers import make_user, token_client

ROUTER = "cooperation.routers.PrimaryReplicaRouter"
# Transactional (see above), and allowed to use the replica alias.
with_replica = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup: None) -> Iterator[None]:
    """The alias "replica" for this module's tests: a second connection to the test database.

    It must exist before a test case starts, since Django checks each test's `databases` against
    the configured aliases then; module scope makes pytest set it up before any test's own fixtures.
    """
    if REPLICA in connections.settings:  # DATABASE_REPLICA_URL is set: the test runner mirrored it already
        yield
        return
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(transactional_db: None) -> Iterator[BaseDatabaseWrapper]:
    """The replica's connection, with the router installed for this test.

    It depends on `transactional_db`, so it closes its connection before that fixture's flush, which
    on SQLite's shared in-memory database must find no other connection reading it.
    """
    try:
        # override_settings also rebuilds django.db.router's cached routers, on entry and on exit.
        with override_settings(DATABASE_ROUTERS=[ROUTER]):
            yield connections[REPLICA]
    finally:
        connections[REPLICA].close()


@pytest.fixture
def primary() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split(None, 1)[0].upper() for query in queries.captured_queries]


# --- requests through the router ------------------------------------------------------------------


@with_replica
def test_anonymous_list_reads_only_from_the_replica(replica, primary):
    """A GET outside any transaction runs every query on the replica and none on the primary."""
    TradeFigureFactory.create_batch(3, reporter_id="DE", partner_id="FR")

    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = APIClient().get(reverse("trade-figure-list"), {"reporter": "DE", "partner": "FR"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 3  # the rows the primary committed, read through the second connection
    assert on_replica.captured_queries
    assert set(statements(on_replica)) == {"SELECT"}
    assert on_primary.captured_queries == []


@with_replica
def test_unfiltered_list_reads_its_tally_on_the_replica(replica, primary):
    """The count of a whole table comes from its row tally, read where the page is read."""
    TradeFigureFactory.create_batch(3)

    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = APIClient().get(reverse("trade-figure-list"))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == TradeFigure.objects.count()
    assert "cooperation_row_tally" in on_replica.captured_queries[0]["sql"]
    assert on_primary.captured_queries == []


@with_replica
def test_authenticated_detail_checks_the_token_on_the_primary_and_reads_the_record_on_the_replica(replica, primary):
    """Credentials are read where a token created or revoked a moment ago already is; the record is not."""
    record = TradeFigureFactory()
    client = token_client(make_user("reader"))

    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = client.get(reverse("trade-figure-detail", args=[record.pk]))

    assert response.status_code == HTTPStatus.OK
    assert any("knox_authtoken" in query["sql"] for query in on_primary.captured_queries)
    assert any("cooperation_tradefigure" in query["sql"] for query in on_replica.captured_queries)
    assert not any("cooperation_" in query["sql"] for query in on_primary.captured_queries)
    assert not any("knox_" in query["sql"] or "auth_" in query["sql"] for query in on_replica.captured_queries)


@with_replica
def test_patch_by_an_editor_reads_and_writes_only_on_the_primary(replica, primary):
    """The row lock, the source-text check and the update all see the primary; the replica is not asked."""
    record = TradeFigureFactory()
    client = token_client(make_user("editor", editor=True))

    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = client.patch(
            reverse("trade-figure-detail", args=[record.pk]), {"notes": "Checked again."}, format="json"
        )

    assert response.status_code == HTTPStatus.OK, response.content
    assert {"SELECT", "UPDATE"} <= set(statements(on_primary))
    if primary.features.has_select_for_update:  # PostgreSQL; SQLite locks the whole database instead
        assert any("FOR UPDATE" in query["sql"] for query in on_primary.captured_queries)
    assert on_replica.captured_queries == []
    assert TradeFigure.objects.using(PRIMARY).get(pk=record.pk).notes == "Checked again."


@with_replica
def test_post_by_an_editor_reads_and_writes_only_on_the_primary(replica, primary):
    """A create validates its quote against the source on the primary and inserts there."""
    source = SourceFactory()
    client = token_client(make_user("editor", editor=True))
    body = {
        "reporter": "DE",
        "partner": "FR",
        "flow": "export",
        "period_start": "2021-01-01",
        "period_end": "2021-12-31",
        "value": "123.00",
        "currency": "EUR",
        "qualifier": "exact",
        "source": source.pk,
        "source_quote": "Trade grew.",
    }

    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
        response = client.post(reverse("trade-figure-list"), body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    assert {"SELECT", "INSERT"} <= set(statements(on_primary))
    assert on_replica.captured_queries == []


# --- the ORM through the router --------------------------------------------------------------------


@with_replica
def test_reads_outside_a_transaction_come_from_the_replica(replica):
    """Objects read outside a transaction are the replica's, and save back to the primary."""
    SourceFactory()

    source = Source.objects.all()[0]
    assert source._state.db == REPLICA

    source.title = "Saved through the router"
    with CaptureQueriesContext(replica) as on_replica:
        source.save()
    assert on_replica.captured_queries == []
    assert Source.objects.using(PRIMARY).filter(title="Saved through the router").exists()


@with_replica
def test_reads_inside_a_transaction_come_from_the_primary(replica):
    """Read-your-writes: inside atomic() a read sees the transaction's own uncommitted row."""
    with transaction.atomic():
        created = SourceFactory()
        assert Source.objects.all().filter(pk=created.pk).get()._state.db == PRIMARY
        assert Source.objects.select_for_update().get(pk=created.pk)._state.db == PRIMARY


# --- the router's answers -----------------------------------------------------------------------------


def test_writes_always_go_to_the_primary():
    router = PrimaryReplicaRouter()

    assert router.db_for_write(TradeFigure) == PRIMARY
    assert router.db_for_read(TradeFigure) == REPLICA


@pytest.mark.django_db
def test_reads_inside_the_test_transaction_go_to_the_primary():
    """A plain `db` test runs inside atomic(): the router sends its reads to the primary."""
    router = PrimaryReplicaRouter()

    assert connections[PRIMARY].in_atomic_block
    assert router.db_for_read(TradeFigure) == PRIMARY
    assert router.db_for_write(TradeFigure) == PRIMARY


def test_reads_inside_reads_from_primary_go_to_the_primary():
    """A block that must not see a lagging replica (a cache fill after a write) reads the primary."""
    router = PrimaryReplicaRouter()

    with reads_from_primary():
        assert router.db_for_read(TradeFigure) == PRIMARY
    assert router.db_for_read(TradeFigure) == REPLICA


@pytest.mark.parametrize(("app_label", "model"), [("auth", "user"), ("knox", "authtoken"), ("sessions", "session")])
def test_credentials_are_read_from_the_primary(app_label, model):
    """A token created or revoked a moment ago is seen at once, whatever the replica's lag."""
    from django.apps import apps

    assert PrimaryReplicaRouter().db_for_read(apps.get_model(app_label, model)) == PRIMARY


@pytest.mark.parametrize(("alias", "allowed"), [(PRIMARY, True), (REPLICA, False)])
def test_migrations_run_only_on_the_primary(alias, allowed):
    """The replica gets the schema by replication, never by `migrate`."""
    assert PrimaryReplicaRouter().allow_migrate(alias, "cooperation", "tradefigure") is allowed


def test_relations_between_primary_and_replica_objects_are_allowed():
    router = PrimaryReplicaRouter()
    on_primary, on_replica, elsewhere = TradeFigure(), Source(), Source()
    on_primary._state.db, on_replica._state.db, elsewhere._state.db = PRIMARY, REPLICA, "archive"

    assert router.allow_relation(on_primary, on_replica) is True
    assert router.allow_relation(on_primary, elsewhere) is None


# --- settings -------------------------------------------------------------------------------------


def settings_in_a_fresh_process(**environ: str) -> dict[str, Any]:
    """The database settings and routing that config.settings gives a new process with this environment."""
    code = """
import json
import django
django.setup()
from django.conf import settings
from django.db import router
from cooperation.models import TradeFigure
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "routers": list(settings.DATABASE_ROUTERS),
    "databases": {alias: {key: db.get(key) for key in ("ENGINE", "HOST", "NAME", "CONN_MAX_AGE",
                  "CONN_HEALTH_CHECKS", "OPTIONS", "TEST")} for alias, db in settings.DATABASES.items()},
    "read": router.db_for_read(TradeFigure),
    "write": router.db_for_write(TradeFigure),
}))
"""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING", **environ}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_without_a_replica_url_there_is_one_database_and_no_router():
    loaded = settings_in_a_fresh_process()

    assert loaded["aliases"] == ["default"]
    assert loaded["routers"] == []
    assert loaded["read"] == loaded["write"] == "default"


def test_a_replica_url_adds_the_replica_alias_and_the_router():
    loaded = settings_in_a_fresh_process(
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/cooperation", CONN_MAX_AGE="30"
    )

    assert loaded["aliases"] == ["default", "replica"]
    assert loaded["routers"] == [ROUTER]
    replica = loaded["databases"]["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert (replica["HOST"], replica["NAME"]) == ("replica.internal", "cooperation")
    assert replica["CONN_MAX_AGE"] == loaded["databases"]["default"]["CONN_MAX_AGE"] == 30
    assert replica["CONN_HEALTH_CHECKS"] is loaded["databases"]["default"]["CONN_HEALTH_CHECKS"]
    assert replica["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert replica["TEST"]["MIRROR"] == "default"
    assert (loaded["read"], loaded["write"]) == ("replica", "default")


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them():
    loaded = settings_in_a_fresh_process(
        DATABASE_URL="postgres://app@primary.internal:5432/cooperation",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/cooperation",
        POSTGRES_PREPARED_STATEMENTS="false",
    )

    assert [db["OPTIONS"] for db in loaded["databases"].values()] == [{}, {}]


def test_the_options_of_the_database_urls_are_kept():
    """sslmode and the like from DATABASE_URL stay beside the prepared statements' options."""
    loaded = settings_in_a_fresh_process(
        DATABASE_URL="postgres://app@primary.internal:5432/cooperation?sslmode=verify-full",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/cooperation?sslmode=require",
    )

    options = [db["OPTIONS"] for db in loaded["databases"].values()]
    assert [option["sslmode"] for option in options] == ["verify-full", "require"]
    assert all(option["server_side_binding"] is True for option in options)
