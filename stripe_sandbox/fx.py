"""Exchange rates and conversion, as Stripe applies them to a charge settled in another
currency.

Stripe converts at the day's rate of the moment the money moves (a charge when it is
captured, a refund or a dispute on its own day) and rounds to the nearest minor unit, half
up. The sandbox's rates are deterministic: a base rate per currency against the US dollar
(roughly 2025 market rates), moved each UTC day by a smooth drift of a few per cent, so that
two days have different rates and a rerun has the same ones. ``exchange_rate`` is quoted in
major units with six significant digits, as Stripe's are: the charge's amount in major units
times ``exchange_rate`` is the settled amount in major units.
"""

from __future__ import annotations

import hashlib
import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from .currencies import THREE_DECIMAL, decimals

DAY = 86_400

# Units of each currency one US dollar buys: the base the daily rates drift around.
PER_USD = {
    "usd": 1.0,
    "eur": 0.92,
    "gbp": 0.79,
    "jpy": 150.0,
    "kwd": 0.307,
    "cad": 1.36,
    "aud": 1.52,
    "chf": 0.88,
    "sek": 10.5,
    "nok": 10.6,
    "dkk": 6.86,
    "pln": 3.98,
    "czk": 23.1,
    "huf": 360.0,
    "ron": 4.57,
    "bgn": 1.80,
    "nzd": 1.66,
    "sgd": 1.35,
    "hkd": 7.82,
    "mxn": 17.1,
    "brl": 5.0,
    "inr": 83.2,
    "krw": 1330.0,
    "bhd": 0.376,
    "jod": 0.709,
    "omr": 0.385,
    "tnd": 3.1,
    "clp": 940.0,
    "vnd": 24500.0,
    "isk": 138.0,
}


def _unit(material: str) -> float:
    """A number in [0, 1) that depends only on ``material``."""
    digest = hashlib.blake2b(material.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@lru_cache(maxsize=65_536)
def _drift(currency: str, day: int) -> float:
    """How far a currency's dollar rate sits from its base on a UTC day (about ±4 %)."""
    if currency == "usd":
        return 1.0
    slow = 0.025 * math.sin(2 * math.pi * (day / 97.0 + _unit(f"slow|{currency}")))
    fast = 0.01 * math.sin(2 * math.pi * (day / 23.0 + _unit(f"fast|{currency}")))
    noise = 0.004 * (_unit(f"day|{currency}|{day}") - 0.5)
    return 1.0 + slow + fast + noise


@lru_cache(maxsize=65_536)
def rate(source: str, target: str, day: int) -> Decimal:
    """Major units of ``target`` per major unit of ``source`` on a UTC day (day number since
    the epoch), six significant digits."""
    value = (PER_USD[target] * _drift(target, day)) / (PER_USD[source] * _drift(source, day))
    return Decimal(f"{value:.6g}")


def round_minor(value: Decimal, currency: str) -> int:
    """Stripe's rounding: to the nearest minor unit, half up; a three-decimal currency to a
    multiple of 10 (its last digit is always 0)."""
    if currency in THREE_DECIMAL:
        return int((value / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 10
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def convert(amount: int, source: str, target: str, when: int) -> tuple[int, Decimal]:
    """``amount`` (minor units of ``source``, any sign) in minor units of ``target`` at the
    rate of ``when``'s UTC day, and that rate."""
    quoted = rate(source, target, when // DAY)
    minor = Decimal(abs(amount)).scaleb(decimals(target) - decimals(source)) * quoted
    converted = round_minor(minor, target)
    return (converted if amount >= 0 else -converted), quoted


@lru_cache(maxsize=1024)
def scaled(amount_usd_major: float, currency: str) -> int:
    """A US-dollar figure (a fee cap, say) in minor units of ``currency`` at the base rate."""
    minor = Decimal(str(amount_usd_major * PER_USD[currency])).scaleb(decimals(currency))
    return round_minor(minor, currency)
