"""Web security: CSRF on every POST, the headers on every page, production settings that
pass ``check --deploy``, login throttling, password rules, and sessions ended by a
password change."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from chartivo.accounts.models import AttemptCounter
from chartivo.charts.models import Chart
from chartivo.lib.secretbox import generate_key_entry
from tests.security.conftest import every_route

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
LOGIN = "/account/login/"
PASSWORD = "a long password 1"  # the ``owner`` fixture's


@pytest.fixture
def chart(owner: Any) -> Chart:
    return Chart.objects.create(owner=owner, name="Charges", metric="charges", measure="count")


# --- CSRF -----------------------------------------------------------------------------------


def test_every_url_refuses_a_post_without_the_csrf_token(owner: Any, chart: Chart) -> None:
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    anonymous = Client(enforce_csrf_checks=True)
    for route in every_route():
        url = route.url(chart.pk)
        # The read API takes no cookie, so no CSRF token either: it serves GET alone.
        reads = route.name in ("api_openapi", "api:catalogue", "api:series", "api:headlines")
        refused = 405 if reads else 403
        for who, client in (("signed in", signed_in), ("anonymous", anonymous)):
            response = client.post(url, {"username": owner.email, "password": PASSWORD})
            assert response.status_code == refused, f"POST {url} ({who}) without a token"
    assert Chart.objects.filter(pk=chart.pk).exists()
    assert "_auth_user_id" not in anonymous.session


def test_a_post_with_the_token_from_the_page_is_accepted(owner: Any, chart: Chart) -> None:
    """The other side of the test above: the forms carry a working token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/charts/{chart.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(f"/charts/{chart.pk}/delete/", {"csrfmiddlewaretoken": token[1]})
    # Deleted: gone from Home, kept a while so that the deletion can be undone.
    assert response.status_code == 302 and Chart.objects.get(pk=chart.pk).deleted_at is not None


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_form_refused_for_its_token_answers_with_the_apps_own_page(
    owner: Any, settings: Any, debug: bool
) -> None:
    # A log-in form left open while the person logged in from another tab, or a browser
    # that drops cookies: the answer is the app's page, saying what to do.
    settings.DEBUG = debug
    for client, url in (
        (Client(enforce_csrf_checks=True), LOGIN),
        (_logged_in_client(owner), "/integrations/stripe/"),
    ):
        response = client.post(url, {"username": owner.email, "password": PASSWORD})
        page = response.content.decode()
        assert response.status_code == 403
        assert '<h1 id="error-title">This form has expired</h1>' in page
        assert "Nothing was saved" in page and "reload the page and try again" in page
        assert 'aria-label="Chartivo — Home"' in page  # in the app's layout
        assert "CSRF verification failed" not in page
        assert ("Technical details" in page) is debug


def _logged_in_client(owner: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- Headers on every page ------------------------------------------------------------------

_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def test_every_page_sends_a_strict_content_security_policy_and_denies_framing(
    owner: Any, chart: Chart
) -> None:
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    pages = 0
    for route in every_route():
        for who, visitor in (("signed in", client), ("anonymous", Client())):
            response = visitor.get(route.url(chart.pk), {"source": "stripe"})
            where = f"GET {route.pattern or '/'} ({who}, {response.status_code})"
            policy = _policy(response.get("Content-Security-Policy", ""))
            scripts = policy.get("script-src", policy.get("default-src", []))
            assert scripts == ["'self'"], f"{where}: script-src {scripts}"
            assert policy.get("object-src") == ["'none'"], where
            assert policy.get("frame-ancestors") == ["'none'"], where
            assert policy.get("base-uri") == ["'none'"], where
            assert "'unsafe-inline'" not in policy.get("style-src", []), where
            assert response.get("X-Frame-Options") == "DENY", where
            assert response.get("X-Content-Type-Options") == "nosniff", where
            assert response.get("Referrer-Policy") == "same-origin", where
            if response.get("Content-Type", "").startswith("text/html"):
                pages += 1
                _assert_nothing_inline(where, response.content.decode())
    assert pages >= 12, "too few HTML pages were checked"


def _assert_nothing_inline(where: str, html: str) -> None:
    """What the policy would block in a browser: inline code, handlers and style attributes.
    (JSON data blocks are not scripts: ``json_script`` output is allowed.)"""
    for attributes in _SCRIPT_TAG.findall(html):
        inline = "src=" not in attributes and 'type="application/json"' not in attributes
        assert not inline, f"{where}: an inline <script{attributes}>"
    assert not _INLINE_HANDLER.search(html), f"{where}: an inline event handler"
    assert not _STYLE_ATTRIBUTE.search(html), f"{where}: a style attribute"


# --- Production settings --------------------------------------------------------------------


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "chartivo.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CHARTIVO_ENCRYPTION_KEYS": generate_key_entry("k1"),
        "CHARTIVO_ALLOWED_HOSTS": "chartivo.example.com",
        "CHARTIVO_STATE_DIR": str(tmp_path),
        "CHARTIVO_EMAIL_URL": "smtp+tls://chartivo:a-password@smtp.example.com",
        "CHARTIVO_EMAIL_FROM": "Chartivo <noreply@chartivo.example.com>",
        **extra,
    }


@pytest.mark.parametrize("behind_proxy", ["0", "1"])
def test_check_deploy_passes_with_production_settings(tmp_path: Path, behind_proxy: str) -> None:
    env = _production_env(tmp_path, CHARTIVO_BEHIND_PROXY=behind_proxy)
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert checked.stdout.strip() == "System check identified no issues (0 silenced)."
    assert checked.stderr == ""


def test_check_deploy_warns_when_e_mail_is_off(tmp_path: Path) -> None:
    env = _production_env(tmp_path, CHARTIVO_EMAIL_URL="", CHARTIVO_EMAIL_FROM="")
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "chartivo.W001" in checked.stderr and "nobody can reset" in checked.stderr


_SECURITY_SETTINGS = (
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
)


def _production_settings(tmp_path: Path) -> dict[str, Any]:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {_SECURITY_SETTINGS!r}}}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=_production_env(tmp_path, CHARTIVO_BEHIND_PROXY="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    values: dict[str, Any] = json.loads(shown.stdout)
    return values


def test_production_sends_hsts_redirects_to_https_and_marks_cookies_secure(
    tmp_path: Path, owner: Any, settings: Any
) -> None:
    """The settings production computes, applied here, seen on real responses."""
    production = _production_settings(tmp_path)
    assert production["DEBUG"] is False and production["SECURE_HSTS_SECONDS"] >= 31536000
    for name, value in production.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    client = Client()

    plain = client.get(LOGIN)
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/account/login/"
    assert client.get("/healthz").status_code == 200  # load balancers probe over HTTP

    page = client.get(LOGIN, headers={"X-Forwarded-Proto": "https"})
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    token = client.cookies["csrftoken"]
    assert token["secure"] and token["httponly"] and token["samesite"] == "Lax"
    logged_in = client.post(
        LOGIN,
        {"username": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token.value},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert logged_in.status_code == 302
    session = client.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# --- Logging in -----------------------------------------------------------------------------


def _log_in(client: Client, email: str, password: str, ip: str = "203.0.113.7") -> Any:
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_failures_even_the_right_password_gets_the_locked_out_page(
    owner: Any, settings: Any
) -> None:
    assert settings.LOGIN_FAILURE_LIMIT == 5
    client = Client()
    # Case and spaces do not make a new account to guess at: it is the same login.
    for email in (
        "owner@example.com",
        "OWNER@example.com",
        " Owner@Example.com ",
        "owner@example.com",
        "owner@example.com",
    ):
        failed = _log_in(client, email, "not the password")
        assert failed.status_code == 200 and "Please enter a correct email" in failed.text
    locked = _log_in(client, owner.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.text and not _signed_in(client)

    # Someone else, or the owner from elsewhere, is not locked out by these attempts.
    assert _log_in(Client(), owner.email, PASSWORD, ip="198.51.100.9").status_code == 302

    # After the cool-off (15 minutes, ended here rather than waited for) the owner is back.
    AttemptCounter.objects.update(expires_at=time.time() - 1)
    assert _log_in(client, owner.email, PASSWORD).status_code == 302 and _signed_in(client)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt!", "This password is too short"),
        ("password123", "This password is too common"),
        ("80723591642753", "This password is entirely numeric"),
        ("jane.doe.example", "The password is too similar to the email"),
    ],
)
def test_signup_refuses_a_weak_password_and_creates_no_account(
    password: str, message: str, django_user_model: Any
) -> None:
    response = Client().post(
        "/account/signup/",
        {"email": "jane.doe@example.com", "password1": password, "password2": password},
    )
    assert message in response.text.replace("&#x27;", "'")
    assert not django_user_model.objects.filter(email="jane.doe@example.com").exists()


def test_signup_with_a_strong_password_creates_the_account_and_signs_in(
    django_user_model: Any,
) -> None:
    client = Client()
    good = "correct horse battery staple 7"
    response = client.post(
        "/account/signup/", {"email": "Jane@Example.com", "password1": good, "password2": good}
    )
    assert response.status_code == 302 and _signed_in(client)
    assert django_user_model.objects.get(email="jane@example.com").check_password(good)


def test_changing_the_password_ends_every_other_session(owner: Any) -> None:
    here, elsewhere = Client(), Client()
    assert _log_in(here, owner.email, PASSWORD).status_code == 302
    assert _log_in(elsewhere, owner.email, PASSWORD, ip="198.51.100.9").status_code == 302
    new_password = "a brand new long password 2"
    changed = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert changed.status_code == 302 and changed["Location"] == "/account/password/done/"
    assert here.get("/").status_code == 200  # the session that changed it stays signed in
    kicked_out = elsewhere.get("/")
    assert kicked_out.status_code == 302 and kicked_out["Location"].startswith(LOGIN)
    assert _log_in(Client(), owner.email, PASSWORD, ip="192.0.2.1").status_code == 200
    assert _log_in(Client(), owner.email, new_password, ip="192.0.2.1").status_code == 302


def test_the_password_change_needs_the_old_password(owner: Any) -> None:
    client = Client()
    assert _log_in(client, owner.email, PASSWORD).status_code == 302
    refused = client.post(
        "/account/password/",
        {"old_password": "a guess", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert refused.status_code == 200 and "Your old password was entered incorrectly" in (
        refused.text
    )
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_log_out_is_a_post_and_ends_the_session(owner: Any) -> None:
    client = Client()
    assert _log_in(client, owner.email, PASSWORD).status_code == 302
    assert client.get("/account/logout/").status_code == 405  # a link cannot log anyone out
    assert client.post("/account/logout/").status_code == 302 and not _signed_in(client)
