"""Alert webhooks carry aggregates and links only: after a real sync, rules fired by the
evaluation on the account's figures and real deliveries (Slack and signed, through
failures and retries, to a real receiver), no webhook body or header holds the Stripe
key, a customer's detail, a Stripe object id or an e-mail address; and the signing secret, the Slack address's secret path and the key appear in no log
line, test output, task queue or stored row (the secret is kept sealed).

Values to look for are taken from the account's very objects, listed through the SDK; a
failure says where and how many, never the text around it (``tests/security/conftest.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from chartivo.alerts import sweep
from chartivo.alerts.evaluate import evaluate_connection
from chartivo.alerts.models import (
    FIRED,
    RETRYING,
    SENT,
    WEEK,
    AlertDelivery,
    AlertEvent,
    AlertRule,
)
from chartivo.integrations.stripe.connect import connect
from tests.alerts.delivery_rows import run_alert_queue, webhook_rule
from tests.conftest import run_worker
from tests.security.conftest import LogCapture, leaks
from tests.support.database import database_text
from tests.support.receiver import WebhookReceiver
from tests.support.reference import list_everything

pytestmark = pytest.mark.django_db(transaction=True)
ANY_OBJECT_ID = re.compile(
    r"\b(?:ch|cus|re|dp|txn|evt|po|py|pi|pm|card|src|acct|ba|in|sub)_[A-Za-z0-9]{8,}"
)
ANY_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
SLACK_PATH = "/services/T0CHARTIVO/B0ALERTS/q8Zr3xSlackPathSecret"
GONE_PATH = "/services/T0CHARTIVO/B0GONE/unreachableSlackPathSecret"


def _largest_currency(snapshot: Any) -> str:
    """The currency most charges were made in."""
    return Counter(str(c["currency"]) for c in snapshot["charges"]).most_common(1)[0][0]


def test_no_webhook_body_holds_a_key_customer_object_id_or_address_and_no_log_a_secret(
    account: Any,
    stripe_api: Any,
    owner: Any,
    app_logs: LogCapture,
    capfd: Any,
) -> None:
    key = account.keys["restricted"]
    connection = connect(owner, key)
    run_worker()
    snapshot = list_everything(stripe_api.api_base, key)
    customer_details = {
        f"customer {n}'s {field}": str(customer[field])
        for n, customer in enumerate(snapshot["customers"])
        for field in ("email", "name", "phone")
        if customer.get(field) and len(str(customer[field])) >= 5
    }
    object_ids = {
        f"{source} {n}'s id": str(obj["id"])
        for source in snapshot.objects
        for n, obj in enumerate(snapshot[source])
    }
    assert customer_details and len(object_ids) > 100, "the account has nothing to leak"

    # Rules that fire on the account's real figures: the events are the evaluation's own
    # (chartivo/alerts/evaluate.py), run as a refresh runs it.
    with (
        WebhookReceiver(answers=[500], path=SLACK_PATH) as slack,
        WebhookReceiver(answers=[503]) as program,
    ):
        slack_rule, _ = webhook_rule(owner, slack.url, name="Charges, ask cfo@acme.example")
        signed_rule, secret = webhook_rule(owner, program.url, signed=True)
        unreachable, _ = webhook_rule(
            owner, f"http://127.0.0.1:9{GONE_PATH}", name="Nobody listens"
        )
        program.secret = secret
        AlertRule.objects.filter(pk__in=[slack_rule.pk, unreachable.pk]).update(
            metric="successful_charges", window=WEEK, threshold=Decimal(0)
        )
        AlertRule.objects.filter(pk=signed_rule.pk).update(
            connection=connection,
            metric="gross_volume",
            currency=_largest_currency(snapshot),
            window=WEEK,
            threshold=Decimal(0),
        )
        events = evaluate_connection(connection.pk)
        assert len(events) == 3 and {e.kind for e in events} == {FIRED}
        run_alert_queue()
        assert set(AlertDelivery.objects.values_list("state", flat=True)) == {RETRYING}
        sweep.tick(timezone.now() + timedelta(hours=1))
        run_alert_queue()
    states = dict(AlertDelivery.objects.values_list("event__rule__name", "state"))
    assert states["Nobody listens"] == RETRYING
    assert {s for name, s in states.items() if name != "Nobody listens"} == {SENT}
    received = [*slack.received, *program.received]
    assert len(received) == 4 and program.received[-1].signature_valid is True
    # The figure sent is the count of the account's own charges over the event's window.
    event = AlertEvent.objects.get(rule=slack_rule)
    charges = sum(
        1
        for charge in snapshot["charges"]
        if charge["status"] == "succeeded"
        and event.window_start <= charge["created"] < event.window_end
    )
    assert charges > 0 and str(charges) in event.value
    assert event.value in slack.received[-1].json["text"], "the figure is not in the message"

    secrets = {
        "the key": key,
        "the key's body": key[8:],
        "the signing secret": secret,
        "the signing secret's body": secret.removeprefix("whsec_"),
    }
    captured = capfd.readouterr()
    places = {
        "log records before the mask": app_logs.raw_text,
        "log lines written (text and JSON)": app_logs.written,
        "test output (stdout and stderr)": captured.out + captured.err,
        "the database, every table (task queue included)": database_text(),
        **{f"request {n} to {r.path[:9]}": r.as_text for n, r in enumerate(received)},
    }
    found = {where: hits for where, text in places.items() if (hits := leaks(text, secrets))}
    assert not found, f"a secret was found: {found}"

    # The Slack address's path is its secret: stored in the rule, sent as the address
    # (not in a header or the body), nowhere else.
    slack_paths = {"a Slack path": SLACK_PATH, "an unreachable Slack path": GONE_PATH}
    not_stored = {k: v for k, v in places.items() if not k.startswith("the database")}
    found = {
        where: hits for where, text in not_stored.items() if (hits := leaks(text, slack_paths))
    }
    assert not found, f"a webhook address was found: {found}"

    # What left Chartivo: no customer's detail, no object id, no e-mail address at all.
    bodies = {f"request {n}": r.as_text for n, r in enumerate(received)}
    found = {
        where: hits
        for where, text in bodies.items()
        if (hits := leaks(text, {**customer_details, **object_ids}))
    }
    assert not found, f"a Stripe object or customer detail was sent: {found}"
    shaped = {
        where: (len(ANY_OBJECT_ID.findall(text)), len(ANY_ADDRESS.findall(text)))
        for where, text in bodies.items()
    }
    assert set(shaped.values()) == {(0, 0)}, f"an id or address was sent: {shaped}"
