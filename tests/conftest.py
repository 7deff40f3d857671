"""Shared fixtures: a real Stripe sandbox process, users, and the worker run for real.

The sandbox is started once per test process (pytest-xdist runs several) and never
mocked. Tests that change Stripe data create their own sandbox account, so they never
disturb each other.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from stripe_sandbox.testing import SandboxProcess
from tests.support.mail import SmtpServer
from tests.support.redis_db import claimed_database, redis_up


def pytest_configure(config: pytest.Config) -> None:
    """The run's first process makes its state folder (named in tests/settings.py)."""
    if not hasattr(config, "workerinput"):  # pytest alone, or pytest-xdist's controller
        state = Path(django_settings.STATE_DIR)
        config.stash[_MADE_STATE_DIR] = not state.exists()
        state.mkdir(mode=0o700, parents=True, exist_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(_MADE_STATE_DIR, False):
        shutil.rmtree(django_settings.STATE_DIR, ignore_errors=True)


_MADE_STATE_DIR = pytest.StashKey[bool]()

# Fixtures through which a test reaches the database (pytest-django's, and the live server
# a browser test drives).
_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test runs on the databases that can change its outcome (README: "Which tests
    run on which database").

    The suite runs twice, on SQLite (the embedded default) and on PostgreSQL (production).
    A test that opens no database runs in the SQLite pass only; a browser test of the
    dashboard's screens, whose figures the golden and app tests prove on both databases,
    runs in the PostgreSQL pass only. The guide's journeys in the browser run on both."""
    on_sqlite = django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        screens_only = item.get_closest_marker("screens") is not None
        runs_here = (uses_database or on_sqlite) and not (screens_only and on_sqlite)
        (kept if runs_here else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


_seeds = itertools.count(1000 + 97 * os.getpid() % 10_000)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(
        seed=42, charges=400, days=30, data_dir=tmp_path_factory.mktemp("sandbox")
    ) as process:
        yield process


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of this test's own, empty, for as long as the test runs."""
    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    with claimed_database() as url:
        yield url


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server of this test's own (tests/support/mail.py)."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail(smtp_server: SmtpServer, settings: Any) -> SmtpServer:
    """E-mail on in this process, through ``smtp_server``."""
    smtp_server.use_in_django(settings)
    return smtp_server


@pytest.fixture
def stripe_api(sandbox: SandboxProcess, settings: Any) -> SandboxProcess:
    """Points the app at the sandbox, as CHARTIVO_STRIPE_API_BASE does in the demo."""
    settings.STRIPE_API_BASE = sandbox.api_base
    return sandbox


@pytest.fixture
def account(stripe_api: SandboxProcess) -> Any:
    """A fresh sandbox account of its own (keys by name), for tests that change data."""
    return stripe_api.control.create_account(seed=next(_seeds), charges=150, days=30)


@pytest.fixture
def owner(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("owner@example.com", "a long password 1")


@pytest.fixture
def owner_client(owner: Any) -> Client:
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    return client


def run_worker() -> None:
    """Runs every queued task to the end, as the background worker would, then returns."""
    call_command(
        "db_worker",
        queue_name="refresh,backfill",
        batch=True,
        no_startup_delay=True,
        interval=0,
        reload=False,
        verbosity=0,
    )
