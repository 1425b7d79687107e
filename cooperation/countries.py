"""Country codes known to the database, kept in memory: checking a filter's code costs no query.

Countries are reference data (`manage.py load_records` writes them, nothing in the API does), so a
process reads the codes once. A code it does not know is looked up again before it is refused, so a
country added while the process runs is found all the same.
"""

from __future__ import annotations

from functools import cache

from cooperation.models import Country


@cache
def known_country_codes() -> frozenset[str]:
    return frozenset(Country.objects.values_list("code", flat=True))


def is_known_country(code: str) -> bool:
    if code in known_country_codes():
        return True
    if Country.objects.filter(code=code).exists():
        known_country_codes.cache_clear()
        return True
    return False
