"""How each kind of money movement is recorded: the object, its balance transactions and
their rows. Generated history and API writes both go through these functions, so a refund
made through the API and a generated one are the same thing.
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

from . import objects
from .ledger import DAY, Ledger, Row
from .objects import CARD, Obj
from .settlement import Money


class ChargeRef(NamedTuple):
    """What a charge's transactions, refunds and disputes need to know of it."""

    id: str
    currency: str
    method: str = CARD

    @classmethod
    def of(cls, charge: Obj) -> ChargeRef:
        return cls(charge["id"], charge["currency"], objects.method_of(charge))


def charge_row(ds: int, obj: Obj) -> Row:
    return (ds, obj["created"], obj["id"], obj["customer"], orjson.dumps(obj))


def customer_row(ds: int, obj: Obj) -> Row:
    return (ds, obj["created"], obj["id"], obj["email"], orjson.dumps(obj))


def payout_row(ds: int, obj: Obj) -> Row:
    return (
        ds,
        obj["created"],
        obj["id"],
        obj["status"],
        obj["arrival_date"],
        obj["destination"],
        orjson.dumps(obj),
    )


def event_row(ds: int, obj: Obj) -> Row:
    return (ds, obj["created"], obj["id"], obj["type"], orjson.dumps(obj))


# -- payments ---------------------------------------------------------------------------------


def charge_transaction(
    ledger: Ledger,
    charge: ChargeRef,
    created: int,
    amount: int,
    description: str | None,
    available: int | None = None,
) -> Obj:
    """The funds of a successful (or, for a bank debit, submitted) payment."""
    money = ledger.settlement.settle(amount, charge.currency, created)
    return ledger.record(
        created,
        money,
        fees=ledger.settlement.payment_fees(money, charge.method),
        type_="charge" if charge.method == CARD else "payment",
        category="charge",
        source=charge.id,
        description=description,
        available=available,
    )


def payment_failure(
    ledger: Ledger, charge: ChargeRef, amount: int, created: int, original: Obj
) -> Obj:
    """A bank debit returned by the customer's bank: the amount goes back out at the day's
    rate (Stripe keeps its fee), available with the original so that one payout nets them."""
    return ledger.record(
        created,
        ledger.settlement.settle(-amount, charge.currency, created),
        fees=(),
        type_="payment_failure_refund",
        category="charge_failure",
        source=charge.id,
        description="Payment failure refund",
        available=original["available_on"],
    )


def refund(
    ledger: Ledger,
    *,
    refund_id: str,
    created: int,
    charge: ChargeRef,
    amount: int,
    status: str,
    reason: str | None,
    failed_at: int | None = None,
    category: str = "refund",
    metadata: dict[str, str] | None = None,
) -> Obj:
    """A refund, its transaction (none when canceled) and, when it failed by ``failed_at``,
    the transaction that puts the money back. Each converts at its own day's rate.
    ``category`` is ``partial_capture_reversal`` for the uncaptured part of a charge."""
    card = charge.method == CARD
    settlement = ledger.settlement
    txn_id = failure_id = None
    if status != "canceled":
        txn_id = ledger.record(
            created,
            settlement.settle(-amount, charge.currency, created),
            fees=(),
            type_="refund" if card else "payment_refund",
            category=category,
            source=refund_id,
            description="REFUND FOR CHARGE" if card else "REFUND FOR PAYMENT",
        )["id"]
    if status == "failed" and failed_at is not None:
        failure_id = ledger.record(
            failed_at,
            settlement.settle(amount, charge.currency, failed_at),
            fees=(),
            type_="refund_failure",
            category="refund_failure",
            source=refund_id,
            description="REFUND FAILURE",
        )["id"]
    obj = objects.refund(
        refund_id,
        created,
        amount=amount,
        charge=charge.id,
        currency=charge.currency,
        status=status,
        reason=reason,
        balance_transaction=txn_id,
        failure_balance_transaction=failure_id,
        metadata=metadata,
    )
    ledger.sink.add("refunds", (ledger.sink.ds, created, refund_id, charge.id, orjson.dumps(obj)))
    return obj


# -- disputes ---------------------------------------------------------------------------------


def dispute_withdrawal(
    ledger: Ledger, when: int, dispute_id: str, charge: ChargeRef, amount: int
) -> Obj:
    money = ledger.settlement.settle(-amount, charge.currency, when)
    return ledger.record(
        when,
        money,
        fees=[(ledger.settlement.dispute_fee(money.currency), "Dispute fee")],
        type_="adjustment",
        category="dispute",
        source=dispute_id,
        description=f"Chargeback withdrawal for {charge.id}",
    )


def dispute_reversal(
    ledger: Ledger, when: int, dispute_id: str, charge: ChargeRef, amount: int
) -> Obj:
    """Won: the amount comes back and, as in the US, so does the dispute fee."""
    money = ledger.settlement.settle(amount, charge.currency, when)
    return ledger.record(
        when,
        money,
        fees=[(-ledger.settlement.dispute_fee(money.currency), "Dispute fee refund")],
        type_="adjustment",
        category="dispute_reversal",
        source=dispute_id,
        description=f"Chargeback reversal for {charge.id}",
    )


def dispute(
    ledger: Ledger,
    *,
    dispute_id: str,
    created: int,
    charge: ChargeRef,
    amount: int,
    status: str,
    reason: str,
    brand: str,
    closed_at: int | None = None,
) -> Obj:
    """A dispute in ``status``: an inquiry (``warning_…``) moves no money; a chargeback
    withdraws the amount and its fee, and when ``won`` (at ``closed_at``) gives both back."""
    txns: list[Obj] = []
    inquiry = status.startswith("warning_")
    if not inquiry:
        txns.append(dispute_withdrawal(ledger, created, dispute_id, charge, amount))
        if status == "won":
            assert closed_at is not None
            txns.append(dispute_reversal(ledger, closed_at, dispute_id, charge, amount))
    obj = objects.dispute(
        dispute_id,
        created,
        ledger.livemode,
        amount=amount,
        charge=charge.id,
        currency=charge.currency,
        status=status,
        reason=reason,
        balance_transactions=txns,
        brand=brand,
        due_by=(created // DAY + 8) * DAY - 1,
        is_charge_refundable=inquiry,
    )
    ledger.sink.add("disputes", (ledger.sink.ds, created, dispute_id, charge.id, orjson.dumps(obj)))
    return obj


# -- payouts ----------------------------------------------------------------------------------


def payout_transaction(
    ledger: Ledger, payout_id: str, created: int, amount: int, currency: str
) -> Obj:
    """The payout leaving the balance (a negative ``amount`` is a debit from the bank)."""
    return ledger.record(
        created,
        Money(-amount, currency),
        fees=(),
        type_="payout",
        category="payout",
        source=payout_id,
        description="STRIPE PAYOUT",
        available=created,
    )


def payout_failure(
    ledger: Ledger, payout_id: str, failed_at: int, amount: int, currency: str
) -> Obj:
    """The bank returned the payout: its amount is back in the balance at once."""
    return ledger.record(
        failed_at,
        Money(amount, currency),
        fees=(),
        type_="payout_failure",
        category="payout_reversal",
        source=payout_id,
        description="STRIPE PAYOUT FAILURE",
        available=failed_at,
    )
