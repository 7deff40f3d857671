"""The key never leaves sealed: not in logs, pages, error reports, outgoing mail, the
database or the task queue, through every path a key takes — the real sandbox, the real
worker, a real SMTP server.

The searches count the key and its body without the prefix; a failure says where and
how many, never the text around it. The test database is SQLite in memory or PostgreSQL,
so "the database" is read table by table (``tests/support/database.py``), the task
queue's table included; the Redis queue is searched in ``test_key_handling``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.utils.log import AdminEmailHandler

from chartivo.integrations.stripe.client import REJECTED, explain
from chartivo.integrations.stripe.keys import MALFORMED, PUBLISHABLE, REQUIRED
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.tasks import sync_connection
from chartivo.lib.redaction import STRIPE_KEY_PATTERN
from tests.conftest import run_worker
from tests.security.conftest import SAVE_URL, LogCapture, leaks, response_text
from tests.support.database import database_text
from tests.support.mail import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_READ = [
    "rak_charge_read",
    "rak_customer_read",
    "rak_dispute_read",
    "rak_balance_transaction_source_read",
    "rak_event_read",
    "rak_balance_read",
]
PARTLY_MASKED = re.compile(r"[sr]k_(?:test|live)_\*{4,}")
CHART = {
    "source": "stripe",
    "metric": "charges",
    "measure": "amount",
    "breakdown": "status",
    "range_preset": "last_30_days",
    "granularity": "day",
    "time_zone": "America/New_York",
    "chart_type": "line",
    "name": "Charges by status",
}


def _secrets(key: str) -> dict[str, str]:
    return {"the key": key, "the key's body": key[8:]}


class _Pages:
    """Every response of the test, kept to be searched at the end."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seen: list[tuple[str, str]] = []

    def get(self, url: str, expect: int = 200, **params: str) -> Any:
        response = self.client.get(url, params)
        return self._keep(f"GET {url}", response, expect)

    def post(self, url: str, data: dict[str, Any], expect: int) -> Any:
        response = self.client.post(url, data)
        return self._keep(f"POST {url}", response, expect)

    def _keep(self, what: str, response: Any, expect: int) -> Any:
        assert response.status_code == expect, f"{what}: {response.status_code}, not {expect}"
        self.seen.append((what, response_text(response)))
        return response

    def save(self, key: str, expect: int, shows: str) -> None:
        page = response_text(self.post(SAVE_URL, {"api_key": key}, expect))
        if expect == 302:
            page = response_text(self.get("/integrations/"))
            self.seen.append(("the page after Save", page))
        assert shows in page.replace("&#x27;", "'"), f"Save did not say {shows[:40]!r}"


def _sync_now(connection_id: int) -> StripeConnection:
    sync_connection.enqueue(connection_id)
    run_worker()
    return StripeConnection.objects.get(pk=connection_id)


def test_the_key_is_nowhere_after_save_sync_every_error_and_every_chart_view(
    account: Any,
    stripe_api: Any,
    owner: Any,
    owner_client: Client,
    app_logs: LogCapture,
    capfd: Any,
    smtp_server: SmtpServer,
    settings: Any,
) -> None:
    control = stripe_api.control
    key = account.keys["restricted"]
    pages = _Pages(owner_client)

    # Save: each way a pasted key is refused, with this very key inside the text.
    pages.save("", 400, REQUIRED)
    pages.save(key + "!", 400, MALFORMED)
    pages.save("pk_test_" + key[8:], 400, PUBLISHABLE)
    control.revoke_key(key)
    pages.save(key, 400, REJECTED)
    control.revoke_key(key, revoked=False)
    control.set_faults(error_rate=1.0, account=account.id)
    pages.save(key, 400, "Stripe answered with an error (500)")
    control.set_faults(error_rate=0.0, drop_rate=1.0, account=account.id)
    pages.save(key, 400, "Chartivo could not reach Stripe")
    control.clear_faults(account=account.id)
    control.set_rate_limits(test=0.01, account=account.id)
    pages.save(key, 400, "Stripe asked Chartivo to slow down")
    control.clear_rate_limits(account=account.id)
    assert not StripeConnection.objects.exists()

    # Save with a permission missing, then the full key (pasted with whitespace around).
    control.set_permissions(key, [p for p in EVERY_READ if p != "rak_dispute_read"])
    pages.save(key, 302, "Disputes (needs Read on Disputes)")
    control.set_permissions(key, EVERY_READ)
    pages.save(f"  {key}\n", 302, "Stripe is connected (Sandbox)")
    connection_id = StripeConnection.objects.get().pk

    # The first sync, by the real worker, then every page and data endpoint.
    run_worker()
    assert StripeConnection.objects.get().last_synced_at is not None
    pages.get("/integrations/")
    pages.get("/integrations/stripe/status.json")
    pages.get("/")
    pages.get("/charts/new/", source="stripe")
    chart_url = pages.post("/charts/new/", CHART, 302)["Location"]
    pages.get(chart_url)
    pages.get(chart_url + "data.json")
    pages.get(chart_url + "export.csv")
    preview = {k: v for k, v in CHART.items() if k != "source"}
    pages.get("/charts/preview.json", 200, **preview)
    pages.get("/charts/preview.json", 200, metric="no-such-metric")  # answered quietly
    pages.get("/charts/99999999/", 404)
    pages.get(SAVE_URL, 405)
    # Outgoing mail: a digest of every figure, as the worker sends it.
    smtp_server.use_in_django(settings)
    call_command("send_digests", user=owner.email, period="weekly")
    assert smtp_server.messages, "no digest was sent"

    # Sync errors: the key revoked, then a permission removed, then Stripe failing.
    control.revoke_key(key)
    assert _sync_now(connection_id).sync_error
    pages.get("/integrations/")
    pages.get("/integrations/stripe/status.json")
    pages.get(chart_url + "data.json")
    control.revoke_key(key, revoked=False)
    control.set_permissions(key, [p for p in EVERY_READ if p != "rak_dispute_read"])
    _sync_now(connection_id)
    pages.get("/integrations/")
    pages.get(chart_url)
    control.set_permissions(key, EVERY_READ)
    control.set_faults(error_rate=1.0, account=account.id)
    _sync_now(connection_id)
    control.clear_faults(account=account.id)
    pages.get("/integrations/")
    pages.get(chart_url + "data.json")
    pages.post("/integrations/stripe/remove/", {}, 302)

    secrets = _secrets(key)
    captured = capfd.readouterr()
    places = {
        "log records before the mask": app_logs.raw_text,
        "log lines written (text and JSON)": app_logs.written,
        "test output (stdout and stderr)": captured.out + captured.err,
        "the database, every table (task queue included)": database_text(),
        **{f"mail to {m.recipients}": m.raw for m in smtp_server.messages},
        **{f"response to {what}": text for what, text in pages.seen},
    }
    found = {where: hits for where, text in places.items() if (hits := leaks(text, secrets))}
    assert not found, f"the key was found: {found}"
    # Nor Stripe's partly masked form of it ("rk_test_****…abcd"), which its errors carry.
    partly = [where for where, text in places.items() if PARTLY_MASKED.search(text)]
    assert not partly, f"Stripe's partly masked key was found in: {partly}"
    assert len(pages.seen) > 30 and app_logs.raw.lines, "the test did not exercise the app"


def _fail_inserts_of_connections(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
    if sql.lstrip().upper().startswith("INSERT") and "stripeconnection" in sql.lower():
        raise OperationalError("the database went away")
    return execute(sql, params, many, ctx)


def test_a_server_error_while_saving_shows_the_key_in_no_page_log_or_report(
    stripe_api: Any, owner_client: Client, app_logs: LogCapture, settings: Any
) -> None:
    """A 500 in the view that received the key in POST: the page, the logged report and
    the e-mail Django sends to ADMINS (which lists every frame's variables)."""
    key = stripe_api.keys["restricted"]
    settings.ADMINS = [("Operator", "ops@example.com")]  # Django's mail_admins handler
    # ...and the same report as HTML, with every frame's variables, as an operator may
    # configure it (include_html).
    html_reports = AdminEmailHandler(include_html=True)
    logging.getLogger("django.request").addHandler(html_reports)
    owner_client.raise_request_exception = False
    try:
        with connection.execute_wrapper(_fail_inserts_of_connections):
            response = owner_client.post(SAVE_URL, {"api_key": key})
    finally:
        logging.getLogger("django.request").removeHandler(html_reports)
    assert response.status_code == 500
    assert len(mail.outbox) == 2, "Django's error reports were not sent"
    text = "\n".join(str(message.body) for message in mail.outbox)
    html = "".join(
        str(content) for m in mail.outbox for content, _ in getattr(m, "alternatives", [])
    )
    # These reports list the POST fields and the frames' variables: they would show the
    # key if anything did. (Booleans first: a failing assertion must not print them.)
    full_reports = "the database went away" in text and "Local Vars" in html
    field_hidden = "api_key = '********************'" in text
    assert full_reports and field_hidden, "not the full reports, or the field not hidden"
    places = {
        "the error page": response_text(response),
        "the e-mailed report (text)": text,
        "the e-mailed report (HTML)": html,
        "log records before the mask": app_logs.raw_text,
        "log lines written": app_logs.written,
    }
    found = {where: hits for where, text in places.items() if (hits := leaks(text, _secrets(key)))}
    assert not found, f"the key was found: {found}"
    assert not StripeConnection.objects.exists()


def test_even_the_debug_error_page_masks_the_key(
    stripe_api: Any, owner_client: Client, settings: Any
) -> None:
    """With DEBUG on Django shows POST data and frame variables unfiltered; Chartivo's
    error reporter still masks every key in the page."""
    key = stripe_api.keys["restricted"]
    settings.DEBUG = True
    owner_client.raise_request_exception = False
    with connection.execute_wrapper(_fail_inserts_of_connections):
        response = owner_client.post(SAVE_URL, {"api_key": key}, HTTP_ACCEPT="text/html")
    page = response_text(response)
    full_report = "Traceback" in page and "raw_key" in page
    masked_by_the_reporter = "rk_test_[redacted]" in page  # the mask did the work, not luck
    assert response.status_code == 500 and full_report and masked_by_the_reporter
    found = leaks(page, _secrets(key))
    assert not found, f"the key was found on the DEBUG page: {found}"


def test_a_key_pasted_into_a_url_is_masked_in_every_log_line_written(
    stripe_api: Any, owner_client: Client, app_logs: LogCapture
) -> None:
    """Where the app cannot help receiving the key (a URL, a wrong field), Django's own
    request logs carry it; the log filter masks it in text and JSON lines alike."""
    key = stripe_api.keys["restricted"]
    owner_client.get(f"/charts/preview.json?metric=nope&name={key}")  # answered quietly
    owner_client.get(f"/charts/{key}/")  # 404, logged with the path
    owner_client.get("/charts/preview.json", {"name": f"my%20{key}", "metric": "x"})
    assert leaks(app_logs.raw_text, _secrets(key)), "Django's logs no longer carry the URL?"
    found = leaks(app_logs.written, _secrets(key))
    assert not found, f"the key was found in the written log lines: {found}"
    masked = "rk_test_[redacted]" in app_logs.written
    assert masked


def test_stripe_error_texts_reach_the_user_fully_masked(account: Any, stripe_api: Any) -> None:
    """Stripe's own messages for a bad key (401) or a missing permission (403) quote the
    key partly masked; what Chartivo shows or stores instead quotes nothing of it."""
    import stripe

    def error_of(key: str, path: str) -> stripe.StripeError:
        client = stripe.StripeClient(key, base_addresses={"api": stripe_api.api_base})
        with pytest.raises(stripe.StripeError) as caught:
            client.raw_request("get", path, limit=1)
        return caught.value

    unknown = "rk_test_" + "Q7" * 40
    errors = [
        error_of(unknown, "/v1/charges"),
        error_of(account.keys["restricted_no_disputes"], "/v1/disputes"),
        error_of(account.keys["restricted"], "/v1/no_such_resource"),
    ]
    quoted = sum(bool(PARTLY_MASKED.search(str(e))) for e in errors)
    assert quoted >= 2, "Stripe's messages no longer quote the key: the test proves nothing"
    for error in errors:
        explained = explain(error, dashboard_row="Disputes")
        shown = f"{explained} {explained.message}"
        assert not PARTLY_MASKED.search(shown) and not STRIPE_KEY_PATTERN.search(
            shown.replace("[redacted]", "")
        ), f"{explained.kind}: a key-shaped text in the message"
