"""Shared set-up for benchmarks: a scratch Chartivo state (database, keys) in a temp dir,
and the sandbox started as its own process, exactly as in production and the tests."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.redis_db import claimed_database  # noqa: E402

# Databases a benchmark creates carry this run's name, so two runs on one machine (or a
# benchmark beside the test suite) never drop each other's.
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"


def run_database_name(label: str) -> str:
    return f"chartivo_bench_{label}_{RUN_ID}"


@contextmanager
def bench_redis(url: str, *, hold_seconds: int = 4 * 3600) -> Iterator[str]:
    """``url`` when one was given, else a Redis database claimed for this run."""
    if url:
        yield url
        return
    with claimed_database(hold_seconds=hold_seconds) as claimed:
        yield claimed


def scratch_environment(api_base: str, **extra: str) -> dict[str, str]:
    """Environment for a scratch Chartivo: its own SQLite file unless DATABASE_URL is set."""
    state = Path(tempfile.mkdtemp(prefix="chartivo-bench-"))
    # Gone when the benchmark ends, like everything else it wrote.
    atexit.register(shutil.rmtree, state, ignore_errors=True)
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chartivo.settings",
            "CHARTIVO_DEBUG": "0",
            "CHARTIVO_HTTPS": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnop",
            "CHARTIVO_ENCRYPTION_KEYS": "bench:" + "YmVuY2gtb25seS1rZXktZm9yLWNoYXJ0aXZvLWJlbmM",
            "CHARTIVO_STATE_DIR": str(state),
            "CHARTIVO_STRIPE_API_BASE": api_base,
            "CHARTIVO_LOG_LEVEL": "WARNING",
        }
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{state / 'bench.sqlite3'}")
    env.update(extra)
    return env


def apply_environment(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def connect(key: str, email: str = "bench@example.com", *, add: bool = False) -> Any:
    """Saves ``key`` for the user ``email`` (made if new); ``add``: as one more account of
    that user's organisation."""
    from chartivo.accounts.models import User
    from chartivo.integrations.stripe.connect import connect as save_key

    user = User.objects.filter(email=email).first() or User.objects.create_user(email, "x" * 20)
    return save_key(user, key, add=add)


def run_child(argv: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """Runs a child process; returns its stdout, peak RSS in MB and CPU seconds (wait4)."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    out = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{argv} failed with {process.returncode}")
    return out, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
