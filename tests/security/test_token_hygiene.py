"""Read API tokens never leave sealed either: not in log records or lines, error reports
(the page, the e-mails to ADMINS), the database or the test output, through every way a
token is used, refused or misused. The one place a token is ever shown is the page that
answers its making, once.

The same leak hunt as ``test_secret_hygiene``: the token and its body without the
prefix are counted in each place; a failure says where and how many, never the text.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test import Client

from chartivo.api.models import ApiToken
from tests.api.conftest import HiddenToken
from tests.production.conftest import web_server
from tests.security.conftest import LogCapture, leaks, response_text
from tests.support.database import database_text

pytestmark = pytest.mark.django_db(transaction=True)

METRICS = "/api/v1/metrics"


def _secrets(token: str) -> dict[str, str]:
    return {"the token": token, "the token's body": token[4:]}


def _fail_token_lookups(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
    if "api_apitoken" in sql.lower():
        raise OperationalError("the database went away")
    return execute(sql, params, many, ctx)


def _make_token(client: Client, name: str) -> str:
    page = client.post("/account/api/", {"name": name}).content.decode()
    found = re.search(r'id="new-token"[^>]*value="(chv_[A-Za-z0-9_\-]+)"', page)
    assert found, "no token on the page that made it"
    return HiddenToken(found[1])


def test_a_token_is_in_no_log_report_database_or_output_whatever_is_done_with_it(
    owner_client: Client, app_logs: LogCapture, settings: Any, capfd: Any
) -> None:
    token = _make_token(owner_client, "leak hunt")
    revoked = _make_token(owner_client, "revoked")
    seen: dict[str, str] = {}

    def ask(what: str, path: str, secret: str = "", scheme: str = "Bearer ", **params: str) -> Any:
        header = f"{scheme}{secret}" if secret else None
        client = Client(headers={"Authorization": header} if header else None)
        client.raise_request_exception = False
        response = client.get(path, params)
        seen[what] = response_text(response)
        return response

    # Used, refused, misused: every answer, and whatever Django and the app log for it.
    assert ask("a good request", METRICS, token).status_code == 200
    ask("a series", "/api/v1/series", token, metric="charges")
    ask("a bad parameter", "/api/v1/series", token, metric="nope", tz="x" * 80)
    ask("a mistyped token", METRICS, HiddenToken(token + "x"))
    ask("another scheme", METRICS, token, scheme="Token ")
    settings.DEBUG = True  # ninja's own bearer class logs a malformed header in debug mode
    ask("a malformed header in debug mode", METRICS, token, scheme="Basic ")
    ask("no scheme in debug mode", METRICS, token, scheme="")
    settings.DEBUG = False
    ask("a missing address", "/api/v1/nothing", token)
    owner_client.post(f"/account/api/{ApiToken.objects.get(name='revoked').pk}/revoke/")
    assert ask("a revoked token", METRICS, revoked).status_code == 401

    # A server error while the token is being looked up: the report lists the request's
    # headers and every frame's variables, the token among them.
    settings.ADMINS = [("Operator", "ops@example.com")]
    with connection.execute_wrapper(_fail_token_lookups):
        failed = ask("a server error", METRICS, token)
    assert failed.status_code == 500 and len(mail.outbox) == 1, "no error report was sent"
    report = "\n".join(str(m.body) for m in mail.outbox)
    assert "the database went away" in report and "token" in report
    header_clean = leaks(app_logs.raw_text, _secrets(token))
    assert not header_clean, f"the app logged a token sent in the header: {header_clean}"

    # Pasted into the address (refused): Django's request log records the address, the
    # log filter masks it in every line written.
    ask("a token in the address", METRICS, "", token=token)
    ask("a token in a path", f"/api/v1/{token}", token)
    assert "chv_[redacted]" in app_logs.written, "the addresses were not logged?"

    captured = capfd.readouterr()
    places = {
        "log lines written (text and JSON)": app_logs.written,
        "the e-mailed error report": report,
        "test output (stdout and stderr)": captured.out + captured.err,
        "the database, every table": database_text(),
        **{f"response to {what}": text for what, text in seen.items()},
    }
    for secret in (token, revoked):
        found = {where: n for where, text in places.items() if (n := leaks(text, _secrets(secret)))}
        assert not found, f"a token was found: {found}"
    assert len(seen) == 12


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_served_logs_hold_no_token_sent_or_pasted_in_either_format(
    tmp_path: Path, log_format: str
) -> None:
    """``chartivo serve``: gunicorn's access log and error log and the app's lines, as an
    operator's log collector gets them."""
    token = HiddenToken("chv_" + secrets.token_urlsafe(32))
    log = tmp_path / "web.log"
    with web_server(log, REDIS_URL="", CHARTIVO_LOG_FORMAT=log_format) as base:
        for path in ("/api/v1/metrics", f"/api/v1/{token}", f"/api/v1/metrics?token={token}"):
            request = urllib.request.Request(  # noqa: S310 - the server this test started
                base + path, headers={"Authorization": f"Bearer {token}"}
            )
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10)  # noqa: S310
    written = log.read_text()
    assert "/api/v1/metrics" in written, "no access log lines?"
    assert "/api/v1/chv_[redacted]" in written, "the pasted path was not logged masked"
    found = leaks(written, _secrets(token))
    assert not found, f"a token was found in the {log_format} log: {found}"
