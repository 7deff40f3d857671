"""Where one dataset's generated rows go: batched inserts, the balance by day, and the
payouts that will sweep each day's funds."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from stripe_sandbox import ids
from stripe_sandbox.ledger import DAY, Ledger, Row
from stripe_sandbox.settlement import Settlement
from stripe_sandbox.store import Store

# Rows per insert. orjson's bytes keep a buffer of at least 4 KB whatever their length, so
# a pending row costs 4-8 KB until it is written: 2,000 rows a table keep generation's
# memory small, and inserting more at a time is not measurably faster.
BATCH = 2_000
# Each day's available funds are paid out three hours after they become available.
PAYOUT_DELAY = 3 * 3600
# Events are kept for 30 days: generated history has events for its last 30 days only.
EVENT_DAYS = 30


@dataclass(frozen=True)
class Spec:
    seed: str
    charges: int
    days: float
    end: int
    # None: every charge settles in its own currency (see ``settlement``).
    settlement_currencies: tuple[str, ...] | None = None


class Output:
    """Accumulates one dataset's rows and writes them in batches. Everything is drawn from
    one generator seeded by ``seed|mode``, in a fixed order, so that the same options give
    the same objects."""

    def __init__(
        self, store: Store, ds: int, livemode: bool, tag: str, account: str, spec: Spec
    ) -> None:
        self.store = store
        self.ds = ds
        self.livemode = livemode
        self.spec = spec
        self.account = account
        self.mode = "live" if livemode else "test"
        self.rng = random.Random(f"{spec.seed}|{self.mode}")
        self.ids = ids.IdMaker(tag, self.rng)
        self.tag = tag
        self.settlement = Settlement(spec.settlement_currencies)
        self.ledger = Ledger(self, self.ids, self.settlement, livemode, as_of=spec.end, book=self)
        self.pending: dict[str, list[Row]] = defaultdict(list)
        self.balance: dict[tuple[str, int], int] = defaultdict(int)
        self.payouts: dict[tuple[int, str], int] = defaultdict(int)
        self.counts: dict[str, int] = defaultdict(int)
        self._payout_ids: dict[tuple[int, str], str] = {}

    @property
    def faithful(self) -> bool:
        """Stripe's full money model: settlement currencies, bank debits, later captures,
        payout failures and the events of the last 30 days."""
        return self.settlement.converts

    @property
    def events_since(self) -> int:
        return self.spec.end - EVENT_DAYS * DAY

    # -- Sink -----------------------------------------------------------------------------

    def add(self, table: str, row: Row) -> None:
        rows = self.pending[table]
        rows.append(row)
        self.counts[table] += 1
        if len(rows) >= BATCH:
            self.flush(table)

    def add_balance(self, currency: str, available_on: int, net: int) -> None:
        self.balance[(currency, available_on)] += net

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending[name]
            if rows:
                self.store.insert(name, rows)
                rows.clear()

    # -- PayoutBook -----------------------------------------------------------------------

    def payout_id(self, day: int, currency: str) -> str:
        """Known before the payout is made (its transactions name it), so derived."""
        key = (day, currency)
        found = self._payout_ids.get(key)
        if found is None:
            material = f"{self.spec.seed}|{self.mode}|{day}|{currency}"
            tail = ids.digest_chars(material, 13)
            found = self._payout_ids[key] = f"po_1{tail[:5]}{self.tag}{tail[5:]}"
        return found

    def assign(self, available_on: int, currency: str, net: int) -> str | None:
        if available_on + PAYOUT_DELAY > self.spec.end:
            return None
        self.payouts[(available_on, currency)] += net
        return self.payout_id(available_on, currency)
