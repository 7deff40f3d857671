"""Seeded Stripe accounts, connected through the app and synced once for the package.

The sandbox generates each account from a fixed seed over 30 days. The *recent* account
ends at the last Monday, 00:00 UTC: its data is the same every week, shifted by whole
weeks, so its weekdays and times of day never change. "Last 30 days" is drawn from it,
after a handful of disputes are opened and closed on it through the sandbox's control
API, so that every dispute status and balance-transaction category the metrics read is
there. The Custom range spans the latest America/New_York DST change, a day of 23 or 25
hours; when the recent account does not reach back to it, a second account ending a week
after that change is connected for it.

Each account is connected the way a user does it, by saving its restricted key on the
Integrations page, and synced by the real worker; its raw objects are listed through the
SDK for the reference (``tests.support.reference``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import stripe
from django.core.management import call_command
from django.test import Client, override_settings

from chartivo.accounts.models import User
from chartivo.integrations.stripe.models import StripeConnection
from stripe_sandbox.testing import CreatedAccount, SandboxProcess
from tests.conftest import run_worker
from tests.support.reference import Snapshot, list_everything

# Chosen so that every breakdown value of docs/metrics.md the sandbox makes (all four refund
# statuses, refund failures, won, lost and open disputes…) falls inside "Last 30 days" on
# every weekday: test_seeded_accounts checks it.
RECENT_SEED = "chartivo-golden-4"
DST_SEED = "chartivo-golden-dst"
USD_SEED = "chartivo-golden-usd"
MISTIE = 137  # minor units the mistied payout is off by
CHARGES = 2000
DAYS = 30
DST_ZONE = ZoneInfo("America/New_York")
# The Custom range: this many local days either side of the DST change's date.
AROUND_CHANGE = 5
# Disputes opened through the control API: (status when opened, reason, how it ends).
SEEDED_DISPUTES = (
    ("needs_response", "fraudulent", None),
    ("warning_needs_response", "product_not_received", None),
    ("needs_response", "subscription_canceled", "won"),
    ("needs_response", "duplicate", "lost"),
    ("warning_needs_response", "unrecognized", "won"),  # an inquiry closes warning_closed
    ("needs_response", "credit_not_processed", None),
)


def latest_offset_change(zone: ZoneInfo, before: datetime) -> datetime:
    """The last instant at or before ``before`` when ``zone``'s UTC offset changed.

    Walks back an hour at a time: New York changes on the hour (06:00 and 07:00 UTC).
    """
    t = before.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    after = t.astimezone(zone).utcoffset()
    for _ in range(24 * 400):
        earlier = t - timedelta(hours=1)
        if earlier.astimezone(zone).utcoffset() != after:
            return t
        t = earlier
    raise AssertionError(f"{zone.key} has not changed its offset in 400 days")


def utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class Synced:
    """One sandbox account as the app holds it after its first sync."""

    account: CreatedAccount
    snapshot: Snapshot
    user: User
    client: Client
    connection_id: int


@dataclass(frozen=True)
class Golden:
    recent: Synced  # drawn for "Last 30 days"
    around_change: Synced  # drawn for the Custom range (may be the same account)
    dst_change: datetime  # the New York offset change the Custom range spans
    custom: tuple[date, date]  # the Custom range's first and last local day
    history_days: int
    # Settling in USD and selling in several currencies, as most real accounts do; one of
    # its paid payouts made not to tie out (the sandbox's fault) by ``MISTIE`` cents.
    settling: Synced
    mistied: str  # that payout's id
    api_base: str  # the sandbox's

    def synced(self, range_name: str) -> Synced:
        return self.around_change if range_name == "custom" else self.recent

    @property
    def accounts(self) -> list[Synced]:
        every = (self.recent, self.around_change, self.settling)
        return list({id(s): s for s in every}.values())


def _seed_disputes(control: Any, api_base: str, secret_key: str) -> None:
    """Opens (and closes some of) ``SEEDED_DISPUTES`` on the newest undisputed charges."""
    client = stripe.StripeClient(secret_key, base_addresses={"api": api_base})
    charges = client.v1.charges.list({"limit": 100}).auto_paging_iter()
    eligible = (
        c.id for c in charges if c.status == "succeeded" and not c.disputed and not c.refunded
    )
    for charge_id, (status, reason, outcome) in zip(eligible, SEEDED_DISPUTES, strict=False):
        dispute = control.open_dispute(charge_id, reason=reason, status=status)
        if outcome is not None:
            control.close_dispute(dispute["id"], outcome)


def _mistie_a_payout(sandbox: SandboxProcess, account: CreatedAccount, since: datetime) -> str:
    """Makes a paid payout well inside the window not tie out; returns its id."""
    client = stripe.StripeClient(account.keys["secret"], base_addresses={"api": sandbox.api_base})
    paid = [
        p
        for p in client.v1.payouts.list({"limit": 100, "status": "paid"}).auto_paging_iter()
        if p.arrival_date >= since.timestamp()
    ]
    payout = paid[len(paid) // 2]
    sandbox.control.mistie_payout(payout.id, MISTIE)
    return str(payout.id)


def _arrived_by(snapshot: Snapshot, moment: float) -> Snapshot:
    """``snapshot`` without the payouts due to arrive after ``moment``.

    The sandbox's world stands still where it was made: a payout on its way stays
    in transit after its arrival date has passed, and sends none of the events
    (``payout.paid``) that make the app read it when it arrives. The app's sync reads the
    payouts that have arrived; one due later is not in its figures, and the reference
    must not count it when a run goes past its arrival (past midnight UTC)."""
    objects = dict(snapshot.objects)
    objects["payouts"] = [p for p in objects["payouts"] if p["arrival_date"] <= moment]
    return Snapshot(objects)


def _connect_and_sync(sandbox: SandboxProcess, account: CreatedAccount, email: str) -> Synced:
    """Saves the account's restricted key as a new user does, then runs the worker dry."""
    listed_at = datetime.now(UTC).timestamp()
    snapshot = _arrived_by(list_everything(sandbox.api_base, account.keys["secret"]), listed_at)
    user = User.objects.create_user(email, "a long password 1")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    saved = client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})
    assert saved.status_code == 302, saved.content.decode()[:500]
    run_worker()
    connection = StripeConnection.objects.get(owner=user)
    assert connection.sync_error == "", connection.sync_error
    assert connection.backfill_done_at is not None, "the first sync did not finish"
    return Synced(account, snapshot, user, client, connection.pk)


@pytest.fixture(scope="package")
def golden(
    sandbox: SandboxProcess, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[Golden]:
    now = datetime.now(UTC)
    today = now.date()
    monday = utc_midnight(today - timedelta(days=today.weekday()))
    recent = sandbox.control.create_account(
        seed=RECENT_SEED, charges=CHARGES, days=DAYS, end=int(monday.timestamp())
    )
    _seed_disputes(sandbox.control, sandbox.api_base, recent.keys["secret"])

    # The change must have a week of data after it, so it is at least that old.
    change = latest_offset_change(DST_ZONE, now - timedelta(days=AROUND_CHANGE + 2))
    change_day = change.astimezone(DST_ZONE).date()
    custom = (
        change_day - timedelta(days=AROUND_CHANGE),
        change_day + timedelta(days=AROUND_CHANGE),
    )
    # Both ends a whole day inside the recent data in every zone, or a second account.
    inside = (
        monday - timedelta(days=DAYS - 1) <= utc_midnight(custom[0])
        and utc_midnight(custom[1]) + timedelta(days=2) <= monday
    )
    around_change = None
    if not inside:
        around_change = sandbox.control.create_account(
            seed=DST_SEED,
            charges=CHARGES,
            days=DAYS,
            end=int(utc_midnight(custom[1] + timedelta(days=2)).timestamp()),
        )
    settling = sandbox.control.create_account(
        seed=USD_SEED,
        charges=CHARGES,
        days=DAYS,
        end=int(monday.timestamp()),
        settlement_currencies=["usd"],
    )
    mistied = _mistie_a_payout(sandbox, settling, since=monday - timedelta(days=DAYS - 2))
    oldest = min(utc_midnight(custom[0]), monday - timedelta(days=DAYS))
    # An operator may keep up to 365 days (CHARTIVO_HISTORY_DAYS): keep all of the data,
    # with a day of margin for the zones ahead of UTC, whose "today" may be tomorrow already.
    history_days = max(30, (today - oldest.date()).days + 2)
    assert history_days <= 365, "the DST change is older than the longest history window"

    overrides = override_settings(STRIPE_API_BASE=sandbox.api_base, HISTORY_DAYS=history_days)
    overrides.enable()
    try:
        with django_db_blocker.unblock():
            synced = _connect_and_sync(sandbox, recent, "recent@example.com")
            synced_around = (
                synced
                if around_change is None
                else _connect_and_sync(sandbox, around_change, "around-change@example.com")
            )
            synced_usd = _connect_and_sync(sandbox, settling, "settling@example.com")
        yield Golden(
            synced,
            synced_around,
            change,
            custom,
            history_days,
            synced_usd,
            mistied,
            sandbox.api_base,
        )
    finally:
        overrides.disable()
        with django_db_blocker.unblock():
            # Leave the database as empty as a transactional test leaves it.
            call_command("flush", interactive=False, verbosity=0)
