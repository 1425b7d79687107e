"""Write fixtures/fact-file.schema.json, the JSON Schema of fact files, from the API's request schemas."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cooperation.fact_files import SCHEMA_PATH, fact_file_schema, render_schema


class Command(BaseCommand):
    help = "Regenerate fixtures/fact-file.schema.json from the API's request schemas (run after changing them)."

    def handle(self, *args: Any, **options: Any) -> None:
        SCHEMA_PATH.write_text(render_schema(fact_file_schema()), encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_PATH}.")
