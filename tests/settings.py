"""Settings for the test suite: the app's own settings, with test secrets in the environment.

Everything else is exactly what production reads (no DEBUG). Static files are found by the
finders instead of a collected manifest, so tests need no build step.
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
# A fixed key for tests only (it seals nothing real); production keys come from the operator.
os.environ.setdefault(
    "CHARTIVO_ENCRYPTION_KEYS", "test1:" + "dGVzdC1vbmx5LWtleS1mb3ItY2hhcnRpdm8tdGVzdHM"
)
os.environ.setdefault("CHARTIVO_HTTPS", "0")
os.environ.setdefault("CHARTIVO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("CHARTIVO_LOG_FORMAT", "text")
os.environ.setdefault("CHARTIVO_STATE_DIR", "/tmp/chartivo-tests")

from chartivo.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Hashing passwords slowly protects real users; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A file, not memory, for SQLite's test database: tests that start a real worker process
# (killed mid-sync, database faults) must reach the same database from outside.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/chartivo-tests/test-{os.getpid()}.sqlite3"}  # noqa: F405
