"""Concurrent editors through a real gunicorn: no update is lost, no quote outlives its sentence.

8 threads x 50 read-then-update cycles of one record, each update sending the
ETag it read in If-Match and adding 1 to the value it read. The final value
must equal the start plus the number of 200s: a lost update would leave it
lower. On SQLite this also proves that IMMEDIATE transactions and the busy
timeout keep "database is locked" from ever becoming a 500.

One editor removes a source's sentences one by one while writers create and
update records quoting the very sentence being removed: afterwards every
stored quote is in its source's text. Under PostgreSQL's read committed this
holds only because record and source writes lock the source row
(`cooperation.models.lock_source`).
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from cooperation.models import Source, TradeFigure

THREADS = 8
UPDATES_PER_THREAD = 50
WORKERS = 4  # more than gunicorn's default of 1, so requests really overlap
BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A database of its own, of the same kind as the suite's, that the server processes share."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
        return
    name = f"concurrency_{uuid.uuid4().hex[:8]}"
    admin = f"postgresql://{default['USER']}@{default['HOST']}:{default['PORT']}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{default['USER']}@{default['HOST']}:{default['PORT']}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def server(database_url):
    """gunicorn on a free port over a migrated, seeded database; yields (base URL, an editor's token)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_ENV": "development",
        "THROTTLE_WRITES": "100000/min",
        "THROTTLE_USER": "100000/min",
    }

    def manage(*args: str) -> str:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True).stdout

    manage("migrate", "--noinput")
    manage("load_records")
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User; "
        "User.objects.create_user('racer').groups.add(Group.objects.get(name='editors'))",
    )
    token = manage("create_token", "racer").strip()
    port = free_port()
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
    ]
    process = subprocess.Popen(gunicorn, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/v1/trade-figures/1/", timeout=2)
            return
        except urllib.error.HTTPError as error:
            raise AssertionError(f"gunicorn answered {error.code}: {error.read()[:500]!r}") from error
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start within 30 s")


def call(method: str, url: str, token: str, body: dict | None = None, if_match: str | None = None):
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if if_match:
        headers["If-Match"] = if_match
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("ETag"), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None, json.loads(error.read() or b"null")


def test_concurrent_conditional_updates_lose_nothing(server):
    base, token = server
    url = f"{base}/api/v1/trade-figures/2/"
    start = Decimal(call("GET", url, token)[2]["value"])
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def editor() -> None:
        for _ in range(UPDATES_PER_THREAD):
            _, etag, record = call("GET", url, token)
            status, _, _ = call("PATCH", url, token, {"value": str(Decimal(record["value"]) + 1)}, if_match=etag)
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=editor) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    applied = statuses[HTTPStatus.OK]
    final = Decimal(call("GET", url, token)[2]["value"])
    lost = start + applied - final
    print(f"attempted={THREADS * UPDATES_PER_THREAD} applied={applied} conflicts={statuses[412]} lost={lost}")
    assert set(statuses) <= {HTTPStatus.OK, HTTPStatus.PRECONDITION_FAILED}, statuses
    assert sum(statuses.values()) == THREADS * UPDATES_PER_THREAD
    assert applied > 0
    assert final == start + applied
    history = call("GET", f"{url}history/?page_size=1000", token)[2]
    assert history["count"] == 1 + applied  # created by the fixtures, then one version per applied update


RACE_SENTENCES = 60
RACE_WRITERS = 4


def test_a_quote_never_outlives_the_sentence_it_quotes(server):
    base, token = server
    sentences = [f"Sentence {index} of the race was written to be quoted." for index in range(RACE_SENTENCES)]
    anchor = "This sentence stays."
    status, _, source = call("POST", f"{base}/api/v1/sources/", token, {"title": "Race", "text": anchor})
    assert status == HTTPStatus.CREATED, source
    source_url = f"{base}/api/v1/sources/{source['id']}/"
    status, _, _ = call("PATCH", source_url, token, {"text": " ".join([anchor, *sentences])})
    assert status == HTTPStatus.OK
    target = [0]  # the index of the sentence the editor is removing now, which the writers quote
    finished = threading.Event()
    statuses: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def count(kind: str, status: int) -> None:
        with lock:
            statuses[kind, status] += 1

    def trade_figure(quote: str) -> dict:
        return {
            "reporter": "KZ",
            "partner": "HU",
            "flow": "export",
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
            "value": "1.00",
            "currency": "USD",
            "source": source["id"],
            "source_quote": quote,
        }

    def editor() -> None:
        for index, sentence in enumerate(sentences):
            target[0] = index
            _, _, current = call("GET", source_url, token)
            status, _, _ = call("PATCH", source_url, token, {"text": current["text"].replace(f" {sentence}", "")})
            count("remove", status)
        finished.set()

    def writer() -> None:
        status, _, record = call("POST", f"{base}/api/v1/trade-figures/", token, trade_figure(anchor))
        assert status == HTTPStatus.CREATED, record
        own_url = f"{base}/api/v1/trade-figures/{record['id']}/"
        while not finished.is_set():
            quote = sentences[target[0]]
            count("create", call("POST", f"{base}/api/v1/trade-figures/", token, trade_figure(quote))[0])
            count("update", call("PATCH", own_url, token, {"source_quote": quote})[0])

    threads = [threading.Thread(target=editor), *(threading.Thread(target=writer) for _ in range(RACE_WRITERS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    text = call("GET", source_url, token)[2]["text"]
    query = f"source={source['id']}&page_size=1000"
    records = call("GET", f"{base}/api/v1/trade-figures/?{query}", token)[2]["results"]
    orphans = [record["id"] for record in records if record["source_quote"] not in text]
    print(f"statuses={dict(sorted(statuses.items()))} records={len(records)} orphans={orphans}")
    assert set(statuses) <= {(kind, status) for kind in ("remove", "create", "update") for status in (200, 201, 400)}
    # Both sides won some races, or the test proved nothing.
    assert statuses["remove", HTTPStatus.OK] > 0
    assert statuses["create", HTTPStatus.CREATED] + statuses["update", HTTPStatus.OK] > 0
    assert orphans == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the suite's in-memory SQLite (shared cache) refuses a second writer instead of making it wait",
)
def test_admin_and_import_writes_lock_the_source_too():
    """The lock lives in Model.save(): writes validated with full_clean() in a transaction, as the admin
    and load_records make them, keep every quote in its source's text under the same race."""
    sentences = [f"Sentence {index} of the model race was written to be quoted." for index in range(RACE_SENTENCES)]
    anchor = "This sentence stays."
    source = Source.objects.create(title="Race", text=" ".join([anchor, *sentences]))
    target = [0]
    aimed = threading.Event()  # a writer is quoting the target: the editor removes it only now, so the two overlap
    finished = threading.Event()
    outcomes: Counter[tuple[str, bool]] = Counter()
    lock = threading.Lock()

    def save_validated(kind: str, instance: Source | TradeFigure) -> None:
        try:
            with transaction.atomic():
                instance.full_clean()
                instance.save()
            saved = True
        except ValidationError:
            saved = False
        with lock:
            outcomes[kind, saved] += 1

    def in_own_connection(work):
        def run() -> None:
            try:
                work()
            finally:
                connection.close()  # each thread has its own; the test database cannot be dropped while it is open

        return run

    def editor() -> None:
        for index, sentence in enumerate(sentences):
            aimed.clear()
            target[0] = index
            aimed.wait(timeout=10)
            # Start 0 to 40 ms after a writer, sweeping the moments at which the two writes can overlap.
            time.sleep(index % 5 * 0.01)
            edited = Source.objects.get(pk=source.pk)
            edited.text = edited.text.replace(f" {sentence}", "")
            save_validated("remove", edited)
        finished.set()

    def writer() -> None:
        own = TradeFigure(
            reporter_id="KZ",
            partner_id="HU",
            flow="export",
            period_start=datetime.date(2023, 1, 1),
            period_end=datetime.date(2023, 12, 31),
            value=Decimal("1.00"),
            currency="USD",
            source_id=source.pk,
            source_quote=anchor,
        )
        own.save()
        while not finished.is_set():
            quote = sentences[target[0]]
            aimed.set()
            new = TradeFigure.objects.get(pk=own.pk)
            new.pk = None
            new.source_quote = quote
            save_validated("create", new)
            updated = TradeFigure.objects.get(pk=own.pk)
            updated.source_quote = quote
            save_validated("update", updated)

    threads = [threading.Thread(target=in_own_connection(work)) for work in [editor, *[writer] * RACE_WRITERS]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    text = Source.objects.get(pk=source.pk).text
    quotes = dict(TradeFigure.objects.filter(source=source).values_list("pk", "source_quote"))
    orphans = [pk for pk, quote in quotes.items() if quote not in text]
    print(f"outcomes={dict(sorted(outcomes.items()))} records={len(quotes)} orphans={orphans}")
    assert outcomes["remove", True] > 0
    assert outcomes["create", True] + outcomes["update", True] > 0
    assert orphans == []


@pytest.mark.django_db
def test_record_save_checks_the_quote_again_with_the_source_locked():
    """What clean() checked may have changed since: save() refuses a quote the locked text lacks."""
    source = Source.objects.create(title="Locked", text="One sentence.")
    record = TradeFigure(
        reporter_id="KZ",
        partner_id="HU",
        flow="export",
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
        value=Decimal("1.00"),
        currency="USD",
        source_id=source.pk,
        source_quote="Another sentence.",
    )

    with pytest.raises(ValidationError) as excinfo:
        record.save()
    assert set(excinfo.value.message_dict) == {"source_quote"}

    record.source_id = source.pk + 1000
    with pytest.raises(ValidationError) as excinfo:
        record.save()
    assert set(excinfo.value.message_dict) == {"source"}
    assert not TradeFigure.objects.filter(source=source).exists()


@pytest.mark.django_db
def test_source_save_checks_the_quotes_again_with_its_row_locked():
    """A text edit saved without clean() still cannot drop a sentence a record quotes."""
    record = TradeFigure.objects.filter(source_id=1).first()
    source = Source.objects.get(pk=1)
    source.text = source.text.replace(record.source_quote, "")

    with pytest.raises(ValidationError) as excinfo:
        source.save()
    assert set(excinfo.value.message_dict) == {"text"}
    assert record.source_quote in Source.objects.get(pk=1).text
