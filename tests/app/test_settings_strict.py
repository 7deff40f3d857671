"""Every setting is checked when the app starts: a value it cannot use stops every command,
``chartivo check`` included, with a message that names the setting, instead of a default
silently taking its place or a worker failing on it later."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "chartivo" / "settings.py"
# What production must set; each case below changes one setting from here.
PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-real-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "CHARTIVO_ENCRYPTION_KEYS": "k1:" + "dGVzdC1vbmx5LWtleS1mb3ItY2hhcnRpdm8tdGVzdHM",
}
BAD_VALUES = [
    ("DATABASE_URL", "mysql2://db/chartivo"),
    ("DATABASE_URL", "chartivo.sqlite3"),
    ("DJANGO_SECRET_KEY", "short"),
    ("CHARTIVO_ENCRYPTION_KEYS", "not-a-key"),
    ("CHARTIVO_STRIPE_API_BASE", "api.stripe.com"),
    ("CHARTIVO_HISTORY_DAYS", "800"),
    ("CHARTIVO_HISTORY_DAYS", "a month"),
    ("CHARTIVO_REFRESH_SECONDS", "5"),
    ("CHARTIVO_STRIPE_BUDGET", "fast"),
    ("CHARTIVO_STRIPE_BUDGET", "0"),
    ("CHARTIVO_STRIPE_BUDGET", "-50%"),
    ("CHARTIVO_STRIPE_ENDPOINT_BUDGET", "200"),
    ("CHARTIVO_STRIPE_TIMEOUT_SECONDS", "0"),
    ("CHARTIVO_STRIPE_RETRIES", "many"),
    ("CHARTIVO_SYNC_SLICE_SECONDS", "1"),
    ("CHARTIVO_SYNC_LEASE_SECONDS", "1"),
    ("CHARTIVO_SCHEDULER_TICK_SECONDS", "0"),
    ("CHARTIVO_TASK_BACKEND", "celery"),
    ("REDIS_URL", "localhost:6379"),
    ("CHARTIVO_DEBUG", "maybe"),
    ("CHARTIVO_HTTPS", "maybe"),
    ("CHARTIVO_SSL_REDIRECT", "maybe"),
    ("CHARTIVO_HSTS_SECONDS", "-1"),
    ("CHARTIVO_BEHIND_PROXY", "maybe"),
    ("CHARTIVO_CSRF_TRUSTED_ORIGINS", "app.chartivo.io"),
    ("CHARTIVO_LOGIN_FAILURE_LIMIT", "0"),
    ("CHARTIVO_DB_CONN_MAX_AGE", "-1"),
    ("CHARTIVO_LOG_LEVEL", "LOUD"),
    ("CHARTIVO_LOG_FORMAT", "xml"),
    ("CHARTIVO_BIND", "8000"),
    ("CHARTIVO_WEB_WORKERS", "0"),
    ("CHARTIVO_WEB_THREADS", "none"),
    ("CHARTIVO_ACCESS_LOG", "sure"),
    ("CHARTIVO_ADMINS", "ops at chartivo"),
    ("CHARTIVO_ADMINS", "ops@chartivo.io"),  # without CHARTIVO_EMAIL_URL
]
BAD_VALUES_NAMES = sorted({name for name, _ in BAD_VALUES})


def _load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environment: str) -> dict[str, object]:
    """Runs chartivo/settings.py afresh with exactly this environment (and the production
    secrets), as a new process would at start-up."""
    for name in [*BAD_VALUES_NAMES, "CHARTIVO_DEBUG", "CHARTIVO_ENCRYPTION_KEYS_FILE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTIVO_STATE_DIR", str(tmp_path))
    for name, value in {**PRODUCTION, **environment}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_the_production_settings_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = _load(monkeypatch, tmp_path)
    assert loaded["STRIPE_BUDGET"] == "50%"
    assert loaded["ACCESS_LOG"] is True
    assert loaded["TASK_BACKEND"] == "database"


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=[f"{n}={v}" for n, v in BAD_VALUES])
def test_a_value_the_app_cannot_use_stops_it_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=name):
        _load(monkeypatch, tmp_path, **{name: value})


@pytest.mark.parametrize(
    ("name", "value", "setting", "expected"),
    [
        ("CHARTIVO_ACCESS_LOG", "true", "ACCESS_LOG", True),
        ("CHARTIVO_ACCESS_LOG", "off", "ACCESS_LOG", False),
        ("CHARTIVO_STRIPE_BUDGET", " 90 ", "STRIPE_BUDGET", "90"),
        ("CHARTIVO_LOG_LEVEL", "warning", "LOG_LEVEL", "WARNING"),
        ("CHARTIVO_TASK_BACKEND", "RQ", "TASK_BACKEND", "rq"),
    ],
)
def test_values_are_read_as_a_person_means_them(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    value: str,
    setting: str,
    expected: object,
) -> None:
    extra = {"REDIS_URL": "redis://127.0.0.1:6379/0"} if setting == "TASK_BACKEND" else {}
    assert _load(monkeypatch, tmp_path, **{name: value}, **extra)[setting] == expected


def test_rq_without_redis_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="CHARTIVO_TASK_BACKEND=rq needs REDIS_URL"):
        _load(monkeypatch, tmp_path, CHARTIVO_TASK_BACKEND="rq")


def _command(tmp_path: Path, *argv: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "CHARTIVO_STATE_DIR": str(tmp_path),
        **PRODUCTION,
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-m", "chartivo.cli", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_chartivo_check_fails_with_the_settings_name(tmp_path: Path) -> None:
    ok = _command(tmp_path, "check")
    assert ok.returncode == 0, ok.stderr[-2000:]
    refused = _command(tmp_path, "check", CHARTIVO_STRIPE_BUDGET="fast")
    assert refused.returncode != 0
    assert "CHARTIVO_STRIPE_BUDGET" in refused.stderr
    assert "fast" in refused.stderr


def test_the_demo_refuses_a_port_that_is_not_a_number(tmp_path: Path) -> None:
    refused = _command(tmp_path, "demo", CHARTIVO_DEMO_PORT="eighty")
    assert refused.returncode != 0
    assert "CHARTIVO_DEMO_PORT must be a whole number" in refused.stderr


@pytest.mark.parametrize(
    ("name", "value", "password"),
    [
        ("DATABASE_URL", "mysql://chartivo:s3cr/et@db.internal/chartivo", "s3cr/et"),
        ("REDIS_URL", "redis-cluster://:hunter2#x@cache.internal:6379/0", "hunter2#x"),
        ("CHARTIVO_EMAIL_URL", "smtp+ssl://mailer:pa#ss@mail.internal", "pa#ss"),
    ],
)
def test_a_refused_url_never_shows_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, password: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=name) as refused:
        _load(monkeypatch, tmp_path, **{name: value})
    message = str(refused.value)
    assert password not in message
    assert "…@" in message, "the host is still named, so the operator knows which URL"
