"""Which currency an account's money settles in, at what amount, and what Stripe keeps.

Two models:

- **Settlement currencies given** (``Settlement(("usd",))``, Stripe's real model): a charge
  in one of the account's settlement currencies settles as itself; any other is converted
  to the account's default (first) settlement currency at the day's rate (``fx``), and its
  balance transaction carries the converted ``amount``, ``fee`` and ``net``, the
  ``exchange_rate``, and ``fee_details`` in the settlement currency: the processing fee by
  the account's price list on the converted amount, plus Stripe's currency conversion fee
  (1 % for a US-dollar account, 2 % elsewhere). Fees round half up, as Stripe's do.
- **No settlement currencies** (``Settlement(None)``): every charge settles in its own
  currency with no conversion, and fees follow the sandbox's first price list and its
  rounding unchanged, so that data generated before settlement currencies existed is
  generated identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from . import currencies, fx
from .objects import CARD, FeeLine

PROCESSING = "Stripe processing fees"
CONVERSION = "Stripe currency conversion fee"

# Card pricing by settlement currency (the account's country): basis points and a fixed part
# in minor units; others pay 2.9 % plus the equivalent of 30 US cents.
_CARD_PRICING = {
    "usd": (290, 30),
    "eur": (150, 25),
    "gbp": (150, 20),
    "jpy": (360, 0),
    "cad": (290, 30),
    "aud": (170, 30),
    "chf": (290, 30),
    "sek": (150, 180),
    "dkk": (150, 180),
    "nok": (240, 200),
    "pln": (150, 100),
    "nzd": (270, 30),
    "sgd": (340, 50),
}
# Bank debits (ACH, SEPA): 0.8 % capped at the equivalent of 5 US dollars.
_BANK_DEBIT_BPS = 80
_BANK_DEBIT_CAP_USD = 5.0

_COUNTRY = {
    "usd": "US",
    "eur": "DE",
    "gbp": "GB",
    "jpy": "JP",
    "cad": "CA",
    "aud": "AU",
    "chf": "CH",
    "sek": "SE",
    "dkk": "DK",
    "nok": "NO",
    "pln": "PL",
    "nzd": "NZ",
    "sgd": "SG",
    "hkd": "HK",
    "mxn": "MX",
    "brl": "BR",
    "inr": "IN",
}

# Currencies the sandbox generates charges in; with no settlement currencies, each is one.
GENERATED = ("usd", "eur", "gbp", "jpy", "kwd", "cad")


class Money(NamedTuple):
    """An amount as it lands in the balance: settled amount, currency, and the rate used.
    (A named tuple: one is made for every balance transaction of a million-charge history.)"""

    amount: int
    currency: str
    exchange_rate: float | None = None


def _percent(amount: int, basis_points: int, currency: str) -> int:
    """``amount`` × basis points, rounded half up (three-decimal currencies to a 10)."""
    scaled = abs(amount) * basis_points
    if currency in currencies.THREE_DECIMAL:
        return (scaled + 50_000) // 100_000 * 10
    return (scaled + 5_000) // 10_000


@dataclass(frozen=True)
class Settlement:
    currencies: tuple[str, ...] | None = None

    @property
    def converts(self) -> bool:
        """True for Stripe's model (settlement currencies given)."""
        return self.currencies is not None

    @property
    def default_currency(self) -> str:
        return self.currencies[0] if self.currencies else "usd"

    @property
    def country(self) -> str:
        return _COUNTRY.get(self.default_currency, "US") if self.currencies else "US"

    @property
    def payout_currencies(self) -> tuple[str, ...]:
        """The currencies the account holds a bank account (and a balance) in."""
        return self.currencies if self.currencies else GENERATED

    def currency_for(self, presentment: str) -> str:
        if self.currencies is None or presentment in self.currencies:
            return presentment
        return self.currencies[0]

    def settle(self, amount: int, presentment: str, when: int) -> Money:
        """``amount`` of ``presentment`` as it lands in the balance at ``when``."""
        target = self.currency_for(presentment)
        if target == presentment:
            return Money(amount, presentment)
        converted, quoted = fx.convert(amount, presentment, target, when)
        return Money(converted, target, float(quoted))

    def payment_fees(self, money: Money, method: str) -> list[FeeLine]:
        """What Stripe keeps of a payment that settled as ``money``."""
        if self.currencies is None:
            return [(currencies.processing_fee(money.amount, money.currency), PROCESSING)]
        currency = money.currency
        if method == CARD:
            pricing = _CARD_PRICING.get(currency)
            bps, fixed = pricing if pricing else (290, fx.scaled(0.30, currency))
            processing = _percent(money.amount, bps, currency) + fixed
        else:
            cap = fx.scaled(_BANK_DEBIT_CAP_USD, currency)
            processing = max(1, min(_percent(money.amount, _BANK_DEBIT_BPS, currency), cap))
        fees: list[FeeLine] = [(processing, PROCESSING)]
        if money.exchange_rate is not None:
            conversion_bps = 100 if self.default_currency == "usd" else 200
            fees.insert(0, (_percent(money.amount, conversion_bps, currency), CONVERSION))
        return fees

    def dispute_fee(self, currency: str) -> int:
        return currencies.dispute_fee(currency)
