"""Rules and events for the delivery tests, written through the models: how a rule comes to
fire is the evaluation's business (its own tests); here an event is test data."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.core.management import call_command

from chartivo.alerts.models import ABOVE, DAY, FIRED, SIGNED, SLACK, AlertEvent, AlertRule
from chartivo.alerts.signing import new_secret, seal_secret
from chartivo.orgs.access import home_organisation

DAY_SECONDS = 86_400


def webhook_rule(
    owner: Any, url: str, *, signed: bool = False, name: str = "Refund rate watch"
) -> tuple[AlertRule, str]:
    """A rule of ``owner``'s organisation that tells a webhook only; with its signing
    secret when ``signed`` ("" otherwise)."""
    rule = AlertRule.objects.create(
        organisation=home_organisation(owner).organisation,
        name=name,
        metric="refund_rate",
        condition=ABOVE,
        threshold=Decimal("1.5"),
        window=DAY,
        time_zone="Europe/Paris",
        notify_email=False,
        webhook_url=url,
        webhook_format=SIGNED if signed else SLACK,
        created_by=owner,
    )
    secret = ""
    if signed:
        secret = new_secret()
        rule.webhook_secret_sealed = seal_secret(rule, secret)
        rule.save(update_fields=["webhook_secret_sealed"])
    return rule, secret


def event_of(rule: AlertRule, *, kind: str = FIRED, value: str = "2.40%") -> AlertEvent:
    """An event over the last whole day up to the last 15 minutes, as the evaluation writes."""
    end = int(time.time()) // 900 * 900
    return AlertEvent.objects.create(
        rule=rule,
        kind=kind,
        window_start=end - DAY_SECONDS,
        window_end=end,
        value=value,
        expected="at most 1.50%",
        summary=f"Refund rate is {value} over the last 24 hours, above 1.50%",
    )


def run_alert_queue() -> None:
    """Runs the queued alert tasks in this process, as a worker would."""
    call_command(
        "db_worker",
        queue_name="alerts",
        batch=True,
        no_startup_delay=True,
        interval=0,
        reload=False,
        verbosity=0,
    )
