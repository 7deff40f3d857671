"""Deterministic generated history for one dataset (an account in one mode).

Everything is drawn from one generator seeded by ``seed|mode``, in a fixed order, so the
same seed and options always give the same objects (ids differ only by the account's tag).
State is computed "as of" the window's end: a refund or dispute after the end does not
exist, a balance transaction is ``available`` once its ``available_on`` is past the end, a
payout is ``paid`` once its arrival date is.

Passes: customers; charges (each deciding its refunds and dispute); refunds and disputes in
time order; payouts of each day's available funds; the balance by day. With settlement
currencies the events of the last 30 days are written along the way (``history``).
"""

from __future__ import annotations

from stripe_sandbox.builders import ChargeRef, dispute, refund
from stripe_sandbox.store import Store

from .history import REFUND_FAILS_AFTER, History
from .output import Output, Spec
from .payments import Plans, charges, customers
from .payouts import payouts

__all__ = ["Spec", "generate"]


def generate(
    store: Store, ds: int, livemode: bool, tag: str, account: str, spec: Spec
) -> dict[str, int]:
    """Write one dataset's history; returns how many objects of each type it made."""
    out = Output(store, ds, livemode, tag, account, spec)
    history = History(out) if out.faithful else None
    found = customers(out, history)
    plans = charges(out, found, history)
    out.flush()
    _refunds(out, plans, history)
    _disputes(out, plans, history)
    payouts(out, history)
    out.flush()
    store.add_balance(
        (ds, currency, avail, net) for (currency, avail), net in sorted(out.balance.items())
    )
    return dict(out.counts)


def _refunds(out: Output, plans: Plans, history: History | None) -> None:
    end = out.spec.end
    plans.refunds.sort()
    for when, refund_id, charge_id, currency, amount, status, reason, method in plans.refunds:
        # A failed refund comes back later, if that is still within the window.
        failing = when + REFUND_FAILS_AFTER
        failed_at = failing if status == "failed" and failing <= end else None
        obj = refund(
            out.ledger,
            refund_id=refund_id,
            created=when,
            charge=ChargeRef(charge_id, currency, method),
            amount=amount,
            status=status,
            reason=reason,
            failed_at=failed_at,
        )
        if history is not None:
            history.refund(obj, failed_at)


def _disputes(out: Output, plans: Plans, history: History | None) -> None:
    plans.disputes.sort()
    for (
        when,
        dispute_id,
        charge_id,
        currency,
        amount,
        status,
        reason,
        brand,
        closed,
    ) in plans.disputes:
        obj = dispute(
            out.ledger,
            dispute_id=dispute_id,
            created=when,
            charge=ChargeRef(charge_id, currency),
            amount=amount,
            status=status,
            reason=reason,
            brand=brand,
            closed_at=closed,
        )
        if history is not None:
            history.dispute(obj, closed)
