"""Row tallies: a table's row count read from one row the database keeps exact, instead of counted.

Counting a million trade figures cost PostgreSQL 62 ms of CPU (a parallel index-only scan), where the
rest of an unfiltered list costs about 2 ms. The tally table holds one row per tallied table, and
triggers move it on every INSERT and DELETE of that table, in the writing transaction, whatever does
the writing: migration 0010_row_tally installs them and says how they work on each database. Here the
tallies are only read; `pagination.TallyPaginator` decides when.

A tallied table without its tally row (a database whose tally was deleted by hand, a record type
whose triggers no migration has installed yet) reads as None, and its lists count with COUNT(*).
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.db import connections, models

from cooperation.querysets import record_querysets

TALLY_TABLE = "cooperation_row_tally"
# Per record table with a pair_key and per pair, its records (migration 0013_pair_tally); read by the pair profile.
PAIR_TALLY_TABLE = "cooperation_pair_tally"


@functools.cache
def tallied_tables() -> frozenset[str]:
    """The tables whose lists read their count from a tally: the sources' and every record type's.

    Asked of Django's app registry, like `record_querysets()`: the models module imports this package's
    pagination, which reads this. tests/test_row_tally.py fails while one of them has no working triggers.
    """
    source = apps.get_model("cooperation", "Source")
    return frozenset(model._meta.db_table for model in [source, *(records.model for records in record_querysets())])


def read_tally(model: type[models.Model], alias: str) -> int | None:
    """The model's row count as its tally holds it, on the database `alias`; None if it has no tally."""
    table = model._meta.db_table
    if table not in tallied_tables():
        return None
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT row_count FROM {TALLY_TABLE} WHERE table_name = %s", [table])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
