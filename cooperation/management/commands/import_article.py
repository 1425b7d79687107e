"""Import an article's fact file: its source and records, validated as the API does, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cooperation.fact_files import FactFileError
from cooperation.importer import ACTIONS, ImportReport, import_fact_file
from cooperation.registry import RECORD_RESOURCES

RESOURCES = ("sources", *(resource.key for resource in RECORD_RESOURCES))


class Command(BaseCommand):
    help = (
        "Import a fact file (YAML or JSON, see fixtures/fact-file.schema.json): validate every record as the "
        "API does, then create, update or leave each one, in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fact_file", type=Path, help="Path of the fact file (.yaml, .yml or .json).")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, but write nothing.")
        parser.add_argument("--user", help="Username that the history records as the author of the changes.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["fact_file"]
        user = find_user(options["user"])
        try:
            report = import_fact_file(path, user=user, dry_run=options["dry_run"])
        except FactFileError as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(f"{path} was not imported, nothing was written:\n{lines}") from exc
        self.write_report(path, report, user, options["dry_run"], options["verbosity"])

    def write_report(
        self, path: Path, report: ImportReport, user: AbstractBaseUser | None, dry_run: bool, verbosity: int
    ) -> None:
        if verbosity == 0:
            return
        author = f"as {user.get_username()}" if user is not None else "with no user (--user names one)"
        self.stdout.write(f"{'Dry run of' if dry_run else 'Importing'} {path} {author}")
        for change in report.changes:
            if change.action != "unchanged" or verbosity > 1:
                fields = f" ({', '.join(change.fields)})" if change.fields else ""
                self.stdout.write(f"  {change.label}: {change.action} {change.api_path}{fields}")
        self.stdout.write(f"  {'':22}{''.join(f'{action:>11}' for action in ACTIONS)}")
        for resource in RESOURCES:
            counts = "".join(f"{report.count(action, resource):>11}" for action in ACTIONS)
            self.stdout.write(f"  {resource:22}{counts}")
        for resource, ids in report.not_in_file.items():
            paths = ", ".join(f"{resource.replace('_', '-')}/{pk}" for pk in ids)
            self.stdout.write(
                self.style.WARNING(
                    f"  Stored {resource} of this source that the file does not describe (kept): {paths}"
                )
            )
        totals = ", ".join(f"{report.count(action)} {action}" for action in ACTIONS)
        if dry_run:
            self.stdout.write(f"Dry run, nothing was written: {totals}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {totals}."))


def find_user(username: str | None) -> AbstractBaseUser | None:
    if username is None:
        return None
    User = get_user_model()
    try:
        return User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist as exc:
        raise CommandError(f"--user: no user named {username!r}. Nothing was written.") from exc
