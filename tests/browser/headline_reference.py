"""Home's headline figures computed a second time, from the raw Stripe objects.

Nothing here imports Chartivo: the windows come from the calendar (local midnights, the
same wall-clock time on the matching day), the figures straight from their definitions
(docs/metrics.md), the rates from exact fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.reference import NET_VOLUME_CATEGORIES, Snapshot, local_midnight, major_units

AMOUNTS = ("Gross volume", "Net volume", "Refunds")
COUNTS = ("Successful charges", "New customers", "Disputes")
RATES = ("Refund rate", "Dispute rate", "Failed-payment rate")


def wall(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` o'clock on local date ``day`` (the zones tested have every quarter hour)."""
    return datetime.combine(day, at, tzinfo=zone)


@dataclass(frozen=True)
class Windows:
    current: tuple[datetime, datetime]
    previous: tuple[datetime, datetime]


def windows(range_name: str, zone: ZoneInfo, cut: datetime) -> Windows:
    """The range up to ``cut`` (the end of the last complete 15 minutes) and the range it
    is compared with: as many days (or the month) before, to the same time of day."""
    local_cut = cut.astimezone(zone)
    today, at = local_cut.date(), local_cut.time()
    if range_name == "today":
        first, days = today, 1
    elif range_name == "last_7_days":
        first, days = today - timedelta(days=6), 7
    elif range_name == "this_month":
        first = today.replace(day=1)
        last_month_first = (first - timedelta(days=1)).replace(day=1)
        month_length = (first - last_month_first).days
        if today.day > month_length:  # the 31st against a 30-day month: all of it
            previous = (local_midnight(last_month_first, zone), local_midnight(first, zone))
        else:
            matching = last_month_first + timedelta(days=today.day - 1)
            previous = (local_midnight(last_month_first, zone), wall(matching, at, zone))
        return Windows((local_midnight(first, zone), cut), previous)
    else:
        raise ValueError(range_name)
    return Windows(
        (local_midnight(first, zone), cut),
        (
            local_midnight(first - timedelta(days=days), zone),
            wall(today - timedelta(days=days), at, zone),
        ),
    )


def _in(obj: dict[str, Any], window: tuple[datetime, datetime]) -> bool:
    return window[0].timestamp() <= int(obj["created"]) < window[1].timestamp()


@dataclass(frozen=True)
class Figures:
    amounts: dict[str, dict[str, int]]  # label -> currency -> minor units
    counts: dict[str, int]
    succeeded: int
    failed: int
    refunds: int
    disputes: int
    succeeded_by_currency: dict[str, int]


def figures(snapshot: Snapshot, window: tuple[datetime, datetime]) -> Figures:
    charges = [c for c in snapshot["charges"] if _in(c, window)]
    succeeded = [c for c in charges if c["status"] == "succeeded"]
    refunds = [
        r
        for r in snapshot["refunds"]
        if _in(r, window) and r["status"] not in ("failed", "canceled")
    ]
    net = [
        t
        for t in snapshot["balance_transactions"]
        if _in(t, window) and t["reporting_category"] in NET_VOLUME_CATEGORIES
    ]
    disputes = [d for d in snapshot["disputes"] if _in(d, window)]

    def per_currency(objects: list[dict[str, Any]], field: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for obj in objects:
            out[obj["currency"]] = out.get(obj["currency"], 0) + int(obj[field])
        return out

    by_currency: dict[str, int] = {}
    for charge in succeeded:
        by_currency[charge["currency"]] = by_currency.get(charge["currency"], 0) + 1
    return Figures(
        amounts={
            "Gross volume": per_currency(succeeded, "amount_captured"),
            "Net volume": per_currency(net, "net"),
            "Refunds": per_currency(refunds, "amount"),
        },
        counts={
            "Successful charges": len(succeeded),
            "New customers": sum(1 for c in snapshot["customers"] if _in(c, window)),
            "Disputes": len(disputes),
        },
        succeeded=len(succeeded),
        failed=sum(1 for c in charges if c["status"] == "failed"),
        refunds=len(refunds),
        disputes=len(disputes),
        succeeded_by_currency=by_currency,
    )


def rate(label: str, f: Figures) -> Fraction | None:
    numerator, denominator = {
        "Refund rate": (f.refunds, f.succeeded),
        "Dispute rate": (f.disputes, f.succeeded),
        "Failed-payment rate": (f.failed, f.succeeded + f.failed),
    }[label]
    return Fraction(numerator, denominator) if denominator else None


def percent_text(value: Fraction) -> str:
    """A rate as the page writes it: a percentage with two decimals, halves rounded up."""
    exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return f"{exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def amount_text(minor: int, currency: str) -> str:
    """The digits of an amount as the CSV writes them ("1234.50"); the page's symbol and
    grouping are stripped before comparing."""
    return major_units(minor, currency)
