"""Changes to a Stripe account after the first sync reach the charts at the next refresh:
a refund of an old charge, a dispute opened then lost, a pending charge that
succeeds. Each is made through the official SDK or the sandbox's control API (the way
Stripe itself would change the account), then the refresh runs the way production runs
it: the scheduler finds the connection due and the worker syncs it. The charts' CSV must
move by exactly those amounts, and the refresh must cost a handful of requests."""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
import stripe
from django.test import Client
from django.utils import timezone

from chartivo.charts.models import Chart
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync import scheduler
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
DAY = 86_400


def _csv_totals(
    client: Client, chart: Chart, view: str = ""
) -> dict[tuple[str, str, str], Decimal]:
    """(period start, currency, series) -> value, from the chart's Download CSV (in the
    currency ``view`` given, else the one the account opens in)."""
    response = client.get(f"/charts/{chart.pk}/export.csv", {"view": view} if view else {})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(cast(Any, response).streaming_content).decode())))
    assert rows[0] == ["period_start", "currency", "series", "value"]
    return {(r[0], r[1], r[2]): Decimal(r[3]) for r in rows[1:]}


def _by_series(values: dict[tuple[str, str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (_, currency, series), value in values.items():
        out[(currency, series)] += value
    return out


def _refresh(stripe_api: Any, account_id: str) -> int:
    """Makes the connection due, lets the scheduler queue it and the worker run it;
    returns the number of Stripe requests the refresh made."""
    StripeConnection.objects.update(next_run_at=timezone.now())
    stripe_api.control.reset_stats()
    assert scheduler.tick() == 1
    run_worker()
    stats = stripe_api.control.stats()
    return sum(v["requests"] for k, v in stats["by_account"].items() if k.startswith(account_id))


def _major(amount: int, currency: str) -> Decimal:
    exponent = {"jpy": 0, "kwd": 3}.get(currency, 2)
    return Decimal(amount).scaleb(-exponent)


@pytest.mark.parametrize(
    ("key_name", "max_requests"),
    # With Events, a refresh reads each resource's tail, the events, and one range per
    # changed bucket. Without, it re-reads the buckets still holding unsettled objects
    # (pending charges and refunds, open disputes): more requests, same figures.
    [("restricted", 6 + 4), ("restricted_no_events", 6 + 30)],
)
def test_refunds_disputes_and_settled_charges_reach_the_charts_at_the_next_refresh(
    owner: Any, owner_client: Client, stripe_api: Any, key_name: str, max_requests: int
) -> None:
    # Enough charges that some are still pending (about 1%), from a fixed seed.
    account = stripe_api.control.create_account(seed=f"changes-{key_name}", charges=800)
    response = owner_client.post("/integrations/stripe/", {"api_key": account.keys[key_name]})
    assert response.status_code == 302
    run_worker()
    connection = StripeConnection.objects.get()
    assert connection.backfill_done_at is not None

    charts = {
        name: Chart.objects.create(
            owner=owner,
            name=name,
            metric=metric,
            measure=measure,
            breakdown=breakdown,
            granularity="day",
        )
        for name, metric, measure, breakdown in [
            ("refunds", "refunds", "amount", ""),
            ("disputes", "disputes", "count", "status"),
            ("charges", "charges", "amount", ""),
            ("charge-status", "charges", "count", "status"),
        ]
    }
    before = {name: _csv_totals(owner_client, chart) for name, chart in charts.items()}

    # Nothing changed yet: a refresh reads the tail of each resource and the events.
    quiet = _refresh(stripe_api, account.id)
    assert quiet <= max_requests - 4, f"a refresh with nothing new made {quiet} requests"
    assert {n: _csv_totals(owner_client, c) for n, c in charts.items()} == before

    sdk = stripe.StripeClient(account.keys["secret"], base_addresses={"api": stripe_api.api_base})
    charges = list(sdk.v1.charges.list({"limit": 100}).auto_paging_iter())
    now = time.time()
    old = next(
        c
        for c in charges
        if c.status == "succeeded"
        and not c.refunded
        and not c.disputed
        and now - 25 * DAY < c.created < now - 18 * DAY
    )
    refund = sdk.v1.refunds.create({"charge": old.id, "amount": old.amount // 2 or 1})
    disputed = next(
        c
        for c in charges
        if c.status == "succeeded" and not c.disputed and c.id != old.id and not c.refunded
    )
    dispute = stripe_api.control.open_dispute(disputed.id, reason="fraudulent")
    stripe_api.control.close_dispute(dispute["id"], "lost")
    pending = next(c for c in charges if c.status == "pending" and c.created < now - 2 * DAY)
    stripe_api.control.succeed_charge(pending.id)

    requests = _refresh(stripe_api, account.id)
    after = {name: _csv_totals(owner_client, chart) for name, chart in charts.items()}

    # The refund: a new refund today, in the charge's currency, of exactly its amount.
    refunds_delta = _by_series(after["refunds"])
    for key, value in _by_series(before["refunds"]).items():
        refunds_delta[key] -= value
    currency = refund.currency.upper()
    assert {k: v for k, v in refunds_delta.items() if v} == {
        (currency, "Refunds amount"): _major(refund.amount, refund.currency)
    }
    # The dispute: one more dispute, and it is lost.
    disputes_delta = _by_series(after["disputes"])
    for key, value in _by_series(before["disputes"]).items():
        disputes_delta[key] -= value
    assert {k: v for k, v in disputes_delta.items() if v} == {
        (disputed.currency.upper(), "Lost"): Decimal(1)
    }
    # The pending charge: counted as succeeded, on the day it was created.
    day = datetime.fromtimestamp(pending.created, UTC).strftime("%Y-%m-%d")
    cur = pending.currency.upper()
    amount_key = next(k for k in after["charges"] if k[0].startswith(day) and k[1] == cur)
    assert after["charges"][amount_key] - before["charges"].get(amount_key, Decimal(0)) == _major(
        pending.amount, pending.currency
    )
    status_changes = {
        k[2]: after["charge-status"].get(k, Decimal(0)) - before["charge-status"].get(k, Decimal(0))
        for k in set(after["charge-status"]) | set(before["charge-status"])
        if k[0].startswith(day) and k[1] == cur
    }
    assert {s: d for s, d in status_changes.items() if d} == {"Pending": -1, "Succeeded": 1}

    # Cost: the tails, the events, and one re-read per changed bucket — not the month.
    print(f"{key_name}: a refresh after 3 changes made {requests} Stripe requests (quiet: {quiet})")
    assert requests <= max_requests, f"the refresh made {requests} requests"


def test_a_refund_of_a_charge_in_another_currency_reaches_both_views_at_the_next_refresh(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    """An account settling in USD refunds a charge made in another currency: by currency
    charged the refund counts in that currency, and in the settlement view in USD at the
    rate of the refund's own day, as Stripe converted it — both at the next refresh, which
    reads what changed and not the month."""
    account = stripe_api.control.create_account(
        seed="converted refund", charges=300, days=20, settlement_currencies=["usd"]
    )
    owner_client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})
    run_worker()
    chart = Chart.objects.create(
        owner=owner, name="Refunds", metric="refunds", measure="amount", granularity="day"
    )
    before = {view: _by_series(_csv_totals(owner_client, chart, view)) for view in VIEWS}

    sdk = stripe.StripeClient(account.keys["secret"], base_addresses={"api": stripe_api.api_base})
    charge = next(
        c
        for c in sdk.v1.charges.list({"limit": 100}).auto_paging_iter()
        if c.currency != "usd" and c.status == "succeeded" and c.captured and not c.refunded
    )
    refund = sdk.v1.refunds.create({"charge": charge.id, "amount": charge.amount // 2 or 1})
    moved = sdk.v1.balance_transactions.retrieve(str(refund.balance_transaction))
    assert moved.currency == "usd" and moved.exchange_rate  # converted by Stripe
    requests = _refresh(stripe_api, account.id)

    after = {view: _by_series(_csv_totals(owner_client, chart, view)) for view in VIEWS}
    delta = {
        view: {k: v - before[view].get(k, Decimal(0)) for k, v in after[view].items()}
        for view in VIEWS
    }
    assert {k: v for k, v in delta["charged"].items() if v} == {
        (charge.currency.upper(), "Refunds amount"): _major(refund.amount, refund.currency)
    }
    assert {k: v for k, v in delta["settlement"].items() if v} == {
        ("USD", "Refunds amount"): _major(-moved.amount, "usd")
    }
    assert requests <= 10, f"the refresh made {requests} requests"


VIEWS = ("charged", "settlement")
