"""Currency rules: minor units, conversion of generated amounts, and processing fees."""

from __future__ import annotations

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

# Currencies a charge may be created in through the API. Stripe accepts ~135; this is the
# subset the sandbox knows the decimals of, which is all it needs to validate amounts.
SUPPORTED = frozenset(
    [
        "usd",
        "eur",
        "gbp",
        "jpy",
        "kwd",
        "cad",
        "aud",
        "chf",
        "sek",
        "nok",
        "dkk",
        "pln",
        "czk",
        "huf",
        "ron",
        "bgn",
        "nzd",
        "sgd",
        "hkd",
        "mxn",
        "brl",
        "inr",
        "krw",
        "bhd",
        "jod",
        "omr",
        "tnd",
        "clp",
        "vnd",
        "isk",
    ]
)

# How many minor units one US dollar (major) is worth, for turning a generated "spend" into an
# amount in each currency. Rough 2025 rates: the figures only need a realistic spread.
_PER_USD = {
    "usd": 1.0,
    "eur": 0.92,
    "gbp": 0.79,
    "jpy": 150.0,
    "kwd": 0.307,
    "cad": 1.36,
}

# Stripe's standard card pricing per currency: (basis points, fixed part in minor units).
_PRICING = {
    "usd": (290, 30),
    "eur": (150, 25),
    "gbp": (150, 20),
    "jpy": (360, 0),
    "kwd": (290, 100),
    "cad": (290, 30),
}

# The fee Stripe charges when a dispute is opened (refunded when the dispute is won, as in the US).
_DISPUTE_FEE = {"usd": 1500, "eur": 1500, "gbp": 2000, "jpy": 1500, "kwd": 5000, "cad": 1500}

# Smallest charge Stripe accepts, in minor units (Stripe's documented minimums).
_MINIMUM = {"usd": 50, "eur": 50, "gbp": 30, "jpy": 50, "cad": 50, "kwd": 100}


def decimals(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def round_minor(amount: int, currency: str) -> int:
    """Three-decimal currencies must end in 0 (Stripe rejects anything else)."""
    if currency in THREE_DECIMAL:
        return round(amount / 10.0) * 10
    return amount


def from_usd(usd_major: float, currency: str) -> int:
    major = usd_major * _PER_USD[currency]
    minor = round(major * 10 ** decimals(currency))
    return max(round_minor(minor, currency), minimum(currency))


def minimum(currency: str) -> int:
    return _MINIMUM.get(currency, 50 if decimals(currency) != 3 else 100)


def processing_fee(amount: int, currency: str) -> int:
    bps, fixed = _PRICING.get(currency, (290, 30))
    return round_minor(round(amount * bps / 10_000) + fixed, currency)


def dispute_fee(currency: str) -> int:
    return _DISPUTE_FEE.get(currency, 1500)
