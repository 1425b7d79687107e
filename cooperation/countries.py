"""Country codes known to the database, kept in memory: reading a code costs no query.

Countries are reference data (`manage.py load_records` writes them, nothing in the API does), so a
process reads their codes once: every alpha-2, alpha-3 and numeric code, mapped to the alpha-2 code
that rows store and responses show. A code it does not know is looked up again before it is refused,
so a country added while the process runs is found all the same.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Q

from cooperation.models import Country


@cache
def known_country_codes() -> dict[str, str]:
    """Every ISO 3166-1 code of every country (upper-case alpha-2, alpha-3, numeric) -> its alpha-2 code."""
    codes: dict[str, str] = {}
    for alpha2, alpha3, numeric in Country.objects.values_list("code", "alpha3", "numeric"):
        codes.update({alpha2: alpha2, alpha3: alpha2, numeric: alpha2})
    return codes


def alpha2_code(code: str) -> str | None:
    """The alpha-2 code of the country whose alpha-2, alpha-3 or numeric code is `code` (upper-case), or None."""
    if code in known_country_codes():
        return known_country_codes()[code]
    found = Country.objects.filter(Q(code=code) | Q(alpha3=code) | Q(numeric=code)).values_list("code", flat=True)
    alpha2 = found.first()
    if alpha2 is not None:
        known_country_codes.cache_clear()
    return alpha2
