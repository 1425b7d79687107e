"""`make bench`: the API against bare Django, Datasette and raw sqlite3, on the same data (README.md).

Environment: BENCH_TRADE_FIGURES (1000000), BENCH_ROUNDS (3), BENCH_DURATION (seconds per run, 5),
BENCH_SEARCH (a word of synthetic landmark names, "sculpture"), BENCH_DATASETTE_IMMUTABLE (0),
BENCH_KEEP_GOING (0: any failed check stops the run before measuring), DATABASE_URL (postgres://…
to measure PostgreSQL instead of the benchmark's own SQLite file).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench import database, queries
from bench.report import LABELS, Cell, Run, depth_note, machine, table
from bench.servers import Server, ServerError, postgres_cpu_seconds

ROOT = database.ROOT
BIN = ROOT / ".venv" / "bin"
BENCH_VENV = ROOT / ".venv-bench"
REQUIREMENTS = ROOT / "requirements-bench.txt"
LUA = ROOT / "bench" / "wrk_summary.lua"
LOGS = database.DATA / "logs"
THREADS, CONNECTIONS = 2, 16
WARM_UP_SECONDS = 1
ENV_NAMES = ("BENCH_TRADE_FIGURES", "BENCH_ROUNDS", "BENCH_DURATION", "BENCH_SEARCH", "BENCH_DATASETTE_IMMUTABLE")


class CheckFailed(Exception):
    pass


@dataclass(frozen=True)
class Config:
    trade_figures: int
    rounds: int
    duration: int
    search_word: str
    datasette_immutable: bool
    keep_going: bool
    postgresql_url: str | None

    @classmethod
    def from_environ(cls) -> Config:
        url = os.environ.get("DATABASE_URL", "")
        if url and not url.startswith(("postgres://", "postgresql://")):
            print(f"== DATABASE_URL is not PostgreSQL: using the benchmark's own SQLite file, not {url}")
        search = os.environ.get("BENCH_SEARCH", "sculpture")
        if not re.fullmatch(r"[A-Za-z0-9]+", search):
            raise SystemExit("BENCH_SEARCH must be one word of letters and digits.")
        return cls(
            trade_figures=int(os.environ.get("BENCH_TRADE_FIGURES", "1000000")),
            rounds=int(os.environ.get("BENCH_ROUNDS", "3")),
            duration=int(os.environ.get("BENCH_DURATION", "5")),
            search_word=search,
            datasette_immutable=os.environ.get("BENCH_DATASETTE_IMMUTABLE", "0") == "1",
            keep_going=os.environ.get("BENCH_KEEP_GOING", "0") == "1",
            postgresql_url=url if url.startswith(("postgres://", "postgresql://")) else None,
        )

    @property
    def command(self) -> str:
        """The command line that reproduces this run, the database password left out."""
        names = [name for name in ENV_NAMES if name in os.environ]
        settings = [f"{name}={os.environ[name]}" for name in names]
        if self.postgresql_url:
            parts = urlsplit(self.postgresql_url)
            hidden = parts._replace(netloc=re.sub(r":[^:@]*@", ":…@", parts.netloc))
            settings.append(f"DATABASE_URL={hidden.geturl()}")
        return " ".join([*settings, "make bench"])


# Tools


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("== Installing wrk from Debian", flush=True)
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def ensure_datasette() -> None:
    """Datasette in its own virtualenv, so that its dependencies never meet Django's."""
    marker = BENCH_VENV / ".installed"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if marker.exists() and marker.read_text().strip() == wanted and (BENCH_VENV / "bin" / "datasette").exists():
        return
    print(f"== Installing {REQUIREMENTS.name} into {BENCH_VENV.name}", flush=True)
    if not (BENCH_VENV / "bin" / "python").exists():
        subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    marker.write_text(wanted + "\n")


# Servers


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, **extra}
    if "DJANGO_SETTINGS_MODULE" not in extra:
        env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def gunicorn(app: str) -> list[str]:
    # No access log (gunicorn writes none unless asked); warnings and errors go to the server's log file.
    return [str(BIN / "gunicorn"), app, "--workers", "2", "--bind", "127.0.0.1:{port}", "--log-level", "warning"]


def make_servers(config: Config, database_url: str) -> dict[str, Server]:
    def server(name: str, command: list[str], env: dict[str, str], ready: str) -> Server:
        return Server(name, command, env, ready, LOGS / f"{name}.log", ROOT)

    api_env = server_env(
        database_url,
        DJANGO_ENV="production",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        # Throttling stays on, as in production; the rate only never limits the benchmark.
        THROTTLE_ANON="100000000/min",
    )
    bare_env = server_env(database_url, DJANGO_SETTINGS_MODULE="bench.baseline_settings")
    servers = {
        "api": server("api", gunicorn("config.wsgi"), api_env, "/api/v1/countries/DE/"),
        "bare": server("bare", gunicorn("django.core.wsgi:get_wsgi_application()"), bare_env, "/api/v1/investments/"),
    }
    if config.postgresql_url is None:
        mode = ["-i", str(database.SQLITE)] if config.datasette_immutable else [str(database.SQLITE)]
        launcher = [str(BENCH_VENV / "bin" / "python"), str(ROOT / "bench" / "datasette_serve.py")]
        datasette = [*launcher, "serve", *mode, "--host", "127.0.0.1", "--port", "{port}"]
        # The API has no query time limit; Datasette's default of one second would cut counts short under load.
        datasette += ["--setting", "sql_time_limit_ms", "60000"]
        servers["datasette"] = server("datasette", datasette, dict(os.environ), "/bench.json")
        raw_env = server_env(database_url, BENCH_SQLITE=str(database.SQLITE))
        servers["raw"] = server("raw", gunicorn("bench.rawapp:application"), raw_env, "/api/v1/investments/")
    return servers


@contextlib.contextmanager
def running(servers: dict[str, Server]) -> Iterator[None]:
    """All servers started and answering; all stopped again on the way out, whatever happens."""
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_until_ready()
            print(f"== {LABELS[server.name]} is up on {server.url} (log: {server.log.relative_to(ROOT)})")
        yield
    finally:
        for server in servers.values():
            server.stop()


# Requests and checks


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        raise CheckFailed(f"{url}: no answer ({error})") from error


def excerpt(body: bytes) -> str:
    text = body.decode(errors="replace").strip()
    return text[:500] + ("…" if len(text) > 500 else "")


def api_cursor(api: Server, deep_page: int) -> tuple[str | None, str | None]:
    """The cursor of the `next` link of a deep page-number page of the API, or why there is none."""
    url = f"{api.url}{queries.TRADE}?page={deep_page}"
    try:
        status, _, body = fetch(url)
    except CheckFailed as failure:
        return None, str(failure)
    if status != 200:
        return None, f"{url} answered {status}: {excerpt(body)}"
    next_link = json.loads(body).get("next") or ""
    cursor = parse_qs(urlsplit(next_link).query).get("cursor")
    if not cursor:
        return None, f"the next link of {url} has no cursor: {next_link or 'null'}"
    return cursor[0], None


@dataclass(frozen=True)
class Target:
    """One query on one target, checked and ready to measure."""

    query: str
    target: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()


def check_request(server: Server, request: queries.Request) -> tuple[dict[str, str], Any]:
    """The headers to send and the answer's signature; CheckFailed unless it answers as it should."""
    if request.problem:
        raise CheckFailed(request.problem)
    url = server.url + request.path
    headers: dict[str, str] = {}
    if request.conditional:
        status, response_headers, body = fetch(url)
        if status != 200 or not response_headers.get("ETag"):
            raise CheckFailed(f"GET {url} answered {status} with ETag {response_headers.get('ETag')}: {excerpt(body)}")
        headers["If-None-Match"] = response_headers["ETag"]
    status, _, body = fetch(url, headers)
    if status != request.expected_status:
        raise CheckFailed(f"{url} answered {status}, not {request.expected_status}: {excerpt(body)}")
    if request.reader is None:
        return headers, None
    try:
        return headers, request.reader(json.loads(body))
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise CheckFailed(f"{url}: unexpected answer ({error!r}): {excerpt(body)}") from error


def difference(mine: Any, reference: Any) -> str:
    if isinstance(mine, dict) and isinstance(reference, dict) and "ids" in mine and "ids" in reference:
        parts = []
        if mine.get("count") != reference.get("count"):
            parts.append(f"count {mine.get('count')} where the reference has {reference.get('count')}")
        for index, (a, b) in enumerate(zip(mine["ids"], reference["ids"], strict=False)):
            if a != b:
                parts.append(f"row {index + 1} is id {a} where the reference has id {b}")
                break
        if len(mine["ids"]) != len(reference["ids"]):
            parts.append(f"{len(mine['ids'])} rows where the reference has {len(reference['ids'])}")
        return "; ".join(parts)
    return f"{json.dumps(mine)[:300]} where the reference has {json.dumps(reference)[:300]}"


def check_query(query: queries.Query, servers: dict[str, Server]) -> tuple[list[Target], dict[str, str]]:
    """Each target's first answer: the right status, then the same rows as the API's (or bare Django's)."""
    ready: list[Target] = []
    signatures: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for name, request in query.requests.items():
        if name not in servers:
            continue
        try:
            headers, signatures[name] = check_request(servers[name], request)
        except CheckFailed as failure:
            failures[name] = str(failure)
            continue
        ready.append(Target(query.name, name, servers[name].url + request.path, tuple(headers.items())))
    reference_name = "api" if "api" in signatures else "bare"
    reference = signatures.get(reference_name)
    if query.is_list and isinstance(reference, dict) and not reference.get("ids"):
        failures.update({target.target: "the query returns no rows" for target in ready})
    for name, signature in signatures.items():
        if name != reference_name and reference is not None and signature != reference:
            failures[name] = f"not the rows of {LABELS[reference_name]}: {difference(signature, reference)}"
    return [target for target in ready if target.target not in failures], failures


# Measuring


def wrk(target: Target, seconds: int) -> dict[str, Any]:
    headers = [part for name, value in target.headers for part in ("-H", f"{name}: {value}")]
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    result = subprocess.run(
        [*command, "-s", str(LUA), *headers, target.url], capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            summary: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
            return summary
    raise RuntimeError(f"wrk gave no result for {target.url}:\n{result.stdout}\n{result.stderr}")


def measure(target: Target, server: Server, seconds: int, postgresql: bool) -> Run:
    """One wrk run, with the server's CPU time (and PostgreSQL's) read just before and just after."""
    cpu_before = server.cpu_seconds()
    db_before = postgres_cpu_seconds() if postgresql else None
    summary = wrk(target, seconds)
    cpu = server.cpu_seconds() - cpu_before
    db_after = postgres_cpu_seconds() if postgresql else None
    requests = max(summary["requests"], 1)
    errors = sum(summary[kind] for kind in ("connect_errors", "read_errors", "write_errors", "status_errors"))
    return Run(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        cpu_ms=cpu * 1000 / requests,
        db_cpu_ms=(db_after - db_before) * 1000 / requests if db_before is not None and db_after is not None else None,
        errors=errors + summary["timeouts"],
    )


def settle(servers: dict[str, Server], postgresql: bool, quiet_ms: float = 5, longest_s: float = 60) -> None:
    """Wait until no server (nor PostgreSQL) is busy: a slow query's last requests outlive its wrk run.

    wrk stops after its duration, but the requests it left queued on the servers' sockets are still
    served; measured from the next run's start, their CPU (PostgreSQL's above all, which every server
    shares) would be charged to the next query.
    """

    def busy_seconds() -> float:
        total = sum(server.cpu_seconds() for server in servers.values())
        return total + ((postgres_cpu_seconds() or 0.0) if postgresql else 0.0)

    deadline = time.monotonic() + longest_s
    before = busy_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = busy_seconds()
        if (now - before) * 1000 < quiet_ms:
            return
        before = now


def warm_up(targets: list[Target]) -> None:
    """A second of load on each server before the first measured run: every worker past its first request."""
    seen: set[str] = set()
    for target in targets:
        if target.target not in seen:
            seen.add(target.target)
            wrk(target, WARM_UP_SECONDS)


# Results


def write_results(config: Config, facts: database.Facts, body: str, notes: list[str]) -> Path:
    path = ROOT / "bench" / ("RESULTS-postgresql.md" if config.postgresql_url else "RESULTS.md")
    rows = ", ".join(f"{count:,} {label}" for label, count in facts.rows.items())
    datasette = "immutable (`-i`)" if config.datasette_immutable else "mutable (as the Django targets open the file)"
    where = "PostgreSQL" if config.postgresql_url else f"SQLite file `{database.SQLITE.relative_to(ROOT)}`"
    lines = [
        f"# Benchmark results: {'PostgreSQL' if config.postgresql_url else 'SQLite'}",
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Database: {facts.database}, {where}",
        f"- Rows: {rows} ({facts.synthetic_trade_figures:,} synthetic trade figures)",
        f"- Command: `{config.command}`",
        f"- Load: `wrk -t{THREADS} -c{CONNECTIONS} -d{config.duration}s`, {config.rounds} interleaved round(s); "
        "each figure is the median over the rounds",
        "- Servers: API and bare Django and raw sqlite3 on gunicorn, 2 sync workers each"
        + ("" if config.postgresql_url else f"; Datasette one process, {datasette}"),
        "- CPU ms/req: the server's processes' CPU time (/proc utime + stime) over the requests served; "
        "x bare: that over bare Django's for the same query in the same round, the median over the rounds, "
        "then each round's in parentheses (bench/README.md)",
        "",
        body,
        "",
        *notes,
    ]
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path


# The run


def prepare(config: Config) -> tuple[str, database.Facts]:
    """Tools and data: the database's URL and what is in it."""
    ensure_wrk()
    if config.postgresql_url is None:
        ensure_datasette()
        database_url = database.build_sqlite(config.trade_figures)
        database.setup_django(database_url)
    else:
        database_url = config.postgresql_url
        database.setup_django(database_url)
        database.prepare_postgres(database_url, config.trade_figures)
    facts = database.read_facts()
    print(f"== {facts.database}: {', '.join(f'{count:,} {label}' for label, count in facts.rows.items())}")
    return database_url, facts


def check_all(plan: list[queries.Query], servers: dict[str, Server]) -> tuple[list[Target], dict[tuple[str, str], str]]:
    targets: list[Target] = []
    failures: dict[tuple[str, str], str] = {}
    for query in plan:
        ready, failed = check_query(query, servers)
        targets += ready
        failures.update({(query.name, name): problem for name, problem in failed.items()})
    for (query_name, name), problem in failures.items():
        print(f"!! CHECK FAILED: {query_name} on {LABELS[name]}: {problem}", file=sys.stderr)
    return targets, failures


def measure_all(targets: list[Target], servers: dict[str, Server], config: Config) -> dict[tuple[str, str], Cell]:
    """Round after round, every query on every target in turn; the medians per query and target."""
    print(f"== {len(targets)} query-target pairs x {config.rounds} round(s) x {config.duration} s", flush=True)
    warm_up(targets)
    runs: dict[tuple[str, str], list[Run]] = {}
    for round_number in range(1, config.rounds + 1):
        for target in targets:
            settle(servers, config.postgresql_url is not None)
            run = measure(target, servers[target.target], config.duration, config.postgresql_url is not None)
            runs.setdefault((target.query, target.target), []).append(run)
            print(
                f"[{round_number}/{config.rounds}] {target.query:45} {LABELS[target.target]:12} "
                f"{run.rate:8,.0f} req/s  p99 {run.p99_ms:7.1f} ms  CPU {run.cpu_ms:6.2f} ms/req"
                + (f"  ({run.errors} errors)" if run.errors else ""),
                flush=True,
            )
    return {key: Cell.of(value) for key, value in runs.items()}


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.chdir(ROOT)
    config = Config.from_environ()
    database_url, facts = prepare(config)
    servers = make_servers(config, database_url)
    with running(servers):
        cursor, cursor_problem = api_cursor(servers["api"], facts.deep_page)
        plan = queries.plan(
            queries.Positions(
                middle_id=facts.middle_id,
                deep_page=facts.deep_page,
                deep_key=facts.deep_key,
                api_cursor=cursor,
                cursor_problem=cursor_problem,
                offset_page=facts.offset_page,
                search_word=config.search_word,
                pair=database.BUSIEST_PAIR,
            )
        )
        targets, failures = check_all(plan, servers)
        if failures and not config.keep_going:
            print("!! Nothing measured. Fix the above, or set BENCH_KEEP_GOING=1 to measure the rest.", file=sys.stderr)
            return 1
        cells = measure_all(targets, servers, config)

    body = table([query.name for query in plan], list(servers), cells, failures, config.postgresql_url is not None)
    notes = [f"Failed check: {query} on {LABELS[name]}: {problem}" for (query, name), problem in failures.items()]
    notes += [
        f"! {query} on {LABELS[name]}: {cell.errors} errors (sockets, timeouts or answers other than 2xx/3xx)"
        for (query, name), cell in cells.items()
        if cell.errors
    ]
    depth = depth_note(
        cells.get((queries.FIRST_PAGE, "api")),
        cells.get((queries.deep_cursor_page(facts.deep_page), "api")),
        config.postgresql_url is not None,
    )
    notes += [depth] if depth else []
    print("\n" + body + "\n" + "\n".join(notes))
    print(f"== Written to {write_results(config, facts, body, notes).relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("!! Interrupted: the servers are stopped, nothing is written.")
    except ServerError as error:
        sys.exit(f"!! {error}")
    except subprocess.CalledProcessError as error:
        sys.exit(f"!! {' '.join(map(str, error.cmd))} failed with exit status {error.returncode} (output above)")
