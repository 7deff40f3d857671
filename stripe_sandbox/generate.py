"""Deterministic generated history for one dataset (an account in one mode).

Everything is drawn from one generator seeded by ``seed|mode``, in a fixed order, so the
same seed and options always give the same objects (ids differ only by the account's tag).
State is computed "as of" the window's end: a refund or dispute after the end does not
exist, a balance transaction is ``available`` once its ``available_on`` is past the end.

Money settles in the charge's own currency (no conversion to a settlement currency), and
each day's available funds are paid out per currency three hours after they become
available.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from . import currencies, ids, objects
from .store import Store

DAY = 86_400
PAYOUT_DELAY = 3 * 3600
BATCH = 20_000

_CURRENCIES = (
    ("usd", 0.55),
    ("eur", 0.2),
    ("gbp", 0.12),
    ("jpy", 0.07),
    ("kwd", 0.03),
    ("cad", 0.03),
)
_COUNTRY = {"usd": "US", "eur": "DE", "gbp": "GB", "jpy": "JP", "kwd": "KW", "cad": "CA"}
_BRANDS = (
    ("visa", 0.5),
    ("mastercard", 0.28),
    ("amex", 0.1),
    ("discover", 0.04),
    ("jcb", 0.02),
    ("unionpay", 0.02),
    ("diners", 0.01),
    ("cartes_bancaires", 0.01),
    ("eftpos_au", 0.005),
    ("link", 0.005),
    ("unknown", 0.01),
)
_DECLINES = (
    ("generic_decline", 0.45),
    ("insufficient_funds", 0.25),
    ("do_not_honor", 0.08),
    ("lost_card", 0.04),
    ("expired_card", 0.08),
    ("incorrect_cvc", 0.07),
    ("processing_error", 0.03),
)
_REFUND_STATUS = (("succeeded", 0.92), ("pending", 0.04), ("failed", 0.02), ("canceled", 0.02))
_REFUND_REASON = (
    ("requested_by_customer", 0.5),
    (None, 0.3),
    ("duplicate", 0.1),
    ("fraudulent", 0.1),
)
_DISPUTE_REASON = (
    ("fraudulent", 0.4),
    ("product_not_received", 0.2),
    ("subscription_canceled", 0.1),
    ("duplicate", 0.08),
    ("product_unacceptable", 0.08),
    ("credit_not_processed", 0.06),
    ("unrecognized", 0.04),
    ("general", 0.04),
)
# Open disputes are recent; closed ones are older than a week.
_DISPUTE_STATUS_RECENT = (
    ("needs_response", 0.45),
    ("under_review", 0.25),
    ("warning_needs_response", 0.2),
    ("warning_under_review", 0.1),
)
_DISPUTE_STATUS_OLD = (
    ("won", 0.35),
    ("lost", 0.35),
    ("under_review", 0.08),
    ("warning_closed", 0.12),
    ("needs_response", 0.05),
    ("warning_under_review", 0.05),
)
_DESCRIPTIONS = (None, None, None, "Subscription renewal", "One-off purchase", "Invoice payment")
_FIRST = (  # noqa: SIM905 - a word list reads best as one string
    "Ada Alan Alice Amara Ana Ben Carla Chen Dara David Elena Emil Eva Farah Felix Grace "
    "Hana Hugo Ines Ivan Jana Jon Kai Kemal Lara Leo Lina Luca Maya Mei Nadia Noah Omar "
    "Olga Pablo Priya Quinn Rafael Rosa Sam Sara Sven Tara Theo Uma Victor Wen Yara Yusuf "
    "Zoe"
).split()
_LAST = (  # noqa: SIM905 - a word list reads best as one string
    "Adams Ahmed Alvarez Bauer Berg Chen Costa Dubois Eriksen Fischer Garcia Haddad "
    "Hansen Ito Jensen Kim Kowalski Larsen Lopez Mahmoud Martin Meyer Moreau Nakamura "
    "Novak Okafor Olsen Patel Petrov Quispe Rossi Sato Schmidt Silva Smith Tanaka Weber "
    "Wong Yilmaz Zhang"
).split()


def _weights(table: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    values = [v for v, _ in table]
    cumulative: list[float] = []
    total = 0.0
    for _, weight in table:
        total += weight
        cumulative.append(total)
    return values, [c / total for c in cumulative]


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cumulative = table
    return values[min(bisect.bisect_left(cumulative, rng.random()), len(values) - 1)]


CURRENCY = _weights(_CURRENCIES)
BRAND = _weights(_BRANDS)
DECLINE = _weights(_DECLINES)
REFUND_STATUS = _weights(_REFUND_STATUS)
REFUND_REASON = _weights(_REFUND_REASON)
DISPUTE_REASON = _weights(_DISPUTE_REASON)
DISPUTE_RECENT = _weights(_DISPUTE_STATUS_RECENT)
DISPUTE_OLD = _weights(_DISPUTE_STATUS_OLD)


class TxnMaker(Protocol):
    """Writes a balance transaction and returns it (generation and API writes differ in
    where it goes, not in what it is)."""

    def __call__(
        self,
        created: int,
        *,
        amount: int,
        currency: str,
        fee: int,
        type_: str,
        category: str,
        source: str,
        description: str | None,
        fee_description: str = "Stripe processing fees",
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Spec:
    seed: str
    charges: int
    days: float
    end: int


def available_on(created: int) -> int:
    """Card funds become available two days after the charge, at 00:00 UTC."""
    return (created // DAY + 2) * DAY


def _growth(u: float, growth: float = 0.6) -> float:
    """Inverse CDF of a density rising linearly by `growth` across [0, 1]."""
    return (-1.0 + math.sqrt(1.0 + 2.0 * growth * u * (1.0 + growth / 2.0))) / growth


def _times(rng: random.Random, count: int, start: float, window: float) -> list[int]:
    """`count` sorted arrival times: a growing business, quieter at weekends."""
    out: list[int] = []
    while len(out) < count:
        t = start + window * _growth(rng.random())
        if (int(t) // DAY + 3) % 7 >= 5 and rng.random() < 0.25:
            continue
        out.append(int(t))
    out.sort()
    return out


class _Dataset:
    """Accumulates one dataset's rows and writes them in batches."""

    def __init__(self, store: Store, ds: int, livemode: bool, tag: str, spec: Spec) -> None:
        self.store = store
        self.ds = ds
        self.livemode = livemode
        self.spec = spec
        self.mode = "live" if livemode else "test"
        self.rng = random.Random(f"{spec.seed}|{self.mode}")
        self.ids = ids.IdMaker(tag, self.rng)
        self.tag = tag
        self.pending: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.balance: dict[tuple[str, int], int] = defaultdict(int)
        self.payouts: dict[tuple[int, str], int] = defaultdict(int)
        self.counts: dict[str, int] = defaultdict(int)
        self._payout_ids: dict[tuple[int, str], str] = {}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.pending[table]
        rows.append(row)
        self.counts[table] += 1
        if len(rows) >= BATCH:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending[name]
            if rows:
                self.store.insert(name, rows)
                rows.clear()

    def payout_id(self, day: int, currency: str) -> str:
        """Known before the payout is made (its transactions name it), so derived."""
        key = (day, currency)
        found = self._payout_ids.get(key)
        if found is None:
            material = f"{self.spec.seed}|{self.mode}|{day}|{currency}"
            tail = ids.digest_chars(material, 13)
            found = self._payout_ids[key] = f"po_1{tail[:5]}{self.tag}{tail[5:]}"
        return found

    def txn(
        self,
        created: int,
        *,
        amount: int,
        currency: str,
        fee: int,
        type_: str,
        category: str,
        source: str,
        description: str | None,
        fee_description: str = "Stripe processing fees",
        available: int | None = None,
    ) -> dict[str, Any]:
        """Render and queue a balance transaction; returns it for embedding."""
        end = self.spec.end
        avail = available_on(created) if available is None else available
        payout: str | None = None
        if type_ == "payout":
            payout = source
        elif avail + PAYOUT_DELAY <= end:
            payout = self.payout_id(avail, currency)
            self.payouts[(avail, currency)] += amount - fee
        obj = objects.balance_transaction(
            self.ids.make("txn"),
            created,
            amount=amount,
            currency=currency,
            fee=fee,
            type=type_,
            reporting_category=category,
            source=source,
            available_on=avail,
            status="available" if avail <= end else "pending",
            description=description,
            fee_description=fee_description,
        )
        self.balance[(currency, avail)] += amount - fee
        self.add(
            "balance_transactions",
            (self.ds, created, obj["id"], type_, source, currency, payout, orjson.dumps(obj)),
        )
        return obj


def generate(store: Store, ds: int, livemode: bool, tag: str, spec: Spec) -> dict[str, int]:
    """Write one dataset's history; returns how many objects of each type it made."""
    data = _Dataset(store, ds, livemode, tag, spec)
    customers = _customers(data)
    refunds, disputes = _charges(data, customers)
    data.flush()
    _refunds(data, refunds)
    _disputes(data, disputes)
    _payouts(data)
    data.flush()
    store.add_balance(
        (ds, currency, avail, net) for (currency, avail), net in sorted(data.balance.items())
    )
    return dict(data.counts)


@dataclass
class _Customers:
    times: list[int]
    ids: list[str]
    names: list[str]
    emails: list[str]


def _customers(data: _Dataset) -> _Customers:
    spec, rng = data.spec, data.rng
    count = 0 if spec.charges == 0 else max(3, round(spec.charges * 0.15))
    window = spec.days * DAY
    start = spec.end - window
    early = round(count * 0.35)
    # A good share signed up before the window: up to twice its length earlier.
    times = sorted(
        [int(start - rng.random() * max(window, DAY) * 2) for _ in range(early)]
        + _times(rng, count - early, start, window)
    )
    out = _Customers([], [], [], [])
    for n, created in enumerate(times):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        name = f"{first} {last}"
        email = f"{first}.{last}{n}@example.com".lower()
        customer_id = data.ids.customer()
        obj = objects.customer(
            customer_id,
            created,
            data.livemode,
            name=name,
            email=email,
            invoice_prefix=data.ids.short(8).upper(),
            currency=_pick(rng, CURRENCY) if rng.random() < 0.5 else None,
        )
        data.add("customers", (data.ds, created, customer_id, email, orjson.dumps(obj)))
        out.times.append(created)
        out.ids.append(customer_id)
        out.names.append(name)
        out.emails.append(email)
    return out


def _charges(
    data: _Dataset, customers: _Customers
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    spec, rng, livemode, ds = data.spec, data.rng, data.livemode, data.ds
    end = spec.end
    window = spec.days * DAY
    refunds: list[tuple[Any, ...]] = []
    disputes: list[tuple[Any, ...]] = []
    make_id = data.ids.make
    for created in _times(rng, spec.charges, end - window, window):
        currency = _pick(rng, CURRENCY)
        spend = min(rng.lognormvariate(3.5, 0.9), 5000.0)
        amount = currencies.from_usd(spend, currency)
        roll = rng.random()
        status = "failed" if roll < 0.03 else "pending" if roll < 0.04 else "succeeded"
        brand = _pick(rng, BRAND)
        customer = name = email = None
        index = bisect.bisect_right(customers.times, created)
        if index and rng.random() < 0.85:
            pick = rng.randrange(index)
            customer, name, email = (
                customers.ids[pick],
                customers.names[pick],
                customers.emails[pick],
            )
        charge_id = make_id("ch")
        description = rng.choice(_DESCRIPTIONS)
        decline = _pick(rng, DECLINE) if status == "failed" else None
        card = objects.card(
            brand=brand,
            last4=f"{rng.randrange(10000):04d}",
            exp_month=rng.randrange(1, 13),
            exp_year=2026 + rng.randrange(6),
            country=_COUNTRY[currency],
            funding="credit" if rng.random() < 0.7 else "debit",
            fingerprint=data.ids.short(16),
            cvc_check="fail" if decline == "incorrect_cvc" else "pass",
        )
        risk = rng.randrange(5, 65)
        txn_id: str | None = None
        refunded = 0
        disputed = False
        if status == "succeeded":
            fee = currencies.processing_fee(amount, currency)
            txn_id = data.txn(
                created,
                amount=amount,
                currency=currency,
                fee=fee,
                type_="charge",
                category="charge",
                source=charge_id,
                description=description,
            )["id"]
            if rng.random() < 0.05:
                refunded = _plan_refunds(data, refunds, charge_id, created, amount, currency)
            if refunded < amount and rng.random() < 0.005:
                disputed = _plan_dispute(
                    data, disputes, charge_id, created, amount - refunded, currency, brand
                )
        obj = objects.charge(
            charge_id,
            created,
            livemode,
            amount=amount,
            currency=currency,
            status=status,
            customer=customer,
            balance_transaction=txn_id,
            card_details=card,
            payment_method="card_" + charge_id[3:],
            risk_score=risk,
            amount_refunded=refunded,
            disputed=disputed,
            description=description,
            billing_name=name,
            billing_email=email,
            decline=decline,
            receipt_email=email if email and rng.random() < 0.5 else None,
        )
        data.add("charges", (ds, created, charge_id, customer, orjson.dumps(obj)))
    return refunds, disputes


def _plan_refunds(
    data: _Dataset,
    refunds: list[tuple[Any, ...]],
    charge_id: str,
    created: int,
    amount: int,
    currency: str,
) -> int:
    """Decide a charge's refunds (full, partial, or two partials); returns amount_refunded."""
    rng = data.rng
    kind = rng.random()
    if kind < 0.55:
        amounts = [amount]
    else:
        first = currencies.round_minor(int(amount * rng.uniform(0.1, 0.6)), currency)
        amounts = [first]
        if kind > 0.85:
            amounts.append(
                currencies.round_minor(int((amount - first) * rng.uniform(0.2, 1.0)), currency)
            )
    refunded = 0
    when = created
    for value in amounts:
        when += 60 + int(rng.expovariate(1.0 / (3 * DAY)))
        status = _pick(rng, REFUND_STATUS)
        reason = _pick(rng, REFUND_REASON)
        refund_id = data.ids.make("re")
        if when > data.spec.end or value <= 0:
            continue
        refunds.append((when, refund_id, charge_id, currency, value, status, reason))
        if status in ("succeeded", "pending"):
            refunded += value
    return refunded


def _plan_dispute(
    data: _Dataset,
    disputes: list[tuple[Any, ...]],
    charge_id: str,
    created: int,
    amount: int,
    currency: str,
    brand: str,
) -> bool:
    rng = data.rng
    when = created + int(rng.uniform(2, 25) * DAY)
    reason = _pick(rng, DISPUTE_REASON)
    age = data.spec.end - when
    status = _pick(rng, DISPUTE_RECENT if age < 7 * DAY else DISPUTE_OLD)
    closed = when + int(rng.uniform(7 * DAY, max(7 * DAY, min(age, 60 * DAY))))
    dispute_id = data.ids.make("dp")
    if when > data.spec.end:
        return False
    disputes.append((when, dispute_id, charge_id, currency, amount, status, reason, brand, closed))
    return True


def _refunds(data: _Dataset, refunds: list[tuple[Any, ...]]) -> None:
    refunds.sort()
    end = data.spec.end
    for when, refund_id, charge_id, currency, amount, status, reason in refunds:
        txn_id = failure_id = None
        if status != "canceled":
            txn_id = data.txn(
                when,
                amount=-amount,
                currency=currency,
                fee=0,
                type_="refund",
                category="refund",
                source=refund_id,
                description="REFUND FOR CHARGE",
            )["id"]
        if status == "failed" and when + 6 * 3600 <= end:
            failure_id = data.txn(
                when + 6 * 3600,
                amount=amount,
                currency=currency,
                fee=0,
                type_="refund_failure",
                category="refund_failure",
                source=refund_id,
                description="REFUND FAILURE",
            )["id"]
        obj = objects.refund(
            refund_id,
            when,
            amount=amount,
            charge=charge_id,
            currency=currency,
            status=status,
            reason=reason,
            balance_transaction=txn_id,
            failure_balance_transaction=failure_id,
        )
        data.add("refunds", (data.ds, when, refund_id, charge_id, orjson.dumps(obj)))


def dispute_withdrawal(
    make_txn: TxnMaker, when: int, dispute_id: str, charge_id: str, amount: int, currency: str
) -> dict[str, Any]:
    return make_txn(
        when,
        amount=-amount,
        currency=currency,
        fee=currencies.dispute_fee(currency),
        type_="adjustment",
        category="dispute",
        source=dispute_id,
        description=f"Chargeback withdrawal for {charge_id}",
        fee_description="Dispute fee",
    )


def dispute_reversal(
    make_txn: TxnMaker, when: int, dispute_id: str, charge_id: str, amount: int, currency: str
) -> dict[str, Any]:
    """Won: the amount comes back and, as in the US, so does the dispute fee."""
    return make_txn(
        when,
        amount=amount,
        currency=currency,
        fee=-currencies.dispute_fee(currency),
        type_="adjustment",
        category="dispute_reversal",
        source=dispute_id,
        description=f"Chargeback reversal for {charge_id}",
        fee_description="Dispute fee refund",
    )


def _disputes(data: _Dataset, disputes: list[tuple[Any, ...]]) -> None:
    disputes.sort()
    for when, dispute_id, charge_id, currency, amount, status, reason, brand, closed in disputes:
        txns: list[dict[str, Any]] = []
        inquiry = status.startswith("warning_")
        if not inquiry:
            txns.append(dispute_withdrawal(data.txn, when, dispute_id, charge_id, amount, currency))
            if status == "won":
                txns.append(
                    dispute_reversal(data.txn, closed, dispute_id, charge_id, amount, currency)
                )
        obj = objects.dispute(
            dispute_id,
            when,
            data.livemode,
            amount=amount,
            charge=charge_id,
            currency=currency,
            status=status,
            reason=reason,
            balance_transactions=txns,
            brand=brand,
            due_by=(when // DAY + 8) * DAY - 1,
            is_charge_refundable=inquiry,
        )
        data.add("disputes", (data.ds, when, dispute_id, charge_id, orjson.dumps(obj)))


def _payouts(data: _Dataset) -> None:
    for (avail, currency), net in sorted(data.payouts.items()):
        if net == 0:
            continue
        when = avail + PAYOUT_DELAY
        data.txn(
            when,
            amount=-net,
            currency=currency,
            fee=0,
            type_="payout",
            category="payout",
            source=data.payout_id(avail, currency),
            description="STRIPE PAYOUT",
            available=when,
        )
