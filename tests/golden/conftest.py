"""One seeded Stripe account, connected through the app and synced once for the package.

The sandbox generates the account from a fixed seed, ending now, over at least 30 days
and always back past the latest America/New_York DST change (with 2,000 charges the
thinnest spread still puts several on the day of 23 or 25 hours). A handful of disputes
are opened and closed through the sandbox's control API first, so that every dispute
status and balance-transaction category the metrics read is there. Then the restricted
key is saved on the Integrations page, the real worker syncs it, and the raw objects are
listed through the SDK for the reference (``tests.support.reference``).
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
from stripe_sandbox.testing import SandboxProcess
from tests.conftest import run_worker
from tests.support.reference import Snapshot, list_everything

SEED = "chartivo-golden-1"
CHARGES = 2000
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


@dataclass(frozen=True)
class Golden:
    snapshot: Snapshot
    connection_id: int
    user: User
    client: Client
    dst_change: datetime  # the latest New York offset change inside the data
    custom: tuple[date, date]  # the Custom range's first and last day
    history_days: int
    sync_requests: int  # Stripe API requests the first sync made


def _seed_disputes(control: Any, api_base: str, secret_key: str) -> None:
    """Opens (and closes some of) ``SEEDED_DISPUTES`` on the newest undisputed charges."""
    client = stripe.StripeClient(secret_key, base_addresses={"api": api_base})
    charges = client.v1.charges.list({"limit": 100}).auto_paging_iter()
    eligible = (
        c.id
        for c in charges
        if c.status == "succeeded" and not c.disputed and c.amount_refunded == 0
    )
    for charge_id, (status, reason, outcome) in zip(eligible, SEEDED_DISPUTES, strict=False):
        dispute = control.open_dispute(charge_id, reason=reason, status=status)
        if outcome is not None:
            control.close_dispute(dispute["id"], outcome)


def _stripe_requests(control: Any, account_id: str) -> int:
    """API requests the sandbox has answered for the account's test mode so far."""
    by_account = control.stats()["by_account"]
    return int(by_account.get(f"{account_id}:test", {}).get("requests", 0))


@pytest.fixture(scope="package")
def golden(
    sandbox: SandboxProcess, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[Golden]:
    now = datetime.now(UTC)
    change = latest_offset_change(DST_ZONE, now - timedelta(days=AROUND_CHANGE + 1))
    days = max(30, (now - change).days + AROUND_CHANGE + 2)
    account = sandbox.control.create_account(seed=SEED, charges=CHARGES, days=days)
    keys = account.keys
    _seed_disputes(sandbox.control, sandbox.api_base, keys["secret"])
    snapshot = list_everything(sandbox.api_base, keys["secret"])

    around = timedelta(days=AROUND_CHANGE)
    local_day = change.astimezone(DST_ZONE).date()
    custom = (local_day - around, local_day + around)
    # SPEC §3 lets an operator keep up to 365 days; keep the whole of the data, with a day
    # of margin for the zones ahead of UTC, whose "today" may be tomorrow already.
    history_days = days + 2
    assert history_days <= 365, "the data is older than the longest history window"
    overrides = override_settings(STRIPE_API_BASE=sandbox.api_base, HISTORY_DAYS=history_days)
    overrides.enable()
    try:
        with django_db_blocker.unblock():
            user = User.objects.create_user("golden@example.com", "a long password 1")
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            before = _stripe_requests(sandbox.control, account.id)
            saved = client.post("/integrations/stripe/", {"api_key": keys["restricted"]})
            assert saved.status_code == 302, saved.content.decode()[:500]
            run_worker()
            connection = StripeConnection.objects.get(owner=user)
            assert connection.sync_error == "", connection.sync_error
            assert connection.backfill_done_at is not None, "the first sync did not finish"
        yield Golden(
            snapshot=snapshot,
            connection_id=connection.pk,
            user=user,
            client=client,
            dst_change=change,
            custom=custom,
            history_days=history_days,
            sync_requests=_stripe_requests(sandbox.control, account.id) - before,
        )
    finally:
        overrides.disable()
        with django_db_blocker.unblock():
            # Leave the database as empty as a transactional test leaves it.
            call_command("flush", interactive=False, verbosity=0)
