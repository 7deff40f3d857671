"""A real background worker process on the test database, to kill or to outlive faults."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return (
        f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def worker_environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "CHARTIVO_STRIPE_API_BASE": settings.STRIPE_API_BASE,
            "CHARTIVO_STRIPE_BUDGET": str(settings.STRIPE_BUDGET),
            "CHARTIVO_SYNC_LEASE_SECONDS": str(settings.SYNC_LEASE_SECONDS),
            "CHARTIVO_SCHEDULER_TICK_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


@contextmanager
def worker_process(log: Path, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """``chartivo worker`` as its own process, logging to ``log``; killed on exit."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "chartivo.cli", "worker"],
            env=worker_environment(**extra),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
