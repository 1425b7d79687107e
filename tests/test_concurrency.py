"""Concurrent editors through a real gunicorn: every update applies or gets 412, none is lost.

8 threads x 50 read-then-update cycles of one record, each update sending the
ETag it read in If-Match and adding 1 to the value it read. The final value
must equal the start plus the number of 200s: a lost update would leave it
lower. On SQLite this also proves that IMMEDIATE transactions and the busy
timeout keep "database is locked" from ever becoming a 500.
"""

from __future__ import annotations

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
