"""What the evaluation tests share: a synced sandbox account, refreshes run the way
production runs them, the sandbox's own objects to compute figures from, and what must
never leave in a message.

Objects made through the sandbox's write API are created *now*, in the 15 minutes still in
progress, which a rule does not read (its window ends where the figures are complete). So
after such a change, a test evaluates as the first refresh after the quarter-hour closes
does: ``evaluate_connection(…, now=next_quarter())``, the very function a refresh calls.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe
from django.utils import timezone

from chartivo.alerts.models import AlertEvent, AlertRule
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync import scheduler
from chartivo.orgs.access import home_organisation
from tests.conftest import run_worker
from tests.support.privacy import personal
from tests.support.reference import Snapshot, list_everything

OBJECT_ID = re.compile(
    r"\b(?:ch|cus|re|dp|du|txn|evt|po|py|pi|pm|card|src|acct|ba|tok)_[A-Za-z0-9]{6,}"
)
ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def connected(owner: Any, stripe_api: Any, **account: Any) -> tuple[Any, StripeConnection]:
    """A fresh sandbox account (``create_account``'s arguments), connected by ``owner`` with
    its restricted key and synced."""
    created = stripe_api.control.create_account(**account)
    connection = connect(owner, created.keys["restricted"])
    run_worker()
    connection.refresh_from_db()
    assert connection.backfill_done_at is not None
    return created, connection


def refresh(connection: StripeConnection) -> None:
    """A refresh the way production runs one: due, queued by the scheduler, run by a worker
    (whose sync hook evaluates the rules)."""
    StripeConnection.objects.filter(pk=connection.pk).update(next_run_at=timezone.now())
    assert scheduler.tick() >= 1
    run_worker()


def next_quarter() -> datetime:
    """A second into the next 15 minutes: everything made until now is complete then."""
    now = int(timezone.now().timestamp())
    return datetime.fromtimestamp(now - now % 900 + 900 + 1, UTC)


def sdk(stripe_api: Any, account: Any) -> stripe.StripeClient:
    # A checkout burst faster than Stripe's test-mode limit: this account (and only it,
    # made for the test) is not rate limited.
    stripe_api.control.set_rate_limits(test=0, endpoint=0, account=account.id)
    return stripe.StripeClient(account.keys["secret"], base_addresses={"api": stripe_api.api_base})


def charge(client: stripe.StripeClient, *, declined: bool = False) -> None:
    """One charge through the sandbox's Stripe API, as a checkout makes it."""
    token = "tok_chargeDeclined" if declined else "tok_visa"
    try:
        client.v1.charges.create({"amount": 2500, "currency": "usd", "source": token})
    except stripe.CardError:
        assert declined  # Stripe records the declined charge and answers 402


def snapshot(stripe_api: Any, account: Any) -> Snapshot:
    return list_everything(stripe_api.api_base, account.keys["secret"])


def window_of(event: AlertEvent) -> tuple[datetime, datetime]:
    return (
        datetime.fromtimestamp(event.window_start, UTC),
        datetime.fromtimestamp(event.window_end, UTC),
    )


def make_rule(owner: Any, **fields: Any) -> AlertRule:
    """A rule of ``owner``'s organisation on all its accounts; ``fields`` override."""
    values: dict[str, Any] = {
        "organisation": home_organisation(owner).organisation,
        "name": "Watch",
        "time_zone": "Europe/Paris",
        "notify_email": True,
        "created_by": owner,
        **fields,
    }
    if isinstance(values.get("threshold"), str | int | float):
        values["threshold"] = Decimal(str(values["threshold"]))
    return AlertRule.objects.create(**values)


def assert_private(text: str, *, keys: dict[str, str], snap: Snapshot, allowed: set[str]) -> None:
    """No key, no object id, nothing of a customer, no address but ``allowed``."""
    for name, key in keys.items():
        assert key not in text, f"the {name} key is in a message"
        assert key[-12:] not in text, f"a part of the {name} key is in a message"
    assert OBJECT_ID.findall(text) == []
    leaked = [item for item in personal(snap) if item in text]
    assert leaked == [], "a customer's or an object's detail is in a message"
    assert set(ADDRESS.findall(text)) <= allowed


def everything(received: Any) -> str:
    """A message as its reader gets it: every header but the Message-ID (it names the
    sending host), and every part decoded."""
    message = received.message
    lines = [f"{k}: {v}" for k, v in message.items() if k.lower() != "message-id"]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            lines.append(str(part.get_content()))
    return "\n".join(lines)
