"""Chartivo's settings: one module, every value from the environment (see README, Settings).

Every value is read and checked here, at start-up, by the strict readers of
``chartivo.lib.env``: a value that cannot be used stops every command (``chartivo check``
included) with a message naming the setting, instead of failing later inside a worker.

Development and the demo set ``CHARTIVO_DEBUG=1``. Outside debug mode the app refuses to start
without a real secret key and a real encryption key: secrets have no defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chartivo.lib.env import (
    env_address,
    env_addresses,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_sender,
    env_share,
    env_smtp,
    env_str,
    env_url,
)
from chartivo.lib.secretbox import Keyring, KeyringError, development_key_entry
from chartivo.lib.state import private_folder_tightened, private_sqlite_database

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(env_str("CHARTIVO_STATE_DIR", str(BASE_DIR / "var")))
# Created (private) by what first writes there; one an older release left open is closed.
private_folder_tightened(STATE_DIR)

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
if any(not origin.startswith(("https://", "http://")) for origin in CSRF_TRUSTED_ORIGINS):
    raise ImproperlyConfigured(
        "CHARTIVO_CSRF_TRUSTED_ORIGINS must list origins with their scheme, "
        "e.g. https://app.chartivo.io"
    )

# --- Background work -----------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
# "database": django-tasks-db, the embedded default; "rq": Redis, for many workers.
TASK_BACKEND = env_choice("CHARTIVO_TASK_BACKEND", "database", ("database", "rq"))
if TASK_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("CHARTIVO_TASK_BACKEND=rq needs REDIS_URL")
# In the order workers take them: account e-mail (a reset link, a sign-up confirmation)
# is waited for by a person at a screen; alerts are news; digests wait, backfills last.
TASK_QUEUES = ["email", "refresh", "alerts", "digest", "backfill"]
TASKS = {
    "default": {
        # The stock django-tasks-rq backend refuses task priorities; Chartivo's follow its
        # queues, which RQ workers take in order (see chartivo/ops/rq_backend.py).
        "BACKEND": (
            "chartivo.ops.rq_backend.QueueOrderedRQBackend"
            if TASK_BACKEND == "rq"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": TASK_QUEUES,
    }
}
if TASK_BACKEND == "rq":
    RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in TASK_QUEUES}
    # RQ workers must build django-tasks-rq's jobs, whichever command starts them.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}

# --- Applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "chartivo.accounts",
    "chartivo.orgs",
    "chartivo.integrations.stripe",
    "chartivo.metrics",
    *("chartivo.charts", "chartivo.digests", "chartivo.alerts", "chartivo.sharing", "chartivo.api"),
    "chartivo.ops",
    *(["django_rq", "django_tasks_rq"] if TASK_BACKEND == "rq" else []),
]

MIDDLEWARE = [
    # Health and readiness probes come to each instance's own address, not a site host
    # name: for them alone the Host header is taken as it comes (chartivo/ops/middleware.py).
    "chartivo.ops.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware, so it sees the cookies set and the user it loaded.
    "chartivo.ops.middleware.PrivateResponsesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # The app's own 404 and 500 pages in debug mode too (chartivo/charts/errors.py).
    "chartivo.charts.errors.AppErrorPagesMiddleware",
    "chartivo.api.errors.ApiErrorsMiddleware",  # the read API's errors in its JSON shape
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
                "chartivo.orgs.context.organisation",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_url(
            "DATABASE_URL",
            f"sqlite:///{STATE_DIR / 'chartivo.sqlite3'}",
            schemes=("sqlite", "postgres", "postgresql", "pgsql"),
        ),
        conn_max_age=env_int("CHARTIVO_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Sessions and password hashes live in this file: the app's user alone may read it.
    private_sqlite_database(str(DATABASES["default"]["NAME"]))
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id at OWASP's recommended cost (19 MiB, 2 passes): memory-hard, so a stolen hash is
# as costly to crack as with Django's PBKDF2, for a tenth of the CPU per log-in — a flood of
# log-ins cannot buy much of the web workers' time. Older hashes are upgraded at log-in.
PASSWORD_HASHERS = [
    "chartivo.accounts.hashing.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed log-ins from one address for one account before that pair is paused; the other
# limits (per address, per account from unknown places, sign-up, password change and
# reset) are in chartivo/accounts/limits.py and described in the README's Security section.
LOGIN_FAILURE_LIMIT = env_int("CHARTIVO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
PASSWORD_RESET_TIMEOUT = 3600  # a reset link works once, for an hour

# --- E-mail (password reset, sign-up confirmation) ---------------------------------------
# CHARTIVO_EMAIL_URL: smtp://user:password@host:port (no TLS: a relay on this machine or
# network), smtp+tls:// (STARTTLS), smtps:// (implicit TLS). Empty: e-mail is off, and the
# pages that would send one say so.
_email = env_smtp("CHARTIVO_EMAIL_URL")
EMAIL_ENABLED = _email is not None
DEFAULT_FROM_EMAIL = env_sender("CHARTIVO_EMAIL_FROM", required=EMAIL_ENABLED)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets Django's report of each server error (masked, see DEFAULT_EXCEPTION_REPORTER).
ADMINS = [(address, address) for address in env_addresses("CHARTIVO_ADMINS")]
if ADMINS and not EMAIL_ENABLED:
    raise ImproperlyConfigured(
        "CHARTIVO_ADMINS needs CHARTIVO_EMAIL_URL: error reports are sent by e-mail."
    )
EMAIL_TIMEOUT = 10
# Digests' links go to the app's public address (default: the first trusted origin, or here).
_site = (CSRF_TRUSTED_ORIGINS or ["http://localhost:8000"])[0]
SITE_URL = env_url("CHARTIVO_SITE_URL", _site, schemes=("https", "http")).rstrip("/")
# Alert webhooks to loopback, private or link-local addresses (a cloud's metadata service,
# the machine's own Redis) are refused unless allowed: on in debug (the demo's catcher).
WEBHOOKS_TO_PRIVATE_ADDRESSES = env_bool("CHARTIVO_WEBHOOKS_TO_PRIVATE_ADDRESSES", DEBUG)
if _email is not None:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.host
    EMAIL_PORT = _email.port
    EMAIL_HOST_USER = _email.user
    EMAIL_HOST_PASSWORD = _email.password
    EMAIL_USE_TLS = _email.starttls
    EMAIL_USE_SSL = _email.implicit_tls
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# --- Security ------------------------------------------------------------------------------
HTTPS = env_bool("CHARTIVO_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads it (forms carry the token), so none may
CSRF_FAILURE_VIEW = "chartivo.charts.errors.csrf_failure"  # the app's page, not Django's
SESSION_COOKIE_SAMESITE = "Lax"
_SSL_REDIRECT = env_bool("CHARTIVO_SSL_REDIRECT", True)  # read even when off, so it is checked
SECURE_SSL_REDIRECT = HTTPS and _SSL_REDIRECT
SECURE_HSTS_SECONDS = env_int("CHARTIVO_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("CHARTIVO_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Behind one proxy every connection comes from it: limits count the client's address as
# the proxy wrote it, the right-most X-Forwarded-For entry (chartivo/lib/client_address.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Error reports (the DEBUG page, e-mails to ADMINS) list every frame's variables; the SDK's
# frames hold the key under names no ``sensitive_variables`` knows: the report is masked.
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

# --- Stripe --------------------------------------------------------------------------------
STRIPE_API_BASE = env_url(
    "CHARTIVO_STRIPE_API_BASE", "https://api.stripe.com", schemes=("https", "http")
).rstrip("/")
# Up to two years: chartivo.metrics.periods.MAX_HISTORY_DAYS, which the app cannot import here.
HISTORY_DAYS = env_int("CHARTIVO_HISTORY_DAYS", 30, minimum=1, maximum=731)
REFRESH_SECONDS = env_int("CHARTIVO_REFRESH_SECONDS", 300, minimum=10)
# Requests per second Chartivo may spend on one Stripe account: a number, or a percentage
# of the mode's limit (live 100/s, sandbox 25/s). Half leaves room for the merchant's own use.
STRIPE_BUDGET = env_share("CHARTIVO_STRIPE_BUDGET", "50%")
STRIPE_ENDPOINT_BUDGET = env_int("CHARTIVO_STRIPE_ENDPOINT_BUDGET", 25, minimum=1, maximum=100)
STRIPE_TIMEOUT_SECONDS = env_int("CHARTIVO_STRIPE_TIMEOUT_SECONDS", 30, minimum=1)
# How many more times a request that found Stripe unreachable (or answering 5xx or 409) is
# tried, with growing pauses, before the run stops (integrations/stripe/client.py).
STRIPE_RETRIES = env_int("CHARTIVO_STRIPE_RETRIES", 5, minimum=0, maximum=20)

# --- Logging -------------------------------------------------------------------------------
LOG_LEVEL = env_choice(
    "CHARTIVO_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOG_FORMAT = env_choice("CHARTIVO_LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_stripe_keys": {"()": "chartivo.lib.redaction.MaskStripeKeysFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
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
        # Django's error reports to ADMINS, as in its own configuration (the reports are
        # masked as a whole: DEFAULT_EXCEPTION_REPORTER).
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The SDK logs request lines at INFO; they carry no key but are noise at volume.
        "stripe": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        # Django gives "django" a console handler of its own in debug (and "django.server"
        # one always) that would print each record twice, unmasked: only the one above.
        "django": {"handlers": ["mail_admins"], "level": "NOTSET", "propagate": True},
        "django.server": {"handlers": [], "level": "NOTSET", "propagate": True},
    },
}

# --- Sync scheduling -----------------------------------------------------------------------
# A worker holds a connection this long between heartbeats; then a dead one's successor may.
SYNC_LEASE_SECONDS = env_int("CHARTIVO_SYNC_LEASE_SECONDS", 60, minimum=2)
# One task reads for at most this long, then queues the rest behind other tenants' work.
SYNC_SLICE_SECONDS = env_int("CHARTIVO_SYNC_SLICE_SECONDS", 120, minimum=5)
SCHEDULER_TICK_SECONDS = env_int("CHARTIVO_SCHEDULER_TICK_SECONDS", 5, minimum=1)
# With Read on Events, a refresh reads only what the events name, and each resource's
# newest objects directly this often (a permission removed from the key shows then).
SYNC_TAIL_SECONDS = env_int("CHARTIVO_SYNC_TAIL_SECONDS", 3600, minimum=0)
# A run that has heard nothing from Stripe for this long is shown as "not answering".
SYNC_STALL_SECONDS = env_int("CHARTIVO_SYNC_STALL_SECONDS", 60, minimum=1)
# Sync tasks each worker runs at once (processes): one connection's slow run holds one slot.
WORKER_SLOTS = env_int("CHARTIVO_WORKER_SLOTS", 2, minimum=1, maximum=64)

# --- The web server (``chartivo serve``: gunicorn, configured in chartivo/ops/gunicorn_conf.py)
SERVE_BIND = env_address("CHARTIVO_BIND", "0.0.0.0:8000")
WEB_WORKERS = env_int("CHARTIVO_WEB_WORKERS", (os.cpu_count() or 1) * 2 + 1, minimum=1)
WEB_THREADS = env_int("CHARTIVO_WEB_THREADS", 4, minimum=1)
ACCESS_LOG = env_bool("CHARTIVO_ACCESS_LOG", True)

# --- Chart payload cache (chartivo/charts/payloads.py) ------------------------------------
# In Redis, shared by every web process, when there is one; otherwise in each process's
# memory (Django's default cache).
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
# New Chart previews a user, and read API requests a token, may make per minute.
PREVIEWS_PER_MINUTE = env_int("CHARTIVO_PREVIEWS_PER_MINUTE", 60, minimum=1)
API_REQUESTS_PER_MINUTE = env_int("CHARTIVO_API_REQUESTS_PER_MINUTE", 120, minimum=1)
