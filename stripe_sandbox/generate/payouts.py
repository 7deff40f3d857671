"""Automatic daily payouts: each day's available funds, per settlement currency, leave the
balance three hours after they become available and arrive at the bank two business days
later.

A payout is ``pending`` until it is submitted to the bank (six hours), then ``in_transit``
until its arrival date, then ``paid``. With settlement currencies, one payout in fifty is
returned by the bank on its arrival date (``failed``): a ``payout_failure`` transaction puts
the money back in the balance, and the next payout sweeps it again. A day whose refunds and
disputes outweigh its payments is a debit from the bank: a payout with a negative amount.
"""

from __future__ import annotations

import hashlib
import heapq

from stripe_sandbox import ids, objects
from stripe_sandbox.builders import payout_failure, payout_row, payout_transaction
from stripe_sandbox.ledger import DAY, business_days_after

from . import draws
from .history import History
from .output import PAYOUT_DELAY, Output

SUBMITTED_AFTER = 6 * 3600


def arrival_date(created: int) -> int:
    """00:00 UTC of the second business day after the payout's day."""
    return business_days_after(created // DAY * DAY, 2)


def status_at(created: int, arrival: int, moment: int) -> str:
    if moment < created + SUBMITTED_AFTER:
        return "pending"
    return "in_transit" if moment < arrival else "paid"


def _fails(out: Output, payout_id: str) -> bool:
    digest = hashlib.blake2b(f"fails|{payout_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < draws.PAYOUT_FAILURE_SHARE


def _failure_code(payout_id: str) -> str:
    values, cumulative = draws.PAYOUT_FAILURE
    digest = hashlib.blake2b(f"code|{payout_id}".encode(), digest_size=8).digest()
    share = int.from_bytes(digest, "big") / 2**64
    return str(next(v for v, c in zip(values, cumulative, strict=True) if share <= c))


def payouts(out: Output, history: History | None) -> None:
    """Pay out every (day, currency) of swept funds, oldest first; a returned payout's money
    joins the payout of its return day."""
    end = out.spec.end
    queue = sorted(out.payouts)
    heapq.heapify(queue)
    queued = set(queue)
    while queue:
        avail, currency = heapq.heappop(queue)
        net = out.payouts[(avail, currency)]
        if net == 0:
            continue
        created = avail + PAYOUT_DELAY
        payout_id = out.payout_id(avail, currency)
        txn = payout_transaction(out.ledger, payout_id, created, net, currency)
        arrival = arrival_date(created)
        status = status_at(created, arrival, end)
        failed_at: int | None = None
        failure_id: str | None = None
        code: str | None = None
        if out.faithful and status == "paid" and _fails(out, payout_id):
            status, failed_at, code = "failed", arrival, _failure_code(payout_id)
            failure_id = payout_failure(out.ledger, payout_id, arrival, net, currency)["id"]
            key = (arrival, currency)
            if key in out.payouts and key not in queued:
                heapq.heappush(queue, key)
                queued.add(key)
        obj = objects.payout(
            payout_id,
            created,
            out.livemode,
            amount=net,
            currency=currency,
            arrival_date=arrival,
            status=status,
            balance_transaction=txn["id"],
            destination=ids.bank_account_id(out.account, currency),
            failure_balance_transaction=failure_id,
            failure_code=code,
        )
        out.add("payouts", payout_row(out.ds, obj))
        if history is not None:
            history.payout(obj, failed_at)
