"""Pair tallies: how many records of each type every pair of countries has, kept exact by the database.

The pair profile counts each resource for the pair. Counting the busiest pair's 5,092 trade figures
read as many index entries, the largest share of the profile's database work (about 1 ms of
PostgreSQL's CPU, 0.3 ms of SQLite's); the tally is one row read by primary key
(`selectors.counts_statement`). As the row tallies of migration 0010, triggers move it on every
INSERT, DELETE and UPDATE of a record table that has a `pair_key`, whatever does the writing, in the
writing transaction:

- PostgreSQL: statement-level triggers group the statement's transition tables by pair and add each
  pair's change in one upsert, in `pair_key` order (two writers of several pairs then take the
  tally's row locks in one order and cannot deadlock); an UPDATE that moves no record to another
  pair changes nothing. TRUNCATE deletes the table's pair tallies.
- SQLite: row-level triggers, one upsert per row; an UPDATE only when the record's pair changed.

A pair without records has no row, or a row at 0 (rows are never deleted, so that a writer never
races one that is deleting). The cultural initiatives have no `pair_key` (their countries are a set)
and are not tallied: their pair count reads the two countries' membership index entries.

SQLite drops a table's triggers when a migration rebuilds the table: such a migration must install
them again (`install_triggers`, then a recount). tests/test_row_tally.py checks every pair's tally
against its records after every kind of write.
"""

from django.db import migrations

PAIR_TALLY_TABLE = "cooperation_pair_tally"
# The record tables with a pair_key as of this migration, fixed here: a migration must do later what it
# does today. Each table's two country columns, which the pair_key is made of.
PAIRED = {
    "cooperation_tradefigure": ("reporter_id", "partner_id"),
    "cooperation_investment": ("investor_id", "recipient_id"),
    "cooperation_culturallandmark": ("located_in_id", "honoured_country_id"),
    "cooperation_scholarshipprogram": ("sponsor_id", "recipient_id"),
}

# Each pair's change, as rows (pair_key, change) of a query over the transition tables, added in one upsert.
ADD_CHANGES = f"""
    INSERT INTO {PAIR_TALLY_TABLE} AS tally (table_name, pair_key, row_count)
    SELECT TG_TABLE_NAME, pair_key, SUM(change) FROM (%s) AS changes
    GROUP BY pair_key HAVING SUM(change) <> 0 ORDER BY pair_key
    ON CONFLICT (table_name, pair_key) DO UPDATE SET row_count = tally.row_count + EXCLUDED.row_count;
"""


def postgresql_function(name, changes):
    return f"""
    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {ADD_CHANGES % changes}
        RETURN NULL;
    END
    $$
    """


POSTGRESQL_FUNCTIONS = {
    "cooperation_pair_tally_inserted": "SELECT pair_key, 1 AS change FROM inserted_rows",
    "cooperation_pair_tally_deleted": "SELECT pair_key, -1 AS change FROM deleted_rows",
    "cooperation_pair_tally_updated": (
        "SELECT pair_key, 1 AS change FROM inserted_rows UNION ALL SELECT pair_key, -1 FROM deleted_rows"
    ),
}
POSTGRESQL_TRUNCATED = f"""
    CREATE FUNCTION cooperation_pair_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {PAIR_TALLY_TABLE} WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
    END
    $$
"""


def postgresql_triggers(table, columns):
    # A trigger with transition tables takes one event: one trigger each for INSERT, DELETE and UPDATE.
    return [
        f"CREATE TRIGGER pair_tally_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_pair_tally_inserted()",
        f"CREATE TRIGGER pair_tally_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS deleted_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_pair_tally_deleted()",
        f"CREATE TRIGGER pair_tally_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS deleted_rows NEW TABLE AS inserted_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_pair_tally_updated()",
        f"CREATE TRIGGER pair_tally_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_pair_tally_truncated()",
    ]


def sqlite_add(table, row, change):
    """Add `change` to the tally of the pair of the trigger's `row` (NEW or OLD)."""
    return (
        f"INSERT INTO {PAIR_TALLY_TABLE} (table_name, pair_key, row_count) "
        f"VALUES ('{table}', {row}.pair_key, {change}) "
        f"ON CONFLICT (table_name, pair_key) DO UPDATE SET row_count = row_count + ({change});"
    )


def sqlite_triggers(table, columns):
    # SQLite's trigger names are the schema's, not the table's: each carries its table's name.
    return [
        f"CREATE TRIGGER {table}_pair_tally_insert AFTER INSERT ON {table} BEGIN {sqlite_add(table, 'NEW', 1)} END",
        f"CREATE TRIGGER {table}_pair_tally_delete AFTER DELETE ON {table} BEGIN {sqlite_add(table, 'OLD', -1)} END",
        f"CREATE TRIGGER {table}_pair_tally_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"WHEN OLD.pair_key IS NOT NEW.pair_key "
        f"BEGIN {sqlite_add(table, 'OLD', -1)} {sqlite_add(table, 'NEW', 1)} END",
    ]


TRIGGERS = {"postgresql": postgresql_triggers, "sqlite": sqlite_triggers}


def install_triggers(schema_editor, table):
    for statement in TRIGGERS[schema_editor.connection.vendor](table, PAIRED[table]):
        schema_editor.execute(statement)


def create_tallies(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(
        f"CREATE TABLE {PAIR_TALLY_TABLE} (table_name varchar(63) NOT NULL, pair_key varchar(5) NOT NULL, "
        f"row_count bigint NOT NULL, PRIMARY KEY (table_name, pair_key))"
    )
    if vendor not in TRIGGERS:
        return  # no triggers: nothing reads the pair tallies on a database without them (selectors.py)
    if vendor == "postgresql":
        for name, changes in POSTGRESQL_FUNCTIONS.items():
            schema_editor.execute(postgresql_function(name, changes))
        schema_editor.execute(POSTGRESQL_TRUNCATED)
    for table in PAIRED:
        # Triggers first: on PostgreSQL, CREATE TRIGGER locks the table against writes until this migration
        # commits, so no write falls between the count and the triggers. SQLite writers take turns anyway.
        install_triggers(schema_editor, table)
        schema_editor.execute(
            f"INSERT INTO {PAIR_TALLY_TABLE} (table_name, pair_key, row_count) "
            f"SELECT %s, pair_key, COUNT(*) FROM {table} GROUP BY pair_key",
            [table],
        )


def drop_tallies(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in PAIRED:
        if vendor == "postgresql":
            for event in ("insert", "delete", "update", "truncate"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS pair_tally_{event} ON {table}")
        elif vendor == "sqlite":
            for event in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_pair_tally_{event}")
    if vendor == "postgresql":
        for name in [*POSTGRESQL_FUNCTIONS, "cooperation_pair_tally_truncated"]:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {PAIR_TALLY_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0012_pair_recent_indexes")]

    operations = [migrations.RunPython(create_tallies, drop_tallies)]
