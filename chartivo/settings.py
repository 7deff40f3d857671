"""Chartivo's settings: one module, every value from the environment (see README, Settings).

Development and the demo set ``CHARTIVO_DEBUG=1``. Outside debug mode the app refuses to
start without a real secret key and a real encryption key: there are no defaults for
secrets.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chartivo.lib.env import env_bool, env_int, env_list, env_secret, env_str
from chartivo.lib.secretbox import Keyring, KeyringError, development_key_entry

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(env_str("CHARTIVO_STATE_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CHARTIVO_DEBUG", False)

# --- Secrets -------------------------------------------------------------------------------
_DEV_SECRET_KEY = "insecure-development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_secret("DJANGO_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 32 characters outside "
        "debug mode (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

# Key-encryption keys for stored Stripe keys: "id:base64key", comma-separated, newest first.
# A file (CHARTIVO_ENCRYPTION_KEYS_FILE) may list them one per line or comma-separated too.
_encryption_keys = [
    entry.strip() for entry in env_secret("CHARTIVO_ENCRYPTION_KEYS").replace("\n", ",").split(",")
]
if not any(_encryption_keys) and DEBUG:
    _encryption_keys = [development_key_entry(STATE_DIR / "dev-encryption-key")]
try:
    CHARTIVO_KEYRING = Keyring.parse([entry for entry in _encryption_keys if entry])
except KeyringError as exc:
    raise ImproperlyConfigured(str(exc)) from None

ALLOWED_HOSTS = env_list(
    "CHARTIVO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CHARTIVO_CSRF_TRUSTED_ORIGINS")

# --- Applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "chartivo.accounts",
    "chartivo.integrations.stripe",
    "chartivo.metrics",
    "chartivo.charts",
    "chartivo.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chartivo.urls"
WSGI_APPLICATION = "chartivo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "chartivo" / "templates"],
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

# --- Database ------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{STATE_DIR / 'chartivo.sqlite3'}"),
        conn_max_age=env_int("CHARTIVO_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("CHARTIVO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Security ------------------------------------------------------------------------------
HTTPS = env_bool("CHARTIVO_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie (forms carry the token), so no script may.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("CHARTIVO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("CHARTIVO_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("CHARTIVO_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
if BEHIND_PROXY:
    # Behind one proxy every request comes from its address: count log-in failures per
    # visitor (the address the proxy saw), or anyone could lock anyone out.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Error reports (the DEBUG page, e-mails to ADMINS) list every frame's variables; the SDK's
# frames hold the key under names no ``sensitive_variables`` can know, so the finished
# report is masked as a whole.
DEFAULT_EXCEPTION_REPORTER = "chartivo.lib.redaction.KeyMaskingExceptionReporter"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("CHARTIVO_STATIC_ROOT", str(STATE_DIR / "static")))
STATICFILES_DIRS = [
    BASE_DIR / "chartivo" / "static",
    # Chart.js comes from npm (package.json); it is served by the app, never from a CDN.
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- Background work -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
TASK_BACKEND = env_str("CHARTIVO_TASK_BACKEND", "database")
TASK_QUEUES = ["refresh", "backfill"]
if TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
elif TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("CHARTIVO_TASK_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in TASK_QUEUES}
else:
    raise ImproperlyConfigured(
        f"CHARTIVO_TASK_BACKEND must be 'database' or 'rq'; got {TASK_BACKEND!r}"
    )

# --- Stripe --------------------------------------------------------------------------------
STRIPE_API_BASE = env_str("CHARTIVO_STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
HISTORY_DAYS = env_int("CHARTIVO_HISTORY_DAYS", 30, minimum=1, maximum=365)
REFRESH_SECONDS = env_int("CHARTIVO_REFRESH_SECONDS", 300, minimum=10)
# Requests per second Chartivo may spend on one Stripe account: a number, or a percentage
# of the mode's limit (live 100/s, sandbox 25/s). Half leaves room for the merchant's own use.
STRIPE_BUDGET = env_str("CHARTIVO_STRIPE_BUDGET", "50%")
STRIPE_ENDPOINT_BUDGET = env_int("CHARTIVO_STRIPE_ENDPOINT_BUDGET", 25, minimum=1, maximum=100)
STRIPE_TIMEOUT_SECONDS = env_int("CHARTIVO_STRIPE_TIMEOUT_SECONDS", 30, minimum=1)
# After the SDK's own two retries, how many more times a request that found Stripe
# unreachable (or answering 5xx) is tried, with growing pauses, before the run stops.
STRIPE_RETRIES = env_int("CHARTIVO_STRIPE_RETRIES", 5, minimum=0, maximum=20)

# --- Logging -------------------------------------------------------------------------------
LOG_LEVEL = env_str("CHARTIVO_LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_str("CHARTIVO_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_stripe_keys": {"()": "chartivo.lib.redaction.MaskStripeKeysFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["mask_stripe_keys"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The SDK logs request lines at INFO; they carry no key but are noise at volume.
        "stripe": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Sync scheduling -----------------------------------------------------------------------
# A worker holds a connection for this long between heartbeats; a dead worker's successor
# takes over once it runs out.
SYNC_LEASE_SECONDS = env_int("CHARTIVO_SYNC_LEASE_SECONDS", 60, minimum=2)
# One task reads for at most this long, then queues the rest behind other tenants' work.
SYNC_SLICE_SECONDS = env_int("CHARTIVO_SYNC_SLICE_SECONDS", 120, minimum=5)
SCHEDULER_TICK_SECONDS = env_int("CHARTIVO_SCHEDULER_TICK_SECONDS", 5, minimum=1)

# --- Production: many web and worker processes on PostgreSQL and Redis ----------------------
# (docs/production.md). Everything here follows from the settings above; nothing new to set.
if TASK_BACKEND == "rq":
    # The stock django-tasks-rq backend refuses task priorities; Chartivo's follow its
    # queues, which RQ workers take in order (see chartivo/ops/rq_backend.py).
    TASKS["default"]["BACKEND"] = "chartivo.ops.rq_backend.QueueOrderedRQBackend"
    # RQ workers must build django-tasks-rq's jobs, whichever command starts them.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
# Chart payloads are cached until the next sync (chartivo/charts/payloads.py): in Redis,
# shared by every web process, when there is one; otherwise in each process's memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "chartivo",
        }
    }
# Without Redis, each web process keeps at most this many megabytes of chart figures.
CHART_CACHE_MB = env_int("CHARTIVO_CHART_CACHE_MB", 32, minimum=1, maximum=4096)
# New Chart previews a user may ask for per minute (each one reads aggregates).
PREVIEWS_PER_MINUTE = env_int("CHARTIVO_PREVIEWS_PER_MINUTE", 60, minimum=1)
# Health and readiness probes come to each instance's own address, not a site host name:
# for them alone the Host header is taken as it comes (chartivo/ops/middleware.py).
MIDDLEWARE = ["chartivo.ops.middleware.ProbeMiddleware", *MIDDLEWARE]
# The app's own 404 and 500 pages in debug mode too (chartivo/charts/errors.py).
MIDDLEWARE += ["chartivo.charts.errors.AppErrorPagesMiddleware"]
