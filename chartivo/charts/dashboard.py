"""Home's headline figures: how much, compared with what, for one dashboard-wide range.

Every figure is defined in ``HEADLINES`` (and for people in docs/metrics.md). All of them,
for the range and its comparison, with a trend per period, come from one query. A range
in progress is cut "so far" at the end of its last complete 15-minute bucket and its
comparison at the same local time (``chartivo.metrics.windows``), so both sides cover
exactly the same part of their day.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.conf import settings

from chartivo.charts import cache
from chartivo.charts.accounts import Source, identity, key_part
from chartivo.charts.figures import figures_version
from chartivo.charts.query import ViewRange
from chartivo.integrations.stripe.catalogue import REVENUE_CATEGORIES
from chartivo.integrations.stripe.resources import SETTLED_CHARGE, SETTLED_REFUNDS
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.metrics.periods import (
    Granularity,
    RangePreset,
    TimeRange,
    parse_zone,
    resolve_range,
    unix_seconds,
    utc_period_starts,
)
from chartivo.metrics.queries import ConnectionIds, Quantity, Totals, Window, totals_by_period
from chartivo.metrics.windows import (
    Compare,
    Compared,
    Unavailable,
    compared_range,
    granularities_for,
    period_count,
    so_far_cut,
)

Kind = Literal["amount", "count", "rate"]

# The quantities every headline figure is made of, summed in one query.
GROSS, SUCCEEDED, FAILED, NET, CUSTOMERS, REFUNDED, REFUNDS, DISPUTES = range(8)
SETTLED_GROSS, SETTLED_REFUNDED = 8, 9  # the same money in settlement currency
PENDING = 10  # charges not yet converted into it (``chartivo.charts.pending``)
# The objects behind the money figures that no count above gives (a shared dashboard hides
# figures of too few objects: chartivo/sharing/privacy.py).
NET_OBJECTS, SETTLED_GROSS_OBJECTS, SETTLED_REFUNDED_OBJECTS = 11, 12, 13
QUANTITIES = (
    Quantity("charges", "captured", frozenset({"succeeded"})),
    Quantity("charges", "count", frozenset({"succeeded"})),
    Quantity("charges", "count", frozenset({"failed"})),
    Quantity("balance_transactions", "net", REVENUE_CATEGORIES),
    Quantity("customers", "count"),
    Quantity("refunds", "amount", dim1_not_in=frozenset({"failed", "canceled"})),
    Quantity("refunds", "count", dim1_not_in=frozenset({"failed", "canceled"})),
    Quantity("disputes", "count"),
    Quantity("balance_transactions", "amount", SETTLED_CHARGE),
    Quantity("balance_transactions", "amount", SETTLED_REFUNDS),
    Quantity("charges", "unconverted", frozenset({"succeeded"})),
    Quantity("balance_transactions", "count", REVENUE_CATEGORIES),
    Quantity("balance_transactions", "count", SETTLED_CHARGE),
    Quantity("balance_transactions", "count", SETTLED_REFUNDS),
)
# A refund's balance transaction is negative: Home shows refunds as a positive amount.
SIGNS = tuple(-1 if i == SETTLED_REFUNDED else 1 for i in range(len(QUANTITIES)))


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    kind: Kind
    definition: str
    numerator: tuple[int, ...]  # quantities added up
    denominator: tuple[int, ...] = ()  # for rates
    good_when_up: bool = True
    # "In your settlement currency": the quantities and definition of the same figure from
    # the balance transactions (none where the figure is settled already, or a count).
    settled: tuple[int, ...] = ()
    settled_definition: str = ""
    # The counts of the objects a figure is built from (a rate: its denominator's).
    objects: tuple[int, ...] = ()
    settled_objects: tuple[int, ...] = ()


HEADLINES = (
    Headline(
        "gross_volume",
        "Gross volume",
        "amount",
        "Amount captured of successful charges, by the time each charge was created.",
        (GROSS,),
        settled=(SETTLED_GROSS,),
        settled_definition=(
            "Payments as Stripe credited them in your settlement currency (balance "
            "transactions of category charge, converted by Stripe), by the time each was "
            "created."
        ),
        objects=(SUCCEEDED,),
        settled_objects=(SETTLED_GROSS_OBJECTS,),
    ),
    Headline(
        "net_volume",
        "Net volume",
        "amount",
        "Net of balance transactions from charges, refunds and disputes (fees deducted), by "
        "the time each was created.",
        (NET,),
        objects=(NET_OBJECTS,),
    ),
    Headline(
        "successful_charges",
        "Successful charges",
        "count",
        "Charges with status succeeded, in every currency.",
        (SUCCEEDED,),
        objects=(SUCCEEDED,),
    ),
    Headline(
        "new_customers",
        "New customers",
        "count",
        "Customers created.",
        (CUSTOMERS,),
        objects=(CUSTOMERS,),
    ),
    Headline(
        "refunds",
        "Refunds",
        "amount",
        "Amount of refunds created, failed and canceled ones excluded.",
        (REFUNDED,),
        good_when_up=False,
        settled=(SETTLED_REFUNDED,),
        settled_definition=(
            "What Stripe took from the balance for refunds, in your settlement currency "
            "(refund, refund failure and partial-capture reversal transactions), by the "
            "refund's own date."
        ),
        objects=(REFUNDS,),
        settled_objects=(SETTLED_REFUNDED_OBJECTS,),
    ),
    Headline(
        "disputes",
        "Disputes",
        "count",
        "Disputes opened, whatever their outcome.",
        (DISPUTES,),
        good_when_up=False,
        objects=(DISPUTES,),
    ),
    Headline(
        "refund_rate",
        "Refund rate",
        "rate",
        "Refunds created ÷ successful charges, in the same range.",
        (REFUNDS,),
        (SUCCEEDED,),
        good_when_up=False,
        objects=(SUCCEEDED,),
    ),
    Headline(
        "dispute_rate",
        "Dispute rate",
        "rate",
        "Disputes opened ÷ successful charges, in the same range.",
        (DISPUTES,),
        (SUCCEEDED,),
        good_when_up=False,
        objects=(SUCCEEDED,),
    ),
    Headline(
        "failed_payment_rate",
        "Failed-payment rate",
        "rate",
        "Failed charges ÷ (successful + failed charges).",
        (FAILED,),
        (SUCCEEDED, FAILED),
        good_when_up=False,
        objects=(SUCCEEDED, FAILED),
    ),
)


@dataclass(frozen=True)
class DashboardRange:
    preset: RangePreset
    zone_name: str
    time_range: TimeRange
    cut: datetime  # where "so far" ends (the range's end when it is whole)
    granularity: Granularity
    comparison: Compared | Unavailable | None


def dashboard_range(view_range: ViewRange, *, now: datetime) -> DashboardRange:
    """Resolves Home's range; raises RangeError for one that cannot be shown."""
    zone = parse_zone(view_range.time_zone)
    preset = RangePreset(view_range.range_preset)
    time_range = resolve_range(
        preset,
        zone=zone,
        now=now,
        history_days=settings.HISTORY_DAYS,
        custom_start=view_range.custom_start,
        custom_end=view_range.custom_end,
    )
    offered = granularities_for(time_range, zone)
    # A trend of days where a range has them (hours for a day or two), of weeks or months
    # for a long custom range: a sparkline of a few dozen points says it all.
    granularity = next(
        (g for g in offered if g != Granularity.HOUR and period_count(time_range, zone, g) <= 92),
        offered[0] if offered == [Granularity.HOUR] else offered[-1],
    )
    comparison = compared_range(
        preset,
        time_range,
        zone=zone,
        mode=Compare(view_range.compare),
        history_days=settings.HISTORY_DAYS,
        now=now,
    )
    return DashboardRange(
        preset, zone.key, time_range, so_far_cut(time_range), granularity, comparison
    )


@dataclass(frozen=True)
class DashboardFigures:
    """Integers only: per (quantity, currency) the totals of the range (to its cut) and of
    its comparison, and per period the trend of the range."""

    period_starts: list[int]
    current: dict[tuple[int, str], int] = field(default_factory=dict)
    previous: dict[tuple[int, str], int] | None = None
    trend: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)  # successful charges per currency

    def pending(self) -> dict[str, int]:
        """Per currency charged: the range's charges not yet converted (to its cut)."""
        return {code: v for (quantity, code), v in self.current.items() if quantity == PENDING}


def compute(connection_id: ConnectionIds, dashboard: DashboardRange) -> DashboardFigures:
    zone = parse_zone(dashboard.zone_name)
    lo, hi = unix_seconds(dashboard.time_range.start), unix_seconds(dashboard.time_range.end)
    cut = unix_seconds(dashboard.cut)
    starts = utc_period_starts(lo, hi, zone, dashboard.granularity)
    # The incomplete last 15 minutes are a window of their own: drawn in the trend, left
    # out of the totals that are compared.
    windows = [Window(lo, cut), Window(cut, hi)]
    comparison = dashboard.comparison
    previous_window = None
    if isinstance(comparison, Compared):
        previous_window = Window(
            unix_seconds(comparison.previous.start), unix_seconds(comparison.previous.end)
        )
        windows.append(previous_window)
    groups = totals_by_period(
        connection_id,
        sorted({q.resource for q in QUANTITIES}),
        [w for w in windows if w.lo < w.hi],
        zone=zone,
        granularity=dashboard.granularity,
    )
    figures = DashboardFigures(starts, previous={} if previous_window else None)
    for group in groups:
        values = quantity_values(group)
        if not any(values):
            continue
        currency = group.currency
        if previous_window and previous_window.lo <= group.bucket < previous_window.hi:
            assert figures.previous is not None
            _add(figures.previous, values, currency)
            continue
        if not lo <= group.bucket < hi:
            continue
        index = bisect_right(starts, group.bucket) - 1
        for quantity, value in enumerate(values):
            if value:
                trend = figures.trend.setdefault((quantity, currency), [0] * len(starts))
                trend[index] += value
        if group.bucket < cut:
            _add(figures.current, values, currency)
        figures.activity[currency] = figures.activity.get(currency, 0) + values[SUCCEEDED]
    return figures


def _counts(quantity: Quantity, group: Totals) -> bool:
    if group.resource != quantity.resource:
        return False
    if quantity.dim1_in is not None and group.dim1 not in quantity.dim1_in:
        return False
    return group.dim1 not in quantity.dim1_not_in


def quantity_values(group: Totals) -> tuple[int, ...]:
    """What one group adds to each quantity (0 where the quantity does not count it); alert
    rules read their figures through it too (``chartivo.alerts.figures``)."""
    return tuple(
        SIGNS[i] * group.columns[q.column] if _counts(q, group) else 0
        for i, q in enumerate(QUANTITIES)
    )


def _add(totals: dict[tuple[int, str], int], values: tuple[int, ...], currency: str) -> None:
    for quantity, value in enumerate(values):
        totals[(quantity, currency)] = totals.get((quantity, currency), 0) + value


def cached_figures(
    connection: Source, sync: SyncStatus, dashboard: DashboardRange
) -> DashboardFigures:
    """The figures, computed once per sync, range and cut (like charts' figures)."""
    key = None
    if sync.state == "synced" and sync.last_synced_at:
        comparison = dashboard.comparison
        parts = [
            "dashboard-4",
            *identity(connection),
            figures_version(connection, sync),
            dashboard.zone_name,
            dashboard.granularity.value,
            unix_seconds(dashboard.time_range.start),
            unix_seconds(dashboard.time_range.end) if not dashboard.time_range.so_far else 0,
            unix_seconds(dashboard.cut),
            repr(comparison),
        ]
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
        key = f"dashboard:{key_part(connection)}:{digest}"
        found = cache.get_many([key]).get(key)
        if isinstance(found, DashboardFigures):
            return found
    figures = compute(connection.pk, dashboard)
    if key is not None:
        cache.set_many({key: figures})
    return figures
