"""``CHARTIVO_EMAIL_URL`` and ``CHARTIVO_EMAIL_FROM``, read and checked at start-up: each
form of the URL gives Django's SMTP settings, a value that cannot be used stops the app
with a message naming the setting and never showing the password — and a real SMTP server
receives what a worker process configured only by them sends."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.mail import SmtpServer
from tests.support.worker import ROOT, worker_environment

SETTINGS = ROOT / "chartivo" / "settings.py"
SECRET = "s3cr3t-p4ss"
PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-real-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "CHARTIVO_ENCRYPTION_KEYS": "k1:" + "dGVzdC1vbmx5LWtleS1mb3ItY2hhcnRpdm8tdGVzdHM",
    "CHARTIVO_EMAIL_FROM": "Chartivo <noreply@chartivo.io>",
}


def _load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environment: str) -> dict[str, Any]:
    for name in ("CHARTIVO_EMAIL_URL", "CHARTIVO_EMAIL_URL_FILE", "CHARTIVO_EMAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CHARTIVO_DEBUG", raising=False)
    monkeypatch.setenv("CHARTIVO_STATE_DIR", str(tmp_path))
    for name, value in {**PRODUCTION, **environment}.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"smtp://mailer:{SECRET}@mail.internal:2525",
            ("mail.internal", 2525, "mailer", SECRET, False, False),
        ),
        (
            f"smtp+tls://mailer:{SECRET}@smtp.example.com",
            ("smtp.example.com", 587, "mailer", SECRET, True, False),
        ),
        (
            f"smtps://mailer:{SECRET}@smtp.example.com",
            ("smtp.example.com", 465, "mailer", SECRET, False, True),
        ),
        ("smtp://127.0.0.1", ("127.0.0.1", 25, "", "", False, False)),
        # A password with reserved characters is percent-encoded in the URL.
        (
            "smtp+tls://apikey:p%40ss%3Aw%2Frd@smtp.example.com:2587",
            ("smtp.example.com", 2587, "apikey", "p@ss:w/rd", True, False),
        ),
    ],
    ids=["plain", "starttls", "implicit-tls", "no-login", "encoded-password"],
)
def test_each_form_of_the_url_configures_django_smtp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, expected: tuple[Any, ...]
) -> None:
    loaded = _load(monkeypatch, tmp_path, CHARTIVO_EMAIL_URL=url)
    assert loaded["EMAIL_ENABLED"] is True
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    names = ("HOST", "PORT", "HOST_USER", "HOST_PASSWORD", "USE_TLS", "USE_SSL")
    assert tuple(loaded[f"EMAIL_{n}"] for n in names) == expected
    assert loaded["DEFAULT_FROM_EMAIL"] == "Chartivo <noreply@chartivo.io>"


def test_empty_means_e_mail_is_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = _load(monkeypatch, tmp_path, CHARTIVO_EMAIL_URL="", CHARTIVO_EMAIL_FROM="")
    assert loaded["EMAIL_ENABLED"] is False
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.dummy.EmailBackend"


def test_the_url_may_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "email-url"
    secret_file.write_text(f"smtps://mailer:{SECRET}@smtp.example.com\n")
    loaded = _load(monkeypatch, tmp_path, CHARTIVO_EMAIL_URL_FILE=str(secret_file))
    assert (loaded["EMAIL_HOST_PASSWORD"], loaded["EMAIL_USE_SSL"]) == (SECRET, True)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"CHARTIVO_EMAIL_URL": f"smtp://mailer:{SECRET}@"}, "CHARTIVO_EMAIL_URL must look like"),
        ({"CHARTIVO_EMAIL_URL": f"https://mailer:{SECRET}@smtp.example.com"}, "CHARTIVO_EMAIL_URL"),
        ({"CHARTIVO_EMAIL_URL": f"mailer:{SECRET}@smtp.example.com"}, "CHARTIVO_EMAIL_URL"),
        (
            {"CHARTIVO_EMAIL_URL": f"smtp://mailer:{SECRET}@smtp.example.com:99999"},
            "CHARTIVO_EMAIL_URL",
        ),
        (
            {"CHARTIVO_EMAIL_URL": f"smtp://mailer:{SECRET}@smtp.example.com/x?y=1"},
            "CHARTIVO_EMAIL_URL",
        ),
        (
            {
                "CHARTIVO_EMAIL_URL": f"smtp://mailer:{SECRET}@smtp.example.com",
                "CHARTIVO_EMAIL_FROM": "",
            },
            "CHARTIVO_EMAIL_FROM must be set when e-mail is on",
        ),
        ({"CHARTIVO_EMAIL_FROM": "not an address"}, "CHARTIVO_EMAIL_FROM must be an address"),
    ],
    ids=[
        "no-host",
        "wrong-scheme",
        "no-scheme",
        "bad-port",
        "path-and-query",
        "no-from",
        "bad-from",
    ],
)
def test_a_value_that_cannot_be_used_stops_the_app_and_never_shows_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as stopped:
        _load(monkeypatch, tmp_path, **environment)
    assert message in str(stopped.value)
    assert SECRET not in str(stopped.value)


def test_check_names_the_setting_and_hides_the_password(tmp_path: Path) -> None:
    env = {
        **worker_environment(),
        "DJANGO_SETTINGS_MODULE": "chartivo.settings",
        **PRODUCTION,
        "CHARTIVO_STATE_DIR": str(tmp_path),
        "CHARTIVO_EMAIL_URL": f"smtp://mailer:{SECRET}@smtp.example.com:notaport",
    }
    checked = subprocess.run(
        [sys.executable, "-m", "chartivo.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode != 0
    assert "CHARTIVO_EMAIL_URL" in checked.stderr
    assert SECRET not in checked.stderr + checked.stdout


@pytest.mark.django_db(transaction=True)
def test_a_worker_configured_by_the_environment_delivers_through_a_real_smtp_server(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """A process that knows only CHARTIVO_EMAIL_URL and CHARTIVO_EMAIL_FROM logs in to the
    server and hands over the message."""
    script = (
        "import django; django.setup(); from django.core.mail import send_mail; "
        "send_mail('Hello', 'From a worker.', None, ['ada@example.com'])"
    )
    sent = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**worker_environment(), **smtp_server.environment()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stderr[-2000:]
    message = smtp_server.wait_for(to="ada@example.com")
    assert (message["Subject"], message["From"]) == ("Hello", "Chartivo <noreply@chartivo.test>")
    assert smtp_server.logins_refused == 0
    assert smtp_server.password not in sent.stderr + sent.stdout
