"""Load a backup written by `backup` into an empty, migrated database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from cooperation.history import versions_paused
from cooperation.models import Source
from cooperation.registry import RECORD_RESOURCES


class Command(BaseCommand):
    help = "Restore a backup file into an empty database (migrate first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        restored_models: list[type[models.Model]] = [Source, *(resource.model for resource in RECORD_RESOURCES)]
        occupied = [
            str(model._meta.verbose_name_plural) for model in restored_models if model._default_manager.exists()
        ]
        if get_user_model().objects.exists():
            occupied.append("users")
        if occupied:
            raise CommandError(
                f"The database is not empty ({', '.join(map(str, occupied))}); restore needs an empty one."
            )
        # The backup holds the history as it was: loading it must not write new versions.
        with transaction.atomic(), versions_paused():
            call_command("loaddata", str(path), verbosity=0)
        self.stdout.write(f"Restored {path}.")
