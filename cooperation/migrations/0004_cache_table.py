"""The database cache's table (throttle counts), so that `migrate` alone prepares a database.

With REDIS_URL set the cache is Redis and `createcachetable` has nothing to do.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    for cache in settings.CACHES.values():
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
            schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(cache['LOCATION'])}")


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0003_money_exact_on_sqlite")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
