"""The golden tests are only as strong as their data: this checks the data is all there.

A golden comparison of a breakdown whose values never occur, or of a DST day without a
single object, would pass without proving anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.reference import Snapshot, last_days_range

from .conftest import DST_ZONE, Golden

# One worker builds the golden accounts once and runs every test that reads them.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("golden")]

STRIPE_CURRENCIES = {"usd", "eur", "gbp", "jpy", "kwd", "cad"}  # two, zero and three decimals


def _since(snapshot: Snapshot, source: str, start: datetime) -> list[dict[str, Any]]:
    return [obj for obj in snapshot[source] if obj["created"] >= start.timestamp()]


def test_last_30_days_holds_every_breakdown_value_in_every_currency(golden: Golden) -> None:
    utc_start, _ = last_days_range(30, ZoneInfo("UTC"), datetime.now(UTC))
    start = utc_start + timedelta(days=1)  # later than the range starts in any zone tested
    snapshot = golden.recent.snapshot
    charges = _since(snapshot, "charges", start)
    refunds = _since(snapshot, "refunds", start)
    disputes = _since(snapshot, "disputes", start)
    txns = _since(snapshot, "balance_transactions", start)

    assert {c["status"] for c in charges} == {"succeeded", "failed", "pending"}
    assert {c["currency"] for c in charges} == STRIPE_CURRENCIES
    assert len({c["payment_method_details"]["card"]["brand"] for c in charges}) >= 10
    assert {r["status"] for r in refunds} == {"succeeded", "pending", "failed", "canceled"}
    assert {r["reason"] for r in refunds} == {
        None,
        "requested_by_customer",
        "duplicate",
        "fraudulent",
    }
    assert {d["status"] for d in disputes} >= {
        "needs_response",
        "under_review",
        "warning_needs_response",
        "warning_closed",
        "won",
        "lost",
    }
    assert len({d["reason"] for d in disputes}) >= 6
    assert {t["reporting_category"] for t in txns} == {
        "charge",
        "refund",
        "refund_failure",
        "dispute",
        "dispute_reversal",
        "payout",
    }
    assert _since(snapshot, "customers", start)


def test_the_custom_range_holds_a_dst_change_with_activity_on_its_day(golden: Golden) -> None:
    change = golden.dst_change.astimezone(DST_ZONE)
    before, after = (change - timedelta(hours=1)).utcoffset(), change.utcoffset()
    assert before != after, "no change of UTC offset"
    first, last = golden.custom
    assert first < change.date() < last
    day = [
        c
        for c in golden.around_change.snapshot["charges"]
        if datetime.fromtimestamp(c["created"], DST_ZONE).date() == change.date()
    ]
    assert len(day) >= 10, "too few charges on the day of 23 or 25 hours"
