"""Customers and charges, and the refunds and disputes planned for each charge.

The legacy draws (customer, currency, amount, status, brand, card…) happen in a fixed order
that must not change: data generated without settlement currencies stays identical. Stripe's
full model adds one draw per charge after them (bank debit, later capture, or neither).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from stripe_sandbox import currencies, objects
from stripe_sandbox.builders import ChargeRef, charge_row, charge_transaction, customer_row, refund
from stripe_sandbox.builders import payment_failure as bank_return
from stripe_sandbox.ledger import available_on, business_days_after
from stripe_sandbox.objects import CARD, Obj

from . import draws
from .draws import DAY, pick
from .history import History
from .output import Output

# A planned refund: (when, id, charge, currency, amount, status, reason, method).
PlannedRefund = tuple[int, str, str, str, int, str, str | None, str]
# A planned dispute: (when, id, charge, currency, amount, status, reason, brand, closed).
PlannedDispute = tuple[int, str, str, str, int, str, str, str, int]


@dataclass
class Customers:
    times: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class Plans:
    refunds: list[PlannedRefund] = field(default_factory=list)
    disputes: list[PlannedDispute] = field(default_factory=list)


@dataclass(slots=True)
class Draw:
    """One charge's legacy draws."""

    created: int
    charge_id: str
    currency: str
    amount: int
    status: str
    brand: str
    customer: str | None
    name: str | None
    email: str | None
    description: str | None
    decline: str | None
    card: Obj
    risk: int

    @property
    def ref(self) -> ChargeRef:
        return ChargeRef(self.charge_id, self.currency)


def customers(out: Output, history: History | None) -> Customers:
    spec, rng = out.spec, out.rng
    count = 0 if spec.charges == 0 else max(3, round(spec.charges * 0.15))
    window = spec.days * DAY
    start = spec.end - window
    early = round(count * 0.35)
    # A good share signed up before the window: up to twice its length earlier.
    times = sorted(
        [int(start - rng.random() * max(window, DAY) * 2) for _ in range(early)]
        + draws.arrival_times(rng, count - early, start, window)
    )
    found = Customers()
    for n, created in enumerate(times):
        first, last = rng.choice(draws.FIRST_NAMES), rng.choice(draws.LAST_NAMES)
        name = f"{first} {last}"
        email = f"{first}.{last}{n}@example.com".lower()
        obj = objects.customer(
            out.ids.customer(),
            created,
            out.livemode,
            name=name,
            email=email,
            invoice_prefix=out.ids.short(8).upper(),
            currency=pick(rng, draws.CURRENCY) if rng.random() < 0.5 else None,
        )
        out.add("customers", customer_row(out.ds, obj))
        if history is not None:
            history.customer(obj)
        found.times.append(created)
        found.ids.append(obj["id"])
        found.names.append(name)
        found.emails.append(email)
    return found


def _draw(out: Output, found: Customers, created: int) -> Draw:
    rng = out.rng
    currency = pick(rng, draws.CURRENCY)
    spend = min(rng.lognormvariate(3.5, 0.9), 5000.0)
    amount = currencies.from_usd(spend, currency)
    roll = rng.random()
    status = "failed" if roll < 0.03 else "pending" if roll < 0.04 else "succeeded"
    brand = pick(rng, draws.BRAND)
    customer = name = email = None
    index = bisect.bisect_right(found.times, created)
    if index and rng.random() < 0.85:
        chosen = rng.randrange(index)
        customer, name, email = found.ids[chosen], found.names[chosen], found.emails[chosen]
    charge_id = out.ids.make("ch")
    description = rng.choice(draws.DESCRIPTIONS)
    decline = pick(rng, draws.DECLINE) if status == "failed" else None
    card = objects.card(
        brand=brand,
        last4=f"{rng.randrange(10000):04d}",
        exp_month=rng.randrange(1, 13),
        exp_year=2026 + rng.randrange(6),
        country=draws.CARD_COUNTRY[currency],
        funding="credit" if rng.random() < 0.7 else "debit",
        fingerprint=out.ids.short(16),
        cvc_check="fail" if decline == "incorrect_cvc" else "pass",
    )
    return Draw(
        created,
        charge_id,
        currency,
        amount,
        status,
        brand,
        customer,
        name,
        email,
        description,
        decline,
        card,
        rng.randrange(5, 65),
    )


def charges(out: Output, found: Customers, history: History | None) -> Plans:
    spec = out.spec
    plans = Plans()
    window = spec.days * DAY
    for created in draws.arrival_times(out.rng, spec.charges, spec.end - window, window):
        draw = _draw(out, found, created)
        kind = _kind(out, draw) if out.faithful else CARD
        if kind == "delayed":
            obj = _delayed_capture(out, draw, history)
        elif kind != CARD:
            obj = _bank_debit(out, draw, kind, plans, history)
        else:
            obj = _card_charge(out, draw, plans, history)
        out.add("charges", charge_row(out.ds, obj))
    return plans


def _kind(out: Output, draw: Draw) -> str:
    """``card``, ``delayed`` (authorised now, captured later) or a bank debit."""
    roll = out.rng.random()
    bank = draws.BANK_DEBIT.get(draw.currency)
    if bank is not None and roll < bank[1]:
        return bank[0]
    if draw.status == "succeeded" and roll > 1 - draws.DELAYED_CAPTURE_SHARE:
        return "delayed"
    return CARD


def _charge(out: Output, draw: Draw, **details: Any) -> Obj:
    """The charge object, with the draw's fields; ``receipt_email`` is the last draw."""
    rng = out.rng
    details.setdefault("method_details", objects.card_method(draw.card))
    details.setdefault("payment_method", "card_" + draw.charge_id[3:])
    details.setdefault("risk_score", draw.risk)
    details.setdefault("status", draw.status)
    return objects.charge(
        draw.charge_id,
        draw.created,
        out.livemode,
        amount=draw.amount,
        currency=draw.currency,
        customer=draw.customer,
        description=draw.description,
        billing_name=draw.name,
        billing_email=draw.email,
        decline=draw.decline,
        receipt_email=draw.email if draw.email and rng.random() < 0.5 else None,
        **details,
    )


def _card_charge(out: Output, draw: Draw, plans: Plans, history: History | None) -> Obj:
    rng = out.rng
    txn_id: str | None = None
    refunded = 0
    disputed = False
    planned = len(plans.refunds), len(plans.disputes)
    if draw.status == "succeeded":
        txn_id = charge_transaction(
            out.ledger, draw.ref, draw.created, draw.amount, draw.description
        )["id"]
        if rng.random() < 0.05:
            refunded = _plan_refunds(out, plans, draw, draw.created, CARD)
        if refunded < draw.amount and rng.random() < 0.005:
            disputed = _plan_dispute(out, plans, draw, draw.amount - refunded)
    obj = _charge(
        out, draw, balance_transaction=txn_id, amount_refunded=refunded, disputed=disputed
    )
    if history is not None:
        history.card_charge(obj)
        later = [r[0] for r in plans.refunds[planned[0] :]]
        disputed_at = plans.disputes[-1][0] if disputed else None
        history.remember(obj, later, disputed_at)
    return obj


def _delayed_capture(out: Output, draw: Draw, history: History | None) -> Obj:
    """Authorised now, captured within days, often for less: the charge's transaction is
    for the whole authorisation and a ``partial_capture_reversal`` refund gives back the
    rest. Not captured by the window's end: no transaction yet."""
    rng = out.rng
    captured_at = draw.created + int(rng.uniform(3600, 5 * DAY))
    captured = draw.amount
    if rng.random() < 0.6:
        part = currencies.round_minor(int(draw.amount * rng.uniform(0.5, 0.95)), draw.currency)
        captured = max(part, currencies.minimum(draw.currency))
    txn_id: str | None = None
    uncaptured = 0
    if captured_at > out.spec.end:
        captured = 0
    else:
        txn_id = charge_transaction(
            out.ledger, draw.ref, captured_at, draw.amount, draw.description
        )["id"]
        if captured < draw.amount:
            uncaptured = draw.amount - captured
            refund(
                out.ledger,
                refund_id=out.ids.make("re"),
                created=captured_at,
                charge=draw.ref,
                amount=uncaptured,
                status="succeeded",
                reason=None,
                category="partial_capture_reversal",
            )
    obj = _charge(
        out, draw, balance_transaction=txn_id, amount_captured=captured, amount_refunded=uncaptured
    )
    if history is not None:
        history.delayed_capture(obj, captured_at)
    return obj


def _bank_debit(out: Output, draw: Draw, kind: str, plans: Plans, history: History | None) -> Obj:
    """ACH or SEPA: pending while the bank processes it (four business days), then paid or
    returned by the customer's bank (three business days). Its ``payment`` transaction is
    written when the debit is submitted and becomes available once it has settled."""
    end = out.spec.end
    planned = len(plans.refunds)
    ref = ChargeRef(draw.charge_id, draw.currency, kind)
    settles = business_days_after(draw.created, 4)
    returned = business_days_after(draw.created, 3)
    txn = charge_transaction(
        out.ledger, ref, draw.created, draw.amount, draw.description, available_on(settles)
    )
    failure_id: str | None = None
    decline: str | None = None
    refunded = 0
    if draw.status == "failed" and returned <= end:
        status = "failed"
        decline = pick(out.rng, draws.BANK_FAILURE)
        failure_id = bank_return(out.ledger, ref, draw.amount, returned, txn)["id"]
    elif settles <= end and draw.status != "failed":
        status = "succeeded"
        if out.rng.random() < 0.05:
            refunded = _plan_refunds(out, plans, draw, settles, kind)
    else:
        status = "pending"
    draw.decline = decline
    obj = _charge(
        out,
        draw,
        status=status,
        balance_transaction=txn["id"],
        method_details=objects.bank_debit_method(
            kind,
            fingerprint=draw.card["fingerprint"],
            last4=draw.card["last4"],
            mandate="mandate_" + draw.charge_id[3:],
        ),
        payment_method="pm_" + draw.charge_id[3:],
        risk_score=None,
        amount_refunded=refunded,
        failure_balance_transaction=failure_id,
    )
    if history is not None:
        history.bank_debit(obj, settles, returned)
        history.remember(obj, [r[0] for r in plans.refunds[planned:]], None)
    return obj


def _plan_refunds(out: Output, plans: Plans, draw: Draw, since: int, method: str) -> int:
    """Decide a charge's refunds (full, partial, or two partials); returns amount_refunded."""
    rng = out.rng
    amount, currency = draw.amount, draw.currency
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
    when = since
    for value in amounts:
        when += 60 + int(rng.expovariate(1.0 / (3 * DAY)))
        status = pick(rng, draws.REFUND_STATUS)
        reason = pick(rng, draws.REFUND_REASON)
        refund_id = out.ids.make("re")
        if when > out.spec.end or value <= 0:
            continue
        plans.refunds.append(
            (when, refund_id, draw.charge_id, currency, value, status, reason, method)
        )
        if status in ("succeeded", "pending"):
            refunded += value
    return refunded


def _plan_dispute(out: Output, plans: Plans, draw: Draw, amount: int) -> bool:
    rng = out.rng
    end = out.spec.end
    when = draw.created + int(rng.uniform(2, 25) * DAY)
    reason = pick(rng, draws.DISPUTE_REASON)
    age = end - when
    status = pick(rng, draws.DISPUTE_RECENT if age < 7 * DAY else draws.DISPUTE_OLD)
    closed = when + int(rng.uniform(7 * DAY, max(7 * DAY, min(age, 60 * DAY))))
    dispute_id = out.ids.make("dp")
    if when > end:
        return False
    plans.disputes.append(
        (
            when,
            dispute_id,
            draw.charge_id,
            draw.currency,
            amount,
            status,
            reason,
            draw.brand,
            closed,
        )
    )
    return True
