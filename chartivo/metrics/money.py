"""Exact money: Stripe's integer minor units shown in major units, with no float anywhere.

Stripe sends every amount as an integer in the currency's minor unit. How many decimals
that unit has is Stripe's rule, not ISO 4217's, and it is what matters here because the
integers come from Stripe (https://docs.stripe.com/currencies):

* Zero-decimal (the amount is whole units): the sixteen codes in ``_ZERO_DECIMAL``.
* Three-decimal: BHD JOD KWD OMR TND (Stripe requires the last digit to be 0; the unit is
  still a thousandth, so 5120 KWD-minor is 5.120 KWD).
* Everything else is two-decimal, including Stripe's "special cases":

  - ISK is effectively zero-decimal for charges since 2023, but Stripe kept it
    two-decimal in the API "for backwards compatibility": 100 means 1 krona and amounts
    are multiples of 100. We therefore divide by 100 (showing ``1,000.00 ISK``), which
    is exact; showing ISK without decimals would need a rule that drops digits.
  - HUF (and, per the same table, TWD) can be charged with two decimals; Stripe treats it
    as zero-decimal only for payouts, which must be multiples of 100. The integers we
    chart are still hundredths, so 2 is right.
  - UGX is on Stripe's zero-decimal list: charges, refunds, disputes and balance
    transactions carry whole shillings. Its entry among the special cases concerns
    payouts; as for HUF, that changes what Stripe accepts, not the unit it sends.

An ISO code we do not know defaults to two decimals, which is Stripe's default too.
"""

from __future__ import annotations

from decimal import Decimal

# fmt: off
_ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})
# fmt: on
_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def minor_unit_exponent(currency: str) -> int:
    """Decimals of ``currency``'s minor unit as Stripe counts them (0, 2 or 3)."""
    code = currency.lower()
    # A chart with an amount but no currency is a caller's bug: guessing two decimals
    # would print a plausible but possibly wrong figure, so refuse instead.
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"not a three-letter currency code: {currency!r}")
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def _split(amount_minor: int, currency: str) -> tuple[str, int, str]:
    """Sign, whole major units and the zero-padded fraction digits, by integer arithmetic."""
    exponent = minor_unit_exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**exponent)
    return sign, whole, f"{fraction:0{exponent}d}" if exponent else ""


def to_major(amount_minor: int, currency: str) -> Decimal:
    """``amount_minor`` in major units, exactly (``Decimal("1234.50")`` for 123450 USD)."""
    # Built from the formatted string so that the Decimal keeps the currency's decimals
    # and no context precision (28 digits by default) can round a large amount.
    return Decimal(format_major(amount_minor, currency))


def format_major(amount_minor: int, currency: str) -> str:
    """Plain major units for CSV: ``"1234.50"``, ``"1234"`` (JPY), ``"12.340"`` (KWD)."""
    sign, whole, fraction = _split(amount_minor, currency)
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def format_display(amount_minor: int, currency: str) -> str:
    """Major units for people, grouped by thousands and followed by the ISO code.

    The code, not a symbol, because "$" alone cannot tell USD from CAD or AUD and a chart
    may hold several currencies side by side: ``"1,234.50 USD"``, ``"1,234 JPY"``.
    """
    sign, whole, fraction = _split(amount_minor, currency)
    number = f"{sign}{whole:,}.{fraction}" if fraction else f"{sign}{whole:,}"
    return f"{number} {currency.upper()}"


def format_count(count: int) -> str:
    """A count for people, grouped by thousands like amounts: ``"1,234"``."""
    return f"{count:,}"
