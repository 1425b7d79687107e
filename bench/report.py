"""The results: medians over the rounds, one markdown table, and the RESULTS file around it."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path

LABELS = {"api": "API", "bare": "bare Django", "datasette": "Datasette", "raw": "raw sqlite3"}


@dataclass(frozen=True)
class Run:
    """One wrk run against one target: what wrk saw and what the server's processes spent."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # the target's server processes, per request
    db_cpu_ms: float | None  # PostgreSQL's processes, per request
    errors: int  # socket errors, timeouts and answers other than 2xx/3xx

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Cell:
    """The medians of one query on one target over the rounds, and its CPU in each round."""

    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    db_cpu_ms: float | None
    errors: int
    # Per round, in order: a ratio to bare Django compares runs made seconds apart (bench/README.md).
    cpu_by_round: tuple[float, ...]
    db_cpu_by_round: tuple[float, ...] | None

    @classmethod
    def of(cls, runs: list[Run]) -> Cell:
        db = [run.db_cpu_ms for run in runs if run.db_cpu_ms is not None]
        return cls(
            rate=statistics.median(run.rate for run in runs),
            p50_ms=statistics.median(run.p50_ms for run in runs),
            p99_ms=statistics.median(run.p99_ms for run in runs),
            cpu_ms=statistics.median(run.cpu_ms for run in runs),
            db_cpu_ms=statistics.median(db) if db else None,
            errors=sum(run.errors for run in runs),
            cpu_by_round=tuple(run.cpu_ms for run in runs),
            db_cpu_by_round=tuple(db) if len(db) == len(runs) else None,
        )


def ratio(values: tuple[float, ...], baselines: tuple[float, ...] | None) -> str:
    """The median over the rounds of each round's ratio, then each round's: "1.12x (1.20 1.08 1.12)".

    A round runs the targets of a query one after the other, seconds apart; a shared machine's speed
    drifts more than that between rounds, so a ratio within a round cancels the drift that a ratio of
    medians taken from different rounds would keep.
    """
    if not baselines or len(values) != len(baselines) or not all(baselines):
        return ""
    ratios = [value / baseline for value, baseline in zip(values, baselines, strict=True)]
    rounds = f" ({' '.join(f'{each:.2f}' for each in ratios)})" if len(ratios) > 1 else ""
    return f"{statistics.median(ratios):.2f}x{rounds}"


def depth_note(first: Cell | None, deep: Cell | None, postgresql: bool) -> str | None:
    """The API's deep cursor page against its first page, within each round (the goal: at most 1.2x)."""
    if first is None or deep is None:
        return None
    deep_cpu, first_cpu, what = deep.cpu_by_round, first.cpu_by_round, "CPU"
    if postgresql and deep.db_cpu_by_round and first.db_cpu_by_round:
        deep_cpu = tuple(map(sum, zip(deep_cpu, deep.db_cpu_by_round, strict=True)))
        first_cpu = tuple(map(sum, zip(first_cpu, first.db_cpu_by_round, strict=True)))
        what = "app + PostgreSQL CPU"
    return f"API {what} of the deep cursor page over the first page: {ratio(deep_cpu, first_cpu)}"


def table(
    queries: list[str],
    targets: list[str],
    cells: dict[tuple[str, str], Cell],
    failures: dict[tuple[str, str], str],
    postgresql: bool,
) -> str:
    """One row per query and target; empty cells where a target has no equivalent of the query."""
    header = ["query", "target", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "CPU x bare"]
    if postgresql:
        header += ["PostgreSQL CPU ms/req", "(app + PostgreSQL) x bare"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---", "---"] + ["---:"] * (len(header) - 2)) + "|"]
    for query in queries:
        bare = cells.get((query, "bare"))
        for index, target in enumerate(targets):
            name = query if index == 0 else ""
            cell = cells.get((query, target))
            values = [name, LABELS[target]]
            if cell is None:
                failure = failures.get((query, target))
                values += [f"failed: {failure}" if failure else ""] + [""] * (len(header) - 3)
            else:
                flag = " !" if cell.errors else ""
                values += [
                    f"{cell.rate:,.0f}{flag}",
                    f"{cell.p50_ms:.1f}",
                    f"{cell.p99_ms:.1f}",
                    f"{cell.cpu_ms:.2f}",
                    ratio(cell.cpu_by_round, bare.cpu_by_round if bare else None),
                ]
                if postgresql:
                    values += postgresql_values(cell, bare)
            lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def postgresql_values(cell: Cell, bare: Cell | None) -> list[str]:
    if cell.db_cpu_ms is None or cell.db_cpu_by_round is None:
        return ["", ""]
    totals = tuple(map(sum, zip(cell.cpu_by_round, cell.db_cpu_by_round, strict=True)))
    bare_totals = None
    if bare and bare.db_cpu_by_round is not None:
        bare_totals = tuple(map(sum, zip(bare.cpu_by_round, bare.db_cpu_by_round, strict=True)))
    return [f"{cell.db_cpu_ms:.2f}", ratio(totals, bare_totals)]


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory_kib / 1024 / 1024:.1f} GiB memory, "
        f"{platform.system()} {platform.release()}; load average {' '.join(load)} at the start"
    )
