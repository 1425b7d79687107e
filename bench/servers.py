"""The servers under test: start, wait until they answer, read their CPU time from /proc, stop.

A server's CPU time is the utime + stime of its process and every descendant (a gunicorn master
and its workers), plus what their already reaped children used (cutime + cstime), in seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class ProcessTimes:
    pid: int
    parent: int
    name: str
    ticks: int  # utime + stime + cutime + cstime


def process_times() -> dict[int, ProcessTimes]:
    """Every process's parent, command name and CPU ticks, from /proc/<pid>/stat."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone since listdir
            continue
        # The name is in parentheses and may hold spaces or parentheses itself: split at the last ")".
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        # rest[0] is field 3 of proc(5) (state): ppid is field 4, utime..cstime fields 14-17.
        ticks = sum(int(value) for value in rest[11:15])
        found[int(entry)] = ProcessTimes(int(entry), int(rest[1]), name, ticks)
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of `root` and all its descendants."""
    processes = process_times()
    children: dict[int, list[int]] = {}
    for times in processes.values():
        children.setdefault(times.parent, []).append(times.pid)
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        if pid in processes:
            total += processes[pid].ticks
            pending.extend(children.get(pid, []))
    return total / CLOCK_TICKS


def postgres_cpu_seconds() -> float | None:
    """CPU seconds of every process whose name starts with "postgres"; None when there is none here."""
    ticks = [times.ticks for times in process_times().values() if times.name.startswith("postgres")]
    return sum(ticks) / CLOCK_TICKS if ticks else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """One server under test, on its own port of 127.0.0.1, logging to its own file."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_path: str
    log: Path
    cwd: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        with self.log.open("wb") as log:
            # Its own session: Ctrl-C reaches only run.py, which then stops the whole group.
            self.process = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_until_ready(self, timeout: float = 90) -> None:
        """Until the server answers HTTP at all (any status); fails if it exits or never answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerError(f"{self.name} exited while starting; its log:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise ServerError(f"{self.name} did not answer on {self.url} within {timeout:.0f} s; log:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        """Stop the server's process group: SIGTERM, then SIGKILL after ten seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid  # the group's id: started with start_new_session
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # Whatever of the group outlived its leader (a worker that missed the signal).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
