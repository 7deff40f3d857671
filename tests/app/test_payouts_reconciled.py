"""Payouts, synced and reconciled: an account settling in USD and selling in several
currencies, one of whose paid payouts the sandbox makes not tie out (its control API's
fault). After the first sync the Integrations card and the Reconciliation page say how many
paid payouts tie out to the cent and name the one that does not, with its difference; a
refresh after another payout is paid checks that payout alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync import reconcile, scheduler
from chartivo.metrics.models import PayoutCheck
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
DAY = 86_400
DIFFERENCE = 137  # minor units: $1.37


def _payouts(api_base: str, secret: str) -> list[Any]:
    client = stripe.StripeClient(secret, base_addresses={"api": api_base})
    return list(client.v1.payouts.list({"limit": 100}).auto_paging_iter())


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_paid_payouts_are_reconciled_and_the_one_that_does_not_tie_out_is_named(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    account = stripe_api.control.create_account(
        seed="payouts-reconciled", charges=600, days=30, settlement_currencies=["usd"]
    )
    payouts = _payouts(stripe_api.api_base, account.keys["secret"])
    now = int(datetime.now(UTC).timestamp())
    in_window = [p for p in payouts if p.arrival_date >= now - 30 * DAY]
    paid = [p for p in in_window if p.status == "paid"]
    assert len(paid) >= 10
    broken = paid[len(paid) // 2]
    stripe_api.control.mistie_payout(broken.id, DIFFERENCE)

    response = owner_client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})
    assert response.status_code == 302
    run_worker()
    connection = StripeConnection.objects.get()
    assert connection.backfill_done_at is not None and connection.sync_error == ""

    checks = list(PayoutCheck.objects.filter(connection=connection))
    assert len(checks) == len(paid)
    (mismatch,) = [c for c in checks if not c.ties_out]
    assert (mismatch.created, mismatch.arrival) == (broken.created, broken.arrival_date)
    assert mismatch.difference == DIFFERENCE

    card = _text(owner_client.get("/integrations/").content)
    assert f"Payouts reconciled: {len(paid) - 1} of {len(paid)} to the cent" in card
    page = _text(owner_client.get("/reconciliation/").content)
    assert f"Payouts reconciled: {len(paid) - 1} of {len(paid)} to the cent" in page
    arrival = datetime.fromtimestamp(broken.arrival_date, UTC)
    assert f"{arrival:%b} {arrival.day}, {arrival.year}" in page
    assert "$1.37" in page

    # A payout in transit is paid: the next refresh checks it, and only it — one list of
    # the payouts and one of the transactions it paid out, besides the refresh's own.
    waiting = [p for p in payouts if p.status in ("in_transit", "pending")]
    assert waiting, "the sandbox keeps the last payouts in transit"
    stripe_api.control.pay_payout(waiting[-1].id)
    StripeConnection.objects.update(next_run_at=timezone.now())
    stripe_api.control.reset_stats()
    assert scheduler.tick() == 1
    run_worker()
    rows = [r for r in stripe_api.control.stats()["rows"] if r["account"] == account.id]
    by_endpoint: dict[str, int] = {}
    for row in rows:
        by_endpoint[row["endpoint"]] = by_endpoint.get(row["endpoint"], 0) + row["count"]
    assert PayoutCheck.objects.filter(connection=connection).count() == len(paid) + 1
    assert by_endpoint.get("GET /v1/payouts", 0) >= 1, by_endpoint  # the payouts re-read
    assert by_endpoint.get("GET /v1/balance_transactions", 0) <= 2, by_endpoint
    assert sum(by_endpoint.values()) <= 8, by_endpoint


def test_a_key_without_read_on_payouts_is_told_which_permission_to_add(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    account = stripe_api.control.create_account(
        seed="payouts-forbidden", charges=100, days=30, settlement_currencies=["usd"]
    )
    everything_but_payouts = [
        "rak_charge_read",
        "rak_customer_read",
        "rak_dispute_read",
        "rak_balance_transaction_source_read",
        "rak_event_read",
    ]
    key = stripe_api.control.create_key(
        "no payouts", account=account.id, permissions=everything_but_payouts
    )["key"]
    response = owner_client.post("/integrations/stripe/", {"api_key": key}, follow=True)
    page = _text(response.content)
    assert "Payouts (needs Read on Payouts)" in page  # the banner after Save
    run_worker()
    card = _text(owner_client.get("/integrations/").content)
    assert "Payouts: needs Read on Payouts" in card
    assert StripeConnection.objects.get().sync_error == ""
    assert not PayoutCheck.objects.exists()
    assert "Payouts reconciled" not in card


def test_a_first_sync_reconciles_a_round_of_payouts_and_leaves_the_rest_behind_refreshes(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    """A month of daily payouts is a read per payout: the run on the refresh queue checks
    one round of them, its figures are ready at once, and the others are checked on the
    backfill queue, which workers take only when no refresh is waiting."""
    account = stripe_api.control.create_account(
        seed="payouts-in-rounds", charges=300, days=30, settlement_currencies=["usd"]
    )
    now = int(datetime.now(UTC).timestamp())
    paid = [
        p
        for p in _payouts(stripe_api.api_base, account.keys["secret"])
        if p.status == "paid" and p.arrival_date >= now - 30 * DAY
    ]
    assert len(paid) > reconcile.ON_REFRESH
    owner_client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})

    _run_queue("refresh")
    connection = StripeConnection.objects.get()
    assert connection.backfill_done_at is not None  # the figures are all there
    assert PayoutCheck.objects.count() == reconcile.ON_REFRESH
    assert DBTaskResult.objects.filter(queue_name="backfill", status="READY").count() == 1
    card = _text(owner_client.get("/integrations/").content)
    left = len(paid) - reconcile.ON_REFRESH
    assert f"Payouts reconciled: {reconcile.ON_REFRESH} of {len(paid)} to the cent" in card
    assert f"({left} still being checked)" in card

    _run_queue("backfill")
    assert PayoutCheck.objects.count() == len(paid)
    card = _text(owner_client.get("/integrations/").content)
    assert f"Payouts reconciled: {len(paid)} of {len(paid)} to the cent" in card


def _run_queue(name: str) -> None:
    call_command(
        "db_worker", queue_name=name, batch=True, no_startup_delay=True, interval=0,
        reload=False, verbosity=0,
    )  # fmt: skip
