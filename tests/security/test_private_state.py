"""What stays private on the machine and in caches: the state folder and the database are
the app user's alone, nothing personal is cached by a browser or proxy, and debug mode
prints each log record once, masked."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from chartivo.charts.models import Chart
from tests.security.conftest import every_route
from tests.support.worker import ROOT

FAKE_KEY = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc" * 2


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(tmp_path: Path, code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "chartivo.settings",
        "CHARTIVO_STATE_DIR": str(tmp_path / "state"),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- The state folder -----------------------------------------------------------------------


def test_the_state_folder_database_and_debug_key_are_private(tmp_path: Path) -> None:
    migrated = _run(
        tmp_path,
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); "
        "from django.contrib.sessions.backends.db import SessionStore; "
        "s = SessionStore(); s['x'] = 1; s.save()",
        CHARTIVO_DEBUG="1",
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    state = tmp_path / "state"
    assert _mode(state) == 0o700
    files = {p.name: _mode(p) for p in state.iterdir() if p.is_file()}
    assert {"chartivo.sqlite3", "dev-encryption-key"} <= set(files), files
    # The database's write-ahead log and shared memory too, while they exist.
    assert all(mode == 0o600 for mode in files.values()), files


def test_an_older_release_s_open_state_is_tightened_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    database = state / "chartivo.sqlite3"
    for path in (database, state / "chartivo.sqlite3-wal", state / "dev-encryption-key"):
        path.touch(mode=0o644)
        path.chmod(0o644)
    (state / "dev-encryption-key").write_text(
        "dev:" + "ZGV2LW9ubHkta2V5LWZvci1jaGFydGl2by10ZXN0cyE"
    )
    started = _run(tmp_path, "import django; django.setup()", CHARTIVO_DEBUG="1")
    assert started.returncode == 0, started.stderr[-2000:]
    assert _mode(state) == 0o700
    assert {p.name: _mode(p) for p in state.iterdir()} == {
        "chartivo.sqlite3": 0o600,
        "chartivo.sqlite3-wal": 0o600,
        "dev-encryption-key": 0o600,
    }


# --- Logs in debug mode ---------------------------------------------------------------------


@pytest.mark.parametrize("logger", ["django.request", "django.server", "django.security.csrf"])
def test_debug_mode_prints_each_django_record_once_and_masked(tmp_path: Path, logger: str) -> None:
    shown = _run(
        tmp_path,
        "import logging, django; django.setup(); "
        f"logging.getLogger({logger!r}).warning('the key %s was refused', {FAKE_KEY!r})",
        CHARTIVO_DEBUG="1",
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    lines = [line for line in shown.stderr.splitlines() if "was refused" in line]
    assert len(lines) == 1, f"{len(lines)} lines"
    assert FAKE_KEY not in shown.stderr and "sk_live_[redacted]" in lines[0]


# --- Caches --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_to_a_logged_in_user_says_no_store(owner: Any) -> None:
    chart = Chart.objects.create(owner=owner, name="Charges", metric="charges", measure="count")
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    checked = []
    for route in every_route():
        if route.name in {"logout"}:
            continue
        response = client.get(route.url(chart.pk), {"source": "stripe"})
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        assert {"no-store", "private"} <= directives, f"{route.name}: {directives}"
        checked.append(route.name)
    assert {"home", "chart_detail", "chart_data", "chart_csv", "integrations"} <= set(checked)


@pytest.mark.django_db
def test_a_response_that_sets_a_cookie_is_not_stored_and_a_public_one_may_be(owner: Any) -> None:
    login_page = Client().get("/account/login/")  # sets the CSRF cookie
    assert "csrftoken" in login_page.cookies
    assert "no-store" in login_page["Cache-Control"]
    static = Client().get("/static/img/logo.svg")
    assert "no-store" not in static.get("Cache-Control", "")
