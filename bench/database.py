"""The benchmark's data: build the SQLite file or seed PostgreSQL, then read what the queries need.

Building runs the project's own commands (migrate, load_records, seed_synthetic) as subprocesses;
the facts are read here with the project's models (Django set up with config.settings).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SQLITE = DATA / "bench.sqlite3"
# What the SQLite file was built from: rebuilt when the size asked for, a migration or the seeding changes.
RECIPE = DATA / "bench.sqlite3.recipe.json"
PAGE_SIZE = 50
BUSIEST_PAIR = ("DE", "FR")


def manage(database_url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_ENV": "development"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    print(f"== manage.py {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recipe(trade_figures: int) -> dict[str, Any]:
    digest = hashlib.sha256()
    sources = [*sorted((ROOT / "cooperation" / "migrations").glob("*.py"))]
    sources.append(ROOT / "cooperation" / "management" / "commands" / "seed_synthetic.py")
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return {"trade_figures": trade_figures, "schema_and_seeding": digest.hexdigest()}


def build_sqlite(trade_figures: int) -> str:
    """The SQLite file, built from scratch unless it was built from the same recipe; returns its URL."""
    url = f"sqlite:///{SQLITE}"
    wanted = recipe(trade_figures)
    if SQLITE.exists() and RECIPE.exists() and json.loads(RECIPE.read_text()) == wanted:
        print(f"== Using {SQLITE.relative_to(ROOT)} ({trade_figures} synthetic trade figures)", flush=True)
        return url
    print(f"== Building {SQLITE.relative_to(ROOT)} with {trade_figures} synthetic trade figures", flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    for stale in (RECIPE, SQLITE, *SQLITE.parent.glob(SQLITE.name + "-*")):
        stale.unlink(missing_ok=True)
    manage(url, "migrate", "--noinput", "--verbosity", "0")
    manage(url, "load_records")
    manage(url, "seed_synthetic", "--trade-figures", str(trade_figures))
    RECIPE.write_text(json.dumps(wanted) + "\n")
    return url


def ensure_postgres_database(url: str) -> None:
    """Create the database that the URL names if the server does not have it yet."""
    import psycopg
    from psycopg import sql

    try:
        psycopg.connect(url).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    print(f"== Creating PostgreSQL database {name}", flush=True)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(database_url: str) -> None:
    """Django with the project's settings on the benchmark's database, for reading facts here."""
    import django

    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url, "DJANGO_ENV": "development"}
    )
    django.setup()


def synthetic_trade_figures() -> int:
    from cooperation.management.commands.seed_synthetic import SYNTHETIC_PREFIX
    from cooperation.models import TradeFigure

    return TradeFigure.objects.filter(source__title__startswith=SYNTHETIC_PREFIX).count()


def prepare_postgres(url: str, trade_figures: int) -> None:
    """Migrate, load the article's records, and seed unless the database has enough synthetic rows."""
    from django.db import connection

    ensure_postgres_database(url)
    manage(url, "migrate", "--noinput", "--verbosity", "0")
    manage(url, "load_records")
    present = synthetic_trade_figures()
    if present >= trade_figures:
        print(f"== PostgreSQL has {present} synthetic trade figures (asked for {trade_figures}): not seeding")
        return
    manage(url, "seed_synthetic", "--trade-figures", str(trade_figures))
    # As autovacuum would soon: the planner's statistics of the new rows, and the visibility map that
    # lets an index-only scan (a count, the pair's latest keys) skip the table, before anything is measured.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


@dataclass(frozen=True)
class Facts:
    rows: dict[str, int]
    synthetic_trade_figures: int
    middle_id: int
    deep_page: int
    deep_key: tuple[str, int]
    offset_page: int
    database: str  # "SQLite 3.x" or "PostgreSQL 16.x"


def read_facts() -> Facts:
    """Row counts, and where in the trade figures the queries look."""
    from django.db import connection, models

    from cooperation.models import Country, Source, TradeFigure
    from cooperation.registry import RECORD_RESOURCES

    counted: list[type[models.Model]] = [*(resource.model for resource in RECORD_RESOURCES), Source, Country]
    rows = {str(model._meta.verbose_name_plural): model._default_manager.count() for model in counted}
    total = rows[str(TradeFigure._meta.verbose_name_plural)]
    if total < 2 * PAGE_SIZE:
        raise SystemExit(f"Only {total} trade figures: set BENCH_TRADE_FIGURES to a few thousand at least.")
    ids = TradeFigure.objects.order_by("id").values_list("id", flat=True)
    # About 90% down the list, with a next page after it.
    deep_page = max(1, total * 9 // 10 // PAGE_SIZE)
    ordered = TradeFigure.objects.order_by("period_start", "id").values_list("period_start", "id")
    period_start, last_id = ordered[deep_page * PAGE_SIZE - 1]
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    facts = Facts(
        rows=rows,
        synthetic_trade_figures=synthetic_trade_figures(),
        middle_id=ids[total // 2],
        deep_page=deep_page,
        deep_key=(period_start.isoformat(), last_id),
        offset_page=min(1500, max(2, total // PAGE_SIZE // 2)),
        database=f"{'SQLite' if connection.vendor == 'sqlite' else 'PostgreSQL'} {version}",
    )
    connection.close()
    return facts
