"""The Stripe resources Chartivo reads, as data: endpoint, permission, and which fields
become an aggregate's dimensions and measures. ``catalogue`` builds the chartable metrics
on them; aggregation and sync read them and know nothing else about Stripe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MeasureColumn = Literal["count", "amount", "captured", "fee", "net", "unconverted"]


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
    # (amount field, top-level balance-transaction field, dim1 values): the amount of an
    # object with one of those values that Stripe has not yet written a balance
    # transaction for is summed into ``unconverted`` as well. Stripe converts a charge into
    # the settlement currency only when it writes that transaction (at capture), so until
    # then the settlement view can only state it as pending. A failed charge never will.
    unconverted: tuple[str, str, frozenset[str]] | None = None
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
    # The field whose time places an object in a bucket, and the list filter on it.
    date_field: str = "created"
    # Read each range whole before handing it over: for a resource listed newest
    # ``created`` first but placed by another date (a payout by its arrival), a page's
    # lowest bucket says nothing about the buckets still to come. Only for resources with
    # few objects (a payout a day per settlement currency).
    whole_range: bool = False


CHARGES = Resource(
    key="charges",
    path="/v1/charges",
    label="Charges",
    dashboard_row="Charges",
    permission="rak_charge_read",
    dim1="status",
    dim2="payment_method_details.card.brand",
    measures={"amount": "amount", "captured": "amount_captured"},
    unconverted=("amount", "balance_transaction", frozenset({"succeeded"})),
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

PAYOUTS = Resource(
    key="payouts",
    path="/v1/payouts",
    label="Payouts",
    dashboard_row="Payouts",
    permission="rak_payout_read",
    dim1="status",
    measures={"amount": "amount"},
    unsettled=frozenset({"pending", "in_transit"}),
    # Stripe takes at most 20 ``types[]``: these three say all the chart needs. A payout
    # enters a period when it arrives (``payout.paid``, or ``payout.failed`` for one the
    # bank returned); ``payout.updated`` tells of an amount or status changed since. One
    # canceled before its day is read at the hourly tail.
    change_events=("payout.updated",),
    created_events=("payout.failed", "payout.paid"),
    object_name="payout",
    # By the day the money reaches the bank, as the Dashboard's payouts list dates them.
    date_field="arrival_date",
    whole_range=True,
)

RESOURCES: dict[str, Resource] = {
    r.key: r for r in (CHARGES, CUSTOMERS, REFUNDS, DISPUTES, BALANCE_TRANSACTIONS, PAYOUTS)
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


# Balance-transaction reporting categories of the money a figure moved in the settlement
# currency: what Stripe took back for refunds (a failed refund puts it back; the part of
# an authorisation not captured is refunded too) and for disputes (the withdrawals).
SETTLED_CHARGE = frozenset({"charge"})
SETTLED_REFUNDS = frozenset({"refund", "refund_failure", "partial_capture_reversal"})
SETTLED_DISPUTES = frozenset({"dispute"})
