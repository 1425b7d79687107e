"""Create an API token for a user and print it once (only its hash is stored)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it; it cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--days", type=int, default=90, help="Days until the token expires (default 90; 0 for never)."
        )

    def handle(self, *args: Any, username: str, days: int, **options: Any) -> None:
        if days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        expiry = datetime.timedelta(days=days) if days else None
        instance, token = AuthToken.objects.create(user=user, expiry=expiry)
        expires = f"expires {instance.expiry:%Y-%m-%d %H:%M} UTC" if instance.expiry else "never expires"
        self.stderr.write(f"Token for {username} ({expires}); store it now, it is not shown again:")
        self.stdout.write(token)
