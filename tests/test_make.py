"""`make test` on a machine with only Python and make: it gets Node.js, npm and Chromium itself, or stops at once.

The install branch is exercised with DRY_RUN=1 only: the tests never install Debian packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REQUIRE = str(ROOT / "scripts" / "require-system-tool.sh")
MISSING_TOOL = "no-such-tool-for-make-test"


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def as_unprivileged(command: list[str]) -> list[str]:
    """The command as a user who cannot install packages: `nobody` when the tests run as root."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to test the branch of a user who is not root")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]


def test_make_test_requires_the_system_tools_first_and_lints_the_schema():
    result = run(["make", "--dry-run", "--always-make", "test"])

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def first(text: str) -> int:
        return next(number for number, line in enumerate(lines) if text in line)

    requires = [first(f"require-system-tool.sh {tool}") for tool in ("node nodejs", "npm npm", "/usr/bin/chromium")]
    assert max(requires) < first("pip install") < first("npm ci") < first("pytest")
    assert first("spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn") < first("pytest")
    assert first("redocly lint openapi.yaml --config redocly.yaml") < first("pytest")


def test_a_present_tool_is_left_alone():
    for tool in ("sh", "/bin/sh"):
        result = run([REQUIRE, tool, "dash"], DRY_RUN="1")
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_missing_tool_is_installed_from_debian_where_this_user_can():
    result = run([REQUIRE, MISSING_TOOL, "some-package"], DRY_RUN="1")

    if os.geteuid() == 0 and shutil.which("apt-get"):
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            f"would run: apt-get update && apt-get install -y some-package  (for {MISSING_TOOL})"
        )
    else:
        assert result.returncode == 1
        assert "sudo apt-get install some-package" in result.stderr


def test_a_missing_tool_that_cannot_be_installed_stops_with_what_to_install():
    # The script's text, not its path: `nobody` may not reach a checkout in a private directory (mktemp -d).
    script = Path(REQUIRE).read_text()
    command = ["bash", "-c", script, "require-system-tool.sh", f"/nonexistent/{MISSING_TOOL}", "some-package"]
    result = run(as_unprivileged(command), DRY_RUN="1")

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"make test needs /nonexistent/{MISSING_TOOL}, which is missing" in result.stderr
    assert "sudo apt-get install some-package" in result.stderr
