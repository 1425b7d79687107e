"""Write fixtures/countries.json from pycountry's ISO 3166-1 data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def iso_countries() -> list[dict[str, Any]]:
    """All ISO 3166-1 countries as fixture objects, sorted by code (pycountry is a dev dependency)."""
    import pycountry

    return [
        {
            "model": "cooperation.country",
            "pk": country.alpha_2,
            "fields": {
                "alpha3": country.alpha_3,
                "numeric": country.numeric,
                "name": country.name,
                "official_name": getattr(country, "official_name", ""),
            },
        }
        for country in sorted(pycountry.countries, key=lambda country: country.alpha_2)
    ]


def render(objects: list[dict[str, Any]]) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = "Regenerate fixtures/countries.json from pycountry's ISO 3166-1 data."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.FIXTURE_DIRS[0]) / "countries.json"
        objects = iso_countries()
        path.write_text(render(objects), encoding="utf-8")
        self.stdout.write(f"Wrote {len(objects)} countries to {path}.")
