"""Settings for the cooperation records API, driven by environment variables.

Everything that differs between a laptop and production is read from the
environment; the defaults are safe for local use (DEBUG off, SQLite).
"""

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets classes such as ModelAdmin take type parameters at run time, as django-stubs types them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def postgres_options() -> dict[str, object]:
    """Server-side parameters, so that psycopg prepares a statement it has run five times on a connection.

    Planning a list's page query cost PostgreSQL more than running it (1 ms against 0.5 ms: the
    record tables carry many indexes to weigh); a prepared statement is planned once per connection.
    Behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21,
    or without max_prepared_statements), set POSTGRES_PREPARED_STATEMENTS=false.
    Added to the options DATABASE_URL gives (sslmode and the like), never in their place.
    """
    if not env_bool("POSTGRES_PREPARED_STATEMENTS", default=True):
        return {}
    return {"server_side_binding": True, "prepare_threshold": 5}


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=False) and not PRODUCTION

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    # A fixed key is fine for a laptop: nothing signed with it leaves the machine.
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "cooperation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cooperation.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default (embedded, nothing to install); DATABASE_URL for PostgreSQL. Connections persist
# for CONN_MAX_AGE seconds, 10 minutes by default: a new PostgreSQL connection plans each prepared
# statement anew, its first ten runs or so (psycopg prepares at the sixth, PostgreSQL settles on a
# generic plan after five more), and the pair profile's batch costs about 5 ms to plan, so a worker
# renewing its connection every minute made a profile's p99 out of those plans.
# CONN_HEALTH_CHECKS=true checks a reused connection before each request's first query: one more
# round trip on every request. Off, as in Django, a connection broken by a database restart fails
# one request of each worker, after which Django opens a new one.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the
    # busy timeout instead of failing with "database is locked" mid-transaction;
    # WAL lets readers go on while one writer works. recursive_triggers: a row that REPLACE conflict
    # resolution deletes fires its delete trigger only then, which keeps the row tallies exact (0010_row_tally).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA recursive_triggers=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **postgres_options()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A read replica when DATABASE_REPLICA_URL is set: record reads outside a transaction go to it, all else
# to the primary (cooperation/routers.py says why). Tests read the default's test database through it.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS"),
        test_options={"MIRROR": "default"},
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"].get("OPTIONS", {}), **postgres_options()}
    DATABASE_ROUTERS = ["cooperation.routers.PrimaryReplicaRouter"]

# Throttle counts (and, with Redis, cached responses) live in the cache: Redis when REDIS_URL is set,
# shared by every worker and server; otherwise each worker's memory, so that a read never writes to
# the database (a single-server setup then allows each worker the rate).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}}
# Read responses shared through Redis, invalidated by every write (cooperation/response_cache.py). Not
# without Redis: each worker's own memory could not learn of another worker's writes.
RESPONSE_CACHE = env_bool("RESPONSE_CACHE", default=bool(os.environ.get("REDIS_URL")))
RESPONSE_CACHE_SECONDS = int(os.environ.get("RESPONSE_CACHE_SECONDS", "300"))
# With a read replica: for this long after a write, cache entries are filled from the primary, so that
# a lagging replica's old answer is never stored under the new generation.
REPLICA_LAG_SECONDS = float(os.environ.get("REPLICA_LAG_SECONDS", "5" if "replica" in DATABASES else "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Request bodies are JSON records; anything bigger than this is refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# A refused CSRF check under /api/ answers in the one JSON error shape too.
CSRF_FAILURE_VIEW = "cooperation.errors.csrf_failure"

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate challenge turns anonymous writes into 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "cooperation.representations.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "cooperation.filters.FilterBackend",
        "cooperation.filters.SearchFilter",
        "cooperation.filters.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "cooperation.throttling.AnonRateThrottle",
        "cooperation.throttling.UserReadRateThrottle",
        "cooperation.throttling.UserWriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "300/min"),
        "user": os.environ.get("THROTTLE_USER", "1200/min"),
        # Editors' writes: never throttled below this documented rate.
        "writes": os.environ.get("THROTTLE_WRITES", "600/min"),
    },
    "NUM_PROXIES": int(os.environ["NUM_PROXIES"]) if os.environ.get("NUM_PROXIES") else None,
    "DEFAULT_PAGINATION_CLASS": "cooperation.pagination.RecordPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "cooperation.schema.AutoSchema",
    "EXCEPTION_HANDLER": "cooperation.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cooperation records API",
    "DESCRIPTION": (
        "Diplomatic-cooperation records between countries (trade figures, investments, "
        "cultural landmarks, scholarship programs, cultural initiatives), each traced to "
        "the verbatim sentence of the source that states it."
    ),
    "VERSION": "1.0.0",
    # The project's licence and who answers for the API (issue 9: the schema must say it).
    "LICENSE": {"name": "MIT", "url": "https://opensource.org/license/mit"},
    "CONTACT": {"name": "Cooperation records API maintainers"},
    # One tag per resource (drf-spectacular names them after the path), each said once here.
    "TAGS": [
        {"name": "api", "description": "The API root: a link to every resource, the docs and the admin."},
        {"name": "countries", "description": "ISO 3166-1 countries, their partners, and what two countries share."},
        {"name": "sources", "description": "Published texts that records cite, with their full text."},
        {"name": "trade-figures", "description": "Bilateral trade between two countries in one period."},
        {"name": "investments", "description": "Capital from an investor country into a recipient country."},
        {"name": "cultural-landmarks", "description": "Places and objects in one country that honour another."},
        {"name": "scholarship-programs", "description": "Grants a sponsor country gives students of another."},
        {"name": "cultural-initiatives", "description": "Joint bodies and programmes of two or more countries."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "FlowEnum": "cooperation.models.Flow",
        "QualifierEnum": "cooperation.models.Qualifier",
        "InvestmentStatusEnum": "cooperation.models.InvestmentStatus",
        "LandmarkKindEnum": "cooperation.models.LandmarkKind",
        "InitiativeKindEnum": "cooperation.models.InitiativeKind",
        "HistoryTypeEnum": ["created", "changed", "deleted"],
    },
    # Relative: "Try it out" and clients default to the host that serves the schema, whatever its port.
    "SERVERS": [{"url": "/", "description": "The server that serves this schema"}],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cooperation.schema.name_parameter_enums",
        "cooperation.schema.require_response_properties",
        "cooperation.schema.document_error_responses",
        "cooperation.schema.document_rate_limits",
        "cooperation.schema.document_strict_request_bodies",
        "cooperation.csv_export.document_csv_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Backups keep timestamps to the microsecond; loaddata reads them as plain JSON.
SERIALIZATION_MODULES = {"json-exact": "cooperation.serialization"}
