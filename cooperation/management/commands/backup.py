"""Write a backup: records, sources, their history, users and groups, as one JSON file."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

# What a backup holds. Countries, permissions and content types come from
# migrations and fixtures; tokens are credentials and are not copied around.
BACKUP_LABELS = ["auth.group", "auth.user", "cooperation"]


class Command(BaseCommand):
    help = "Dump records, sources, history, users and groups to a JSON file (restore with `restore`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="File to write (default: backups/backup-<UTC time>.json).")

    def handle(self, *args: Any, output: str | None, **options: Any) -> None:
        path = Path(output or f"backups/backup-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Natural keys for users, groups and permissions: their ids differ between databases.
        call_command(
            "dumpdata",
            *BACKUP_LABELS,
            format="json-exact",  # timestamps to the microsecond (cooperation/serialization.py)
            natural_foreign=True,
            natural_primary=True,
            indent=1,
            output=str(path),
            verbosity=0,
        )
        self.stdout.write(str(path))
