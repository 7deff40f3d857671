"""The money views computed a second time, independently: "in your settlement currency"
states each figure from the balance transactions (what Stripe moved), and payouts'
reconciliation from the payouts and the transactions each one paid out. Like
``tests.support.reference``, nothing here imports Chartivo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import stripe

from tests.support.reference import (
    COUNT_AND_AMOUNT,
    Definition,
    Obj,
    _field,
    _fixed,
    _in_net_volume,
    _measure,
    _text,
)

PAYS_OUT = ("paid", "in_transit", "pending")  # payouts that moved money to the bank


def _payout_definitions() -> Iterator[Definition]:
    """Payouts, by arrival date: those that moved money; by status, every one."""
    for measure, kind, value in COUNT_AND_AMOUNT:
        paid_out = ("payouts", _measure(keep=_pays_out, value=value))
        yield Definition("payouts", measure, "", kind, (paid_out,))
        by_status = ("payouts", _measure(value=value, series=_text("status")))
        yield Definition("payouts", measure, "status", kind, (by_status,))


# --- "in your settlement currency": what Stripe moved, from balance transactions ---------

SETTLED_REFUND_CATEGORIES = frozenset({"refund", "refund_failure", "partial_capture_reversal"})


def _pays_out(payout: Obj) -> bool:
    return payout["status"] in PAYS_OUT


def _category(*names: str) -> Callable[[Obj], bool]:
    return lambda txn: txn["reporting_category"] in names


def _negated(name: str) -> Callable[[Obj], int]:
    return lambda obj: -int(obj[name])


def _settled_definitions() -> Iterator[Definition]:
    def chart(metric: str, measure: str, breakdown: str, *parts: Any) -> Definition:
        return Definition(metric, measure, breakdown, "amount", tuple(parts))

    txns = "balance_transactions"
    credited = _category("charge")
    yield chart("charges", "amount", "", (txns, _measure(keep=credited, value=_field("amount"))))
    gross = (txns, _measure(keep=credited, value=_field("amount"), series=_fixed("gross")))
    net = (txns, _measure(keep=_in_net_volume, value=_field("net"), series=_fixed("net")))
    fees = (txns, _measure(keep=_in_net_volume, value=_field("fee"), series=_fixed("fees")))
    for measure, part in (("gross", gross), ("net", net), ("fees", fees)):
        yield chart("revenue", measure, "", part)
        yield chart("revenue", measure, "components", gross, net, fees)
    refunds = _category(*SETTLED_REFUND_CATEGORIES)
    yield chart("refunds", "amount", "", (txns, _measure(keep=refunds, value=_negated("amount"))))
    withdrawn = _category("dispute")
    yield chart(
        "disputes", "amount", "", (txns, _measure(keep=withdrawn, value=_negated("amount")))
    )
    for measure in ("amount", "net", "fee"):
        yield chart(txns, measure, "", (txns, _measure(value=_field(measure))))
    yield chart(
        "payouts", "amount", "", ("payouts", _measure(keep=_pays_out, value=_field("amount")))
    )


SETTLED_DEFINITIONS: tuple[Definition, ...] = tuple(_settled_definitions())
PAYOUT_DEFINITIONS: tuple[Definition, ...] = tuple(_payout_definitions())


def paid_payouts_tie_out(api_base: str, key: str, since: int) -> dict[str, int]:
    """payout id -> its amount minus the nets of the transactions it paid out (0 when it
    ties out), for every paid payout arriving at or after ``since``."""
    client = stripe.StripeClient(key, base_addresses={"api": api_base})
    out: dict[str, int] = {}
    for payout in client.v1.payouts.list({"limit": 100, "status": "paid"}).auto_paging_iter():
        if payout.arrival_date < since:
            continue
        txns = client.v1.balance_transactions.list({"limit": 100, "payout": payout.id})
        paid_out = sum(t.net for t in txns.auto_paging_iter() if t.type != "payout")
        out[payout.id] = payout.amount - paid_out
    return out


def pending_conversion(charges: list[dict[str, Any]], since: int, until: int) -> dict[str, int]:
    """Per currency charged: succeeded charges created in [since, until) that Stripe has
    not written a balance transaction for (authorised, not yet captured), so not yet
    converted into the settlement currency."""
    out: dict[str, int] = {}
    for charge in charges:
        if charge["status"] != "succeeded" or charge["balance_transaction"] is not None:
            continue
        if since <= charge["created"] < until:
            out[charge["currency"]] = out.get(charge["currency"], 0) + charge["amount"]
    return out
