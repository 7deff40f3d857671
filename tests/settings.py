"""Settings for the test suite: the app's own settings, with test secrets in the environment.

Everything else is exactly what production reads (no DEBUG). Static files are found by the
finders instead of a collected manifest, so tests need no build step.

A run owns everything it writes: a fresh state folder and database names of its own, so a
fresh machine needs nothing left by an earlier run and two runs on one machine (two
checkouts, or CI beside a developer) never touch each other's files or databases.
"""

import os
import secrets
import tempfile
from pathlib import Path

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
# The tests' webhook receivers listen on loopback (one test turns the guard back on).
os.environ.setdefault("CHARTIVO_WEBHOOKS_TO_PRIVATE_ADDRESSES", "1")
# The first process of a run (pytest's controller) names the run and its state folder;
# pytest-xdist's workers and the worker and web processes that tests start inherit both
# through the environment. tests/conftest.py makes the folder and removes it at the end.
if "CHARTIVO_TEST_RUN" not in os.environ:
    os.environ["CHARTIVO_TEST_RUN"] = f"{os.getpid()}_{secrets.token_hex(4)}"
os.environ.setdefault(
    "CHARTIVO_STATE_DIR",
    str(Path(tempfile.gettempdir()) / f"chartivo-tests-{os.environ['CHARTIVO_TEST_RUN']}"),
)
TEST_RUN = os.environ["CHARTIVO_TEST_RUN"]

from chartivo.settings import *  # noqa: E402, F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Hashing passwords slowly protects real users; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# pytest-django adds each xdist worker's name ("_gw0") to these, and drops the databases at
# the end of the run.
_default = DATABASES["default"]  # noqa: F405
if _default["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that start a real worker process (killed mid-sync, database
    # faults) must reach the same database from outside.
    _default["TEST"] = {"NAME": str(STATE_DIR / "test.sqlite3")}  # noqa: F405
else:
    _default["TEST"] = {"NAME": f"test_{_default['NAME']}_{TEST_RUN}"}
