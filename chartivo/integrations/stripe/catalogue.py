"""What Chartivo reads from Stripe and what it charts, as data.

Two tables: the *resources* fetched (``resources.py``: endpoint, permission, which fields
become the aggregate's dimensions and measures) and the *metrics* a user can chart from
them (docs/metrics.md defines each). Aggregation (``chartivo.metrics.aggregation``) and the
chart queries read these tables; neither knows anything else about Stripe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from chartivo.integrations.stripe.resources import (
    BALANCE_TRANSACTIONS,
    CHARGES,
    CUSTOMERS,
    DISPUTES,
    EVENTS_DASHBOARD_ROW,
    EVENTS_LABEL,
    EVENTS_PATH,
    EVENTS_PERMISSION,
    PAYOUTS,
    REFUNDS,
    RESOURCES,
    REVENUE_CATEGORIES,
    SETTLED_CHARGE,
    SETTLED_DISPUTES,
    SETTLED_REFUNDS,
    MeasureColumn,
    Resource,
)

__all__ = [
    "BALANCE_TRANSACTIONS",
    "CHARGES",
    "CUSTOMERS",
    "DISPUTES",
    "EVENTS_DASHBOARD_ROW",
    "EVENTS_LABEL",
    "EVENTS_PATH",
    "EVENTS_PERMISSION",
    "METRICS",
    "PAYOUTS",
    "REFUNDS",
    "RESOURCES",
    "REVENUE_CATEGORIES",
    "Resource",
]

Kind = Literal["count", "amount"]


@dataclass(frozen=True)
class Part:
    """One query over the aggregates that feeds a series (or a family of series)."""

    resource: str
    column: MeasureColumn
    where_dim1: frozenset[str] | None = None  # keep only these dim1 values
    exclude_dim1: frozenset[str] = frozenset()
    series_key: str = ""  # fixed key; or, with a breakdown, the dimension's value
    # -1 where the balance moved the other way (a refund's transaction is negative).
    sign: int = 1


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: Kind
    parts: tuple[Part, ...]
    # The same figure "in your settlement currency": the amounts Stripe moved, from the
    # balance transactions. None where the figure has one view only (counts; net volume
    # and fees, which are in settlement currency already).
    settled: tuple[Part, ...] | None = None
    # Of the figure by currency charged, what Stripe has not converted yet (a charge
    # authorised, not yet captured, has no balance transaction): stated as pending in the
    # settlement view, which cannot count it.
    pending: tuple[Part, ...] | None = None


@dataclass(frozen=True)
class Breakdown:
    key: str
    label: str
    dimension: Literal["dim1", "dim2", "parts"]
    # A breakdown over the dimension a measure filters on shows every value instead.
    lifts_filter: bool = False


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    description: str
    resources: tuple[str, ...]
    measures: tuple[Measure, ...]
    breakdowns: tuple[Breakdown, ...] = ()

    def measure(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)

    def breakdown(self, key: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.key == key), None)


_SUCCEEDED = frozenset({"succeeded"})
_REFUND_EXCLUDED = frozenset({"failed", "canceled"})
# A failed or canceled payout moved nothing to the bank: its money came back.
_PAID_OUT = frozenset({"paid", "in_transit", "pending"})

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            key="charges",
            label="Charges",
            description="Successful charges, by the time they were created.",
            resources=("charges",),
            measures=(
                Measure(
                    "amount",
                    "Amount",
                    "amount",
                    (Part("charges", "amount", _SUCCEEDED),),
                    settled=(Part("balance_transactions", "amount", SETTLED_CHARGE),),
                    pending=(Part("charges", "unconverted", _SUCCEEDED),),
                ),
                Measure("count", "Count", "count", (Part("charges", "count", _SUCCEEDED),)),
            ),
            breakdowns=(
                Breakdown("status", "Status", "dim1", lifts_filter=True),
                Breakdown("brand", "Card brand", "dim2"),
            ),
        ),
        Metric(
            key="customers",
            label="Customers",
            description="New customers, by the time they were created.",
            resources=("customers",),
            measures=(Measure("count", "New customers", "count", (Part("customers", "count"),)),),
        ),
        Metric(
            key="revenue",
            label="Revenue",
            description=(
                "Gross volume is the captured amount of successful charges; net volume and "
                "fees come from balance transactions (charges, refunds, disputes and their "
                "reversals)."
            ),
            resources=("charges", "balance_transactions"),
            measures=(
                Measure(
                    "gross",
                    "Gross volume",
                    "amount",
                    (Part("charges", "captured", _SUCCEEDED, series_key="gross"),),
                    settled=(
                        Part("balance_transactions", "amount", SETTLED_CHARGE, series_key="gross"),
                    ),
                ),
                Measure(
                    "net",
                    "Net volume",
                    "amount",
                    (Part("balance_transactions", "net", REVENUE_CATEGORIES, series_key="net"),),
                ),
                Measure(
                    "fees",
                    "Fees",
                    "amount",
                    (Part("balance_transactions", "fee", REVENUE_CATEGORIES, series_key="fees"),),
                ),
            ),
            breakdowns=(Breakdown("components", "Gross, net and fees", "parts"),),
        ),
        Metric(
            key="refunds",
            label="Refunds",
            description="Refunds by the time they were created (failed and canceled excluded).",
            resources=("refunds",),
            measures=(
                Measure(
                    "amount",
                    "Amount",
                    "amount",
                    (Part("refunds", "amount", exclude_dim1=_REFUND_EXCLUDED),),
                    settled=(Part("balance_transactions", "amount", SETTLED_REFUNDS, sign=-1),),
                ),
                Measure(
                    "count",
                    "Count",
                    "count",
                    (Part("refunds", "count", exclude_dim1=_REFUND_EXCLUDED),),
                ),
            ),
            breakdowns=(
                Breakdown("reason", "Reason", "dim2"),
                Breakdown("status", "Status", "dim1", lifts_filter=True),
            ),
        ),
        Metric(
            key="disputes",
            label="Disputes",
            description="Disputes by the time they were opened.",
            resources=("disputes",),
            measures=(
                Measure(
                    "amount",
                    "Amount",
                    "amount",
                    (Part("disputes", "amount"),),
                    settled=(Part("balance_transactions", "amount", SETTLED_DISPUTES, sign=-1),),
                ),
                Measure("count", "Count", "count", (Part("disputes", "count"),)),
            ),
            breakdowns=(
                Breakdown("status", "Status", "dim1"),
                Breakdown("reason", "Reason", "dim2"),
            ),
        ),
        Metric(
            key="balance_transactions",
            label="Balance transactions",
            description="Every movement of the Stripe balance, by the time it was created.",
            resources=("balance_transactions",),
            measures=(
                Measure("amount", "Amount", "amount", (Part("balance_transactions", "amount"),)),
                Measure("net", "Net", "amount", (Part("balance_transactions", "net"),)),
                Measure("fee", "Fees", "amount", (Part("balance_transactions", "fee"),)),
                Measure("count", "Count", "count", (Part("balance_transactions", "count"),)),
            ),
            breakdowns=(Breakdown("category", "Reporting category", "dim1"),),
        ),
        Metric(
            key="payouts",
            label="Payouts",
            description="Payouts to the bank, by the day they arrive (or are due to).",
            resources=("payouts",),
            measures=(
                Measure("amount", "Amount", "amount", (Part("payouts", "amount", _PAID_OUT),)),
                Measure("count", "Count", "count", (Part("payouts", "count", _PAID_OUT),)),
            ),
            breakdowns=(Breakdown("status", "Status", "dim1", lifts_filter=True),),
        ),
    )
}


def missing_reads(metric: Metric, readable: Mapping[str, bool]) -> str:
    """What the key lacks to chart ``metric`` ("needs Read on Disputes"), or ""."""
    rows = [RESOURCES[r].dashboard_row for r in metric.resources if not readable.get(r, False)]
    # Refunds are read with Charges: one Dashboard row may serve two resources.
    return f"needs Read on {' and '.join(dict.fromkeys(rows))}" if rows else ""


@dataclass(frozen=True)
class Availability:
    available: list[str]  # metric labels the key can chart
    unavailable: list[tuple[str, str]]  # (metric label, what to add in Stripe)


def availability(readable: Mapping[str, bool]) -> Availability:
    available: list[str] = []
    unavailable: list[tuple[str, str]] = []
    for metric in METRICS.values():
        missing = missing_reads(metric, readable)
        if missing:
            unavailable.append((metric.label, missing))
        else:
            available.append(metric.label)
    return Availability(available, unavailable)
