"""Production settings and migrations: what a deploy depends on."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

PRODUCTION = {"DJANGO_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "api.example.org"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_checks_pass_with_production_settings():
    """No security check is silenced: `check --deploy` passes at WARNING level."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "0 silenced" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_debug_stays_off_in_production_even_when_asked():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG="1", **PRODUCTION
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


@pytest.mark.django_db(transaction=True)
def test_every_migration_is_reversible():
    """Migrating the app to zero and back again works, on the suite's database."""
    call_command("migrate", "cooperation", "zero", verbosity=0)
    dropped = {"cooperation_tradefigure", "cooperation_row_tally", "cache"}
    assert not dropped & set(connection.introspection.table_names())
    call_command("migrate", verbosity=0)
    assert not MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
