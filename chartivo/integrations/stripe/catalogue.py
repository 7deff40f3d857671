"""What Chartivo reads from Stripe and what it charts, as data.

Two tables: the *resources* fetched (endpoint, permission, which fields become the
aggregate's dimensions and measures) and the *metrics* a user can chart from them
(docs/metrics.md defines each). Aggregation (``chartivo.metrics.aggregation``) and the
chart queries read these tables; neither knows anything else about Stripe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

MeasureColumn = Literal["count", "amount", "captured", "fee", "net"]
Kind = Literal["count", "amount"]


@dataclass(frozen=True)
class Resource:
    key: str  # also the aggregate's ``resource`` value
    path: str  # Stripe list endpoint
    label: str
    permission: str  # Stripe's restricted-key permission, as its 403 names it
    dashboard_row: str  # the row to set to Read when creating a restricted key
    # Field paths (dotted) that become the aggregate's dimensions. A missing or null value
    # is stored as "".
    dim1: str = ""
    dim2: str = ""
    # Aggregate column -> field path summed into it ("count" needs no field).
    measures: dict[str, str] = field(default_factory=dict)
    has_currency: bool = True
    # dim1 values that can still change (a pending charge, an open dispute): without
    # Events, the buckets holding them are re-read at each refresh.
    unsettled: frozenset[str] = frozenset()
    # Event types (``types[]`` of GET /v1/events) that change an object of this resource
    # after it was created; its own ``created`` tells which bucket to re-read.
    change_events: tuple[str, ...] = ()
    # Event types Stripe emits when an object of this resource is created. A resource that
    # has them is re-read, once events can be read, only in the buckets its events name;
    # one without (balance transactions) is re-read at its tail at every refresh.
    created_events: tuple[str, ...] = ()
    # ``data.object.object`` of those events.
    object_name: str = ""


CHARGES = Resource(
    key="charges",
    path="/v1/charges",
    label="Charges",
    dashboard_row="Charges",
    permission="rak_charge_read",
    dim1="status",
    dim2="payment_method_details.card.brand",
    measures={"amount": "amount", "captured": "amount_captured"},
    unsettled=frozenset({"pending"}),
    change_events=(
        "charge.captured",
        "charge.expired",
        "charge.failed",
        "charge.succeeded",
        "charge.updated",
    ),
    created_events=("charge.failed", "charge.pending", "charge.succeeded"),
    object_name="charge",
)
CUSTOMERS = Resource(
    key="customers",
    path="/v1/customers",
    label="Customers",
    dashboard_row="Customers",
    permission="rak_customer_read",
    has_currency=False,
    change_events=("customer.deleted",),
    created_events=("customer.created",),
    object_name="customer",
)
REFUNDS = Resource(
    key="refunds",
    path="/v1/refunds",
    label="Refunds",
    # Stripe has no permission of its own for refunds: they are read with Charges.
    dashboard_row="Charges",
    permission="rak_charge_read",
    dim1="status",
    dim2="reason",
    measures={"amount": "amount"},
    unsettled=frozenset({"pending", "requires_action"}),
    change_events=("charge.refund.updated", "refund.updated", "refund.failed"),
    created_events=("refund.created",),
    object_name="refund",
)
DISPUTES = Resource(
    key="disputes",
    path="/v1/disputes",
    label="Disputes",
    dashboard_row="Disputes",
    permission="rak_dispute_read",
    dim1="status",
    dim2="reason",
    measures={"amount": "amount"},
    unsettled=frozenset(
        {
            "warning_needs_response",
            "warning_under_review",
            "needs_response",
            "under_review",
        }
    ),
    change_events=(
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
    ),
    created_events=("charge.dispute.created",),
    object_name="dispute",
)
BALANCE_TRANSACTIONS = Resource(
    key="balance_transactions",
    path="/v1/balance_transactions",
    label="Balance transactions",
    dashboard_row="Balance transaction sources",
    permission="rak_balance_transaction_source_read",
    dim1="reporting_category",
    measures={"amount": "amount", "fee": "fee", "net": "net"},
    # Written once; only ``status`` (available/pending) changes, and no metric uses it.
)

RESOURCES: dict[str, Resource] = {
    r.key: r for r in (CHARGES, CUSTOMERS, REFUNDS, DISPUTES, BALANCE_TRANSACTIONS)
}

# Read only to learn what changed between refreshes; never charted.
EVENTS_PATH = "/v1/events"
EVENTS_LABEL = "Events"
EVENTS_DASHBOARD_ROW = "Events"
EVENTS_PERMISSION = "rak_event_read"

# Balance-transaction reporting categories that make up net volume and fees, as
# Stripe's own balance reports count them (docs/metrics.md).
REVENUE_CATEGORIES = frozenset(
    {
        "charge",
        "refund",
        "dispute",
        "dispute_reversal",
        "partial_capture_reversal",
        "refund_failure",
    }
)


@dataclass(frozen=True)
class Part:
    """One query over the aggregates that feeds a series (or a family of series)."""

    resource: str
    column: MeasureColumn
    where_dim1: frozenset[str] | None = None  # keep only these dim1 values
    exclude_dim1: frozenset[str] = frozenset()
    series_key: str = ""  # fixed key; or, with a breakdown, the dimension's value


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: Kind
    parts: tuple[Part, ...]


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

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            key="charges",
            label="Charges",
            description="Successful charges, by the time they were created.",
            resources=("charges",),
            measures=(
                Measure("amount", "Amount", "amount", (Part("charges", "amount", _SUCCEEDED),)),
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
                Measure("amount", "Amount", "amount", (Part("disputes", "amount"),)),
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
