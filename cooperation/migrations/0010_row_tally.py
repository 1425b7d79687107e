"""Row tallies: how many rows each listed table holds, kept exact by the database itself.

An unfiltered list's `count` reads its table's tally (one row by primary key) instead of counting
every row (`cooperation/pagination.py`, `TallyPaginator`). Triggers move the tally on every INSERT
and DELETE, whatever writes them (save(), bulk_create, QuerySet.delete(), raw SQL, loaddata), in the
writing transaction: a rollback takes the tally back with the rows.

- PostgreSQL: statement-level triggers count the statement's transition table, so a bulk insert of a
  million rows moves the tally once; a statement that changes no row leaves it alone (no row lock).
  TRUNCATE (Django's flush) sets it to 0.
- SQLite has row-level triggers only: one UPDATE of the tally per row. Its DELETE without WHERE then
  deletes row by row (a table with triggers does not take the truncate shortcut), so a flush counts down.

The tally table is no Django model: Django's flush empties only models' tables, so the tallies live
through a flush, which the triggers keep them right through; and backups (dumpdata) leave out what
the database derives. A table without its row here is counted with COUNT(*), as before.

SQLite drops a table's triggers when a migration rebuilds the table (most AlterField, some AddField):
such a migration must install them again (`install_triggers` below, then a recount under the
migration's lock). tests/test_row_tally.py fails while any tallied table's triggers are missing.
"""

from django.db import migrations

TALLY_TABLE = "cooperation_row_tally"
# The tables tallied as of this migration: sources and the record types, the lists that page by number.
# Fixed here, not read from the models: a migration must do later what it does today.
TALLIED = [
    "cooperation_source",
    "cooperation_tradefigure",
    "cooperation_investment",
    "cooperation_culturallandmark",
    "cooperation_scholarshipprogram",
    "cooperation_culturalinitiative",
]

POSTGRESQL_FUNCTIONS = [
    f"""
    CREATE FUNCTION cooperation_row_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        added bigint;
    BEGIN
        SELECT count(*) INTO added FROM inserted_rows;
        IF added <> 0 THEN
            UPDATE {TALLY_TABLE} SET row_count = row_count + added WHERE table_name = TG_TABLE_NAME;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION cooperation_row_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        removed bigint;
    BEGIN
        SELECT count(*) INTO removed FROM deleted_rows;
        IF removed <> 0 THEN
            UPDATE {TALLY_TABLE} SET row_count = row_count - removed WHERE table_name = TG_TABLE_NAME;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION cooperation_row_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TALLY_TABLE} SET row_count = 0 WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
    END
    $$
    """,
]
POSTGRESQL_FUNCTION_NAMES = [
    "cooperation_row_tally_inserted",
    "cooperation_row_tally_deleted",
    "cooperation_row_tally_truncated",
]


def postgresql_triggers(table):
    # A trigger with a transition table takes one event: one trigger each for INSERT and DELETE.
    return [
        f"CREATE TRIGGER row_tally_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_row_tally_inserted()",
        f"CREATE TRIGGER row_tally_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS deleted_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_row_tally_deleted()",
        f"CREATE TRIGGER row_tally_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cooperation_row_tally_truncated()",
    ]


def sqlite_triggers(table):
    # SQLite's trigger names are the schema's, not the table's: each carries its table's name.
    return [
        f"CREATE TRIGGER {table}_row_tally_insert AFTER INSERT ON {table} BEGIN "
        f"UPDATE {TALLY_TABLE} SET row_count = row_count + 1 WHERE table_name = '{table}'; END",
        f"CREATE TRIGGER {table}_row_tally_delete AFTER DELETE ON {table} BEGIN "
        f"UPDATE {TALLY_TABLE} SET row_count = row_count - 1 WHERE table_name = '{table}'; END",
    ]


TRIGGERS = {"postgresql": postgresql_triggers, "sqlite": sqlite_triggers}


def install_triggers(schema_editor, table):
    for statement in TRIGGERS[schema_editor.connection.vendor](table):
        schema_editor.execute(statement)


def create_tallies(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(
        f"CREATE TABLE {TALLY_TABLE} (table_name varchar(63) NOT NULL PRIMARY KEY, row_count bigint NOT NULL)"
    )
    if vendor not in TRIGGERS:
        return  # no triggers, so no tallies: every list counts with COUNT(*)
    if vendor == "postgresql":
        for function in POSTGRESQL_FUNCTIONS:
            schema_editor.execute(function)
    for table in TALLIED:
        # Triggers first: on PostgreSQL, CREATE TRIGGER locks the table against writes until this migration
        # commits, so no write falls between the count and the triggers. SQLite writers take turns anyway.
        install_triggers(schema_editor, table)
        schema_editor.execute(
            f"INSERT INTO {TALLY_TABLE} (table_name, row_count) SELECT %s, COUNT(*) FROM {table}", [table]
        )


def drop_tallies(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TALLIED:
        if vendor == "postgresql":
            for event in ("insert", "delete", "truncate"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS row_tally_{event} ON {table}")
        elif vendor == "sqlite":
            for event in ("insert", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_row_tally_{event}")
    if vendor == "postgresql":
        for name in POSTGRESQL_FUNCTION_NAMES:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TALLY_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0009_country_ordering_indexes")]

    operations = [migrations.RunPython(create_tallies, drop_tallies)]
