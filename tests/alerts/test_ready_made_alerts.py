"""Ready-made rules against the sandbox: the dispute rate approaching Visa's programme fires
when disputes are opened through the control API, and a day without a successful charge
fires, then recovers at the first charge. Expected figures come from the sandbox's own
objects."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from chartivo.alerts.evaluate import evaluate_connection
from chartivo.alerts.models import FIRED, RECOVERED, AlertEvent, AlertRule
from tests.alerts.delivery_rows import run_alert_queue
from tests.alerts.rules_support import (
    assert_private,
    charge,
    connected,
    everything,
    next_quarter,
    refresh,
    sdk,
    snapshot,
    window_of,
)
from tests.browser.headline_reference import figures, percent_text, rate
from tests.support.mail import SENDER, SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)
VISA_WARNING = 0.0075  # the ready-made rule warns at 0.75%, before Visa's 0.9%


def _add_ready_made(client: Client, key: str) -> AlertRule:
    response = client.post("/alerts/ready-made/", {"preset": key})
    assert response.status_code == 302
    return AlertRule.objects.get(preset=key)


def test_the_visa_dispute_rule_fires_when_disputes_are_opened(
    owner: Any, owner_client: Client, stripe_api: Any, mail: SmtpServer
) -> None:
    account, connection = connected(owner, stripe_api, seed="alert-disputes-4", charges=600)
    rule = _add_ready_made(owner_client, "visa_disputes")
    assert (rule.metric, rule.window, rule.connection_id) == ("dispute_rate", "month", None)
    refresh(connection)
    rule.refresh_from_db()
    cut = rule.evaluated_cut
    assert cut is not None
    last_30_days = (
        datetime.fromtimestamp(cut - 30 * 86_400, UTC),
        datetime.fromtimestamp(cut, UTC),
    )
    before = figures(snapshot(stripe_api, account), last_30_days)
    dispute_rate = rate("Dispute rate", before)
    assert dispute_rate is not None and dispute_rate <= VISA_WARNING  # this seed starts calm
    assert (rule.last_status, rule.breached) == ("ok", False)
    assert rule.last_value == percent_text(dispute_rate)

    # Customers dispute charges the account made this month, as Stripe reports it.
    needed = math.floor(VISA_WARNING * before.succeeded) - before.disputes + 2
    disputed = {d["charge"] for d in snapshot(stripe_api, account)["disputes"]}
    recent = time.time() - 20 * 86_400
    targets = [
        c["id"]
        for c in snapshot(stripe_api, account)["charges"]
        if c["status"] == "succeeded"
        and c["id"] not in disputed
        and c["created"] > recent
        and not c["refunded"]
    ][:needed]
    assert len(targets) == needed
    for charge_id in targets:
        stripe_api.control.open_dispute(charge_id)
    refresh(connection)
    (fired,) = evaluate_connection(connection.pk, now=next_quarter())
    snap = snapshot(stripe_api, account)
    after = rate("Dispute rate", figures(snap, window_of(fired)))
    assert after is not None and after > VISA_WARNING
    assert (fired.kind, fired.value) == (FIRED, percent_text(after))
    assert fired.expected == "0.75% or less"
    run_alert_queue()
    (message,) = mail.to(owner.email)
    assert message["Subject"] == (
        f"[Sandbox] Alert: Dispute rate approaching Visa's 0.9% ({fired.value})"
    )
    assert "0.75% or less" in message.text
    sender = SENDER.split("<")[1].rstrip(">")
    assert_private(everything(message), keys=account.keys, snap=snap, allowed={owner.email, sender})


def test_a_day_without_a_successful_charge_fires_and_recovers_at_the_next_charge(
    owner: Any, owner_client: Client, stripe_api: Any, mail: SmtpServer
) -> None:
    # The account's data stops two days ago: the last 24 hours have no charge at all.
    two_days_ago = int((datetime.now(UTC) - timedelta(days=2)).timestamp())
    account, connection = connected(
        owner, stripe_api, seed="alert-quiet-day", charges=120, end=two_days_ago
    )
    rule = _add_ready_made(owner_client, "no_successful_charge")
    refresh(connection)
    (fired,) = AlertEvent.objects.filter(rule=rule)
    assert figures(snapshot(stripe_api, account), window_of(fired)).succeeded == 0
    assert (fired.kind, fired.value, fired.expected) == (FIRED, "0", "1 or more")

    charge(sdk(stripe_api, account))
    refresh(connection)
    assert AlertEvent.objects.filter(rule=rule).count() == 1
    (recovered,) = evaluate_connection(connection.pk, now=next_quarter())
    assert figures(snapshot(stripe_api, account), window_of(recovered)).succeeded == 1
    assert (recovered.kind, recovered.value) == (RECOVERED, "1")
    run_alert_queue()
    subjects = [m["Subject"] for m in mail.to(owner.email)]
    assert subjects == [
        "[Sandbox] Alert: A day with no successful charge (0)",
        "[Sandbox] Recovered: A day with no successful charge (1)",
    ]
