"""Faults while syncing: each leaves what was synced intact, tells the user what
is going on in words they can act on, and heals by itself once the fault ends.

The sandbox injects the faults (429s, 500s, timeouts, dropped connections, a revoked key,
a removed permission); nothing here is mocked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from chartivo.accounts.models import User
from chartivo.integrations.stripe.client import REVOKED
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import ResourceState
from chartivo.integrations.stripe.sync.engine import run_sync
from tests.conftest import run_worker
from tests.faults.conftest import aggregates, refresh, synced

pytestmark = pytest.mark.django_db(transaction=True)
UNREACHABLE = "Chartivo could not reach Stripe. It will try again by itself."


def _card(connection: Any) -> str:
    client = Client()
    client.force_login(connection.owner, backend="django.contrib.auth.backends.ModelBackend")
    return re.sub(r"\s+", " ", client.get("/integrations/").content.decode())


def _requests(faulty: Any, account_id: str, status: int | None = None) -> int:
    rows = faulty.control.stats()["rows"]
    return sum(
        r["count"]
        for r in rows
        if r["account"] == account_id and (status is None or r["status"] == status)
    )


def test_rate_limits_below_the_budget_are_waited_out(faulty: Any, settings: Any) -> None:
    account = faulty.control.create_account(seed="faults-429", charges=300)
    reference = aggregates(synced("reference@example.com", account.keys["restricted"]))
    # Stripe allows less than Chartivo's budget: some requests get 429 and are retried later.
    settings.STRIPE_BUDGET = "25"
    faulty.control.set_rate_limits(account=account.id, test=4, endpoint=3)
    faulty.control.reset_stats()
    connection = synced("owner@example.com", account.keys["restricted"])
    assert _requests(faulty, account.id, 429) > 0
    assert connection.sync_error == "" and connection.backfill_done_at is not None
    assert aggregates(connection) == reference


# With 3 in 10 requests failing, a call fails all of 1 + 5 tries (the default) once in
# 1,400, which this sync of some 130 calls meets one run in eleven; with 1 + 8 tries, once
# in 50,000 (one run in 400). The waits (0.5 s … 8 s, 40 s in all) stay within a slice.
@pytest.mark.parametrize(
    ("fault", "retries"),
    [({"error_rate": 0.3}, 8), ({"drop_rate": 0.3}, 8)],
    ids=["some-500s", "some-dropped-connections"],
)
def test_intermittent_errors_are_retried_and_lose_nothing(
    faulty: Any, settings: Any, fault: dict[str, float], retries: int
) -> None:
    account = faulty.control.create_account(seed="faults-flaky", charges=300)
    reference = aggregates(synced("reference@example.com", account.keys["restricted"]))
    settings.STRIPE_RETRIES = retries
    # The key is saved while Stripe is well (a Save during an outage is refused, and the
    # user saves again); the errors start with the first sync.
    user = User.objects.create_user("owner@example.com", "a long password 1")
    connection = connect(user, account.keys["restricted"])
    faulty.control.set_faults(account=account.id, **fault)
    run_worker()
    connection.refresh_from_db()
    assert connection.sync_error == "" and connection.backfill_done_at is not None
    assert aggregates(connection) == reference


@pytest.mark.parametrize(
    "fault",
    [{"error_rate": 1.0}, {"drop_rate": 1.0}, {"latency": "2500"}],
    ids=["stripe-down-500", "connections-dropped", "timeouts"],
)
def test_an_outage_keeps_the_data_says_so_and_heals_by_itself(
    faulty: Any, settings: Any, fault: dict[str, Any]
) -> None:
    account = faulty.control.create_account(seed="faults-outage", charges=200)
    connection = synced("owner@example.com", account.keys["restricted"])
    before = aggregates(connection)
    assert before and connection.sync_error == ""
    settings.STRIPE_RETRIES = 0
    settings.STRIPE_TIMEOUT_SECONDS = 1
    faulty.control.set_faults(account=account.id, **fault)

    connection = refresh(connection)
    assert aggregates(connection) == before
    assert connection.sync_error.startswith(
        (
            "Chartivo could not reach Stripe",
            "Stripe answered with an error",
            "Stripe did not answer in time",
        )
    )
    assert connection.sync_error in _card(connection)

    faulty.control.clear_faults(account=account.id)
    connection = refresh(connection)
    assert connection.sync_error == ""
    assert aggregates(connection) == before
    assert "Synced" in _card(connection)


def test_a_key_revoked_mid_sync_keeps_the_data_says_so_and_heals_when_restored(
    faulty: Any, settings: Any
) -> None:
    account = faulty.control.create_account(seed="faults-revoked", charges=400)
    reference = aggregates(synced("reference@example.com", account.keys["restricted"]))
    key = account.keys["restricted"]
    # A first sync cut short: its first slice ends before everything is read.
    settings.STRIPE_BUDGET = "4"
    user = User.objects.create_user("owner@example.com", "a long password 1")
    connection = connect(user, key)
    run_sync(connection.pk, slice_seconds=1)
    connection.refresh_from_db()
    partial = aggregates(connection)
    assert partial and connection.backfill_done_at is None

    faulty.control.revoke_key(key)
    connection = refresh(connection)
    assert connection.sync_error == REVOKED
    assert REVOKED in _card(connection)
    assert aggregates(connection) == partial  # what was synced stays

    faulty.control.revoke_key(key, revoked=False)
    settings.STRIPE_BUDGET = "50%"
    connection = refresh(connection)
    assert connection.sync_error == "" and connection.backfill_done_at is not None
    assert aggregates(connection) == reference


def test_a_permission_removed_affects_only_its_metric_and_comes_back(
    faulty: Any, owner_client: Client, settings: Any
) -> None:
    # No event tells of a permission removed: the refreshes that read every resource's
    # newest objects (hourly by default) do. Here every refresh is one of them.
    settings.SYNC_TAIL_SECONDS = 0
    account = faulty.control.create_account(seed="faults-permission", charges=300)
    connection = synced("someone@example.com", account.keys["restricted"])
    before = aggregates(connection)
    everything = [
        p
        for k in faulty.control.keys(account.id)
        if k["key"] == account.keys["restricted"]
        for p in k["permissions"]
    ]
    faulty.control.set_permissions(
        account.keys["restricted"], [p for p in everything if "dispute" not in p]
    )
    connection = refresh(connection)
    disputes = ResourceState.objects.get(connection=connection, resource="disputes")
    assert not disputes.readable and disputes.message == "needs Read on Disputes"
    assert connection.sync_error == "" and connection.last_synced_at is not None
    assert aggregates(connection) == before
    assert "Disputes: needs Read on Disputes" in _card(connection)

    faulty.control.set_permissions(account.keys["restricted"], everything)
    connection = refresh(connection)
    assert ResourceState.objects.get(connection=connection, resource="disputes").readable
    assert "Disputes: needs Read on Disputes" not in _card(connection)
