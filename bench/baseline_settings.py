"""Settings of the bare-Django baseline: the project's models and database, nothing else.

No middleware, no DRF, no filters, no templates; the apps are only those the models need to load.
Connections persist (CONN_MAX_AGE=None), so no request pays for opening one.
"""

import dj_database_url

SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

# auth: the history models that cooperation declares point to its users.
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "cooperation"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.baseline"

# DATABASE_URL names the same database as the API's (run.py sets it).
DATABASES = {"default": dj_database_url.config()}
DATABASES["default"]["CONN_MAX_AGE"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # As config/settings.py opens SQLite, so that both read the file the same way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA recursive_triggers=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
