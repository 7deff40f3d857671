"""Balance transactions: the one place where a movement of money becomes a Stripe object.

Generated history and API writes record money the same way and differ only in where rows go
(a ``Sink``: batches for generation, the database at once for a write), in the moment a
transaction's status is judged at (the window's end, or its own creation), and in whether
it is swept into a payout (generation keeps a ``PayoutBook``; the sandbox makes no payouts
after start-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from . import objects
from .ids import IdMaker
from .objects import FeeLine, Obj
from .settlement import Money, Settlement

DAY = 86_400

Row = tuple[Any, ...]


def available_on(created: int) -> int:
    """Card funds become available two days after the charge, at 00:00 UTC."""
    return (created // DAY + 2) * DAY


def is_business_day(day: int) -> bool:
    """Monday to Friday; ``day`` counts days since 1970-01-01, a Thursday."""
    return (day + 3) % 7 < 5


def business_days_after(moment: int, count: int) -> int:
    """The same time of day ``count`` business days after ``moment``."""
    day, rest = divmod(moment, DAY)
    while count > 0:
        day += 1
        count -= is_business_day(day)
    return day * DAY + rest


class Sink(Protocol):
    """Where the rows of one dataset go."""

    ds: int

    def add(self, table: str, row: Row) -> None: ...

    def add_balance(self, currency: str, available_on: int, net: int) -> None: ...


class PayoutBook(Protocol):
    def assign(self, available_on: int, currency: str, net: int) -> str | None:
        """The payout that will sweep funds available at ``available_on``, if any."""
        ...


@dataclass
class Ledger:
    sink: Sink
    ids: IdMaker
    settlement: Settlement
    livemode: bool
    # Generation judges status as of the window's end; a write as of its own creation.
    as_of: int | None = None
    book: PayoutBook | None = None

    def record(
        self,
        created: int,
        money: Money,
        *,
        fees: Sequence[FeeLine],
        type_: str,
        category: str,
        source: str,
        description: str | None,
        available: int | None = None,
    ) -> Obj:
        """Write a balance transaction and return it (disputes embed theirs)."""
        avail = available_on(created) if available is None else available
        fee = 0
        for amount, _ in fees:
            fee += amount
        net = money.amount - fee
        payout: str | None = None
        if type_ == "payout":
            payout = source
        elif self.book is not None:
            payout = self.book.assign(avail, money.currency, net)
        as_of = created if self.as_of is None else self.as_of
        obj = objects.balance_transaction(
            self.ids.make("txn"),
            created,
            amount=money.amount,
            currency=money.currency,
            fee=fee,
            fees=fees,
            type=type_,
            reporting_category=category,
            source=source,
            available_on=avail,
            status="available" if avail <= as_of else "pending",
            description=description,
            exchange_rate=money.exchange_rate,
        )
        self.sink.add_balance(money.currency, avail, net)
        self.sink.add(
            "balance_transactions",
            (
                self.sink.ds,
                created,
                obj["id"],
                type_,
                source,
                money.currency,
                payout,
                orjson.dumps(obj),
            ),
        )
        return obj
