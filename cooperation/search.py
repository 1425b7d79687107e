"""Forgiving search: text folded to lower case without accents, so `petofi` finds "Sándor Petőfi Street".

Each searchable model keeps its searched fields folded in one column, `search_text`, written on every
`save()` and `bulk_create()` (see `Searchable` and `SearchableQuerySet`). A search folds its words the
same way and looks them up with a plain `LIKE '%word%'` on that column: one rule, written in Python,
gives the same answer on SQLite and PostgreSQL, and on PostgreSQL a trigram index (pg_trgm) serves the
`LIKE` however many rows there are. README.md ("Search") says why this and not PostgreSQL's `unaccent`.
"""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent, spelled as their base letters.
UNDECOMPOSED = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "\u0131": "i",  # dotless i
        "ł": "l",
        "ŀ": "l",
        "ŧ": "t",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)
# Between fields in the column: no search word holds a newline, so no word matches across two fields.
FIELD_SEPARATOR = "\n"


def fold(text: str) -> str:
    """Lower case without accents: "Sándor PETŐFI" -> "sandor petofi", "Straße" -> "strasse", "Łódź" -> "lodz".

    Compatibility forms fold too (full-width letters, the ligature "ﬁ" -> "fi"), so what looks alike matches.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(UNDECOMPOSED)


def folded_fields(*values: object) -> str:
    """The column's value: each field folded, empty ones (None, "") included as empty lines."""
    return FIELD_SEPARATOR.join(fold(str(value)) if value is not None else "" for value in values)
