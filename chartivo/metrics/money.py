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

import functools
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_symbol

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


# --- In the reader's locale ------------------------------------------------------------------
# People read money as their locale writes it: "$1,234.50" in the US, "1.234,50 $" in
# Germany, "US$1,234.50" in Canada, with CLDR's symbols (through Babel). The symbol is the
# locale's for the currency — where "$" alone would be ambiguous in that locale CLDR gives
# "US$" or "CA$". The decimals stay Stripe's (see above), never CLDR's: ISK keeps two.
# Pages render with these styles and hand the same styles to the page's script, so that a
# tooltip and a table can never spell one number two ways.

DEFAULT_LOCALE = "en_US"


@dataclass(frozen=True)
class NumberStyle:
    """How a locale writes a number, or one currency's amounts."""

    prefix: str
    suffix: str
    negative_prefix: str
    negative_suffix: str
    group: str
    decimal: str
    grouping: tuple[int, int]  # the first group from the right, then every other


@functools.lru_cache(maxsize=256)
def reader_locale(accept_language: str) -> str:
    """The first locale of an ``Accept-Language`` header that CLDR knows, else en_US."""
    tags = []
    for index, part in enumerate(accept_language.split(",")[:12]):
        tag, _, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        if tag and tag != "*":
            tags.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(tags):
        try:
            locale = Locale.parse(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
        if locale.territory is None:  # "en" alone: its most common country's conventions
            locale = Locale.parse(_LIKELY.get(locale.language, tag), sep="-")
        return str(locale)
    return DEFAULT_LOCALE


_LIKELY = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "pt": "pt-BR"}


def _spaced(text: str, symbol: str, *, before_number: bool) -> str:
    filled = text.replace("¤", symbol)
    # CLDR's currency spacing: a symbol made of letters is kept off the digits.
    if before_number and filled and filled[-1].isalpha():
        return filled + "\u00a0"
    if not before_number and filled and filled[0].isalpha():
        return "\u00a0" + filled
    return filled


@functools.lru_cache(maxsize=1024)
def number_style(locale_name: str, currency: str = "") -> NumberStyle:
    """``locale_name``'s way of writing amounts of ``currency`` (plain numbers without)."""
    locale = Locale.parse(locale_name)
    symbols = locale.number_symbols.get("latn") or locale.number_symbols
    minus = str(symbols.get("minusSign", "-"))
    pattern = locale.currency_formats["standard"] if currency else locale.decimal_formats[None]
    symbol = get_currency_symbol(currency.upper(), locale) if currency else ""
    prefix, negative_prefix = (p.replace("-", minus) for p in pattern.prefix)
    suffix, negative_suffix = (s.replace("-", minus) for s in pattern.suffix)
    if negative_prefix == prefix and negative_suffix == suffix:
        negative_prefix = minus + prefix
    primary, secondary = pattern.grouping
    return NumberStyle(
        prefix=_spaced(prefix, symbol, before_number=True),
        suffix=_spaced(suffix, symbol, before_number=False),
        negative_prefix=_spaced(negative_prefix, symbol, before_number=True),
        negative_suffix=_spaced(negative_suffix, symbol, before_number=False),
        group=str(symbols.get("group", ",")),
        decimal=str(symbols.get("decimal", ".")),
        grouping=(int(primary), int(secondary) if 0 < secondary < 100 else int(primary)),
    )


def _grouped(whole: int, style: NumberStyle) -> str:
    digits = str(whole)
    primary, secondary = style.grouping
    if len(digits) <= primary:
        return digits
    head, tail = digits[:-primary], [digits[-primary:]]
    while len(head) > secondary:
        tail.insert(0, head[-secondary:])
        head = head[:-secondary]
    return style.group.join([head, *tail])


def _styled(negative: bool, whole: int, fraction: str, style: NumberStyle) -> str:
    number = _grouped(whole, style) + (style.decimal + fraction if fraction else "")
    if negative:
        return f"{style.negative_prefix}{number}{style.negative_suffix}"
    return f"{style.prefix}{number}{style.suffix}"


def format_money(amount_minor: int, currency: str, locale_name: str = DEFAULT_LOCALE) -> str:
    """An exact amount as the reader's locale writes it: ``"$1,234.50"``, ``"¥1,234"``."""
    sign, whole, fraction = _split(amount_minor, currency)
    return _styled(sign == "-", whole, fraction, number_style(locale_name, currency.upper()))


def format_number(value: int, locale_name: str = DEFAULT_LOCALE) -> str:
    return _styled(value < 0, abs(value), "", number_style(locale_name))


def format_percent(
    numerator: int, denominator: int, locale_name: str = DEFAULT_LOCALE, *, decimals: int = 1
) -> str:
    """``numerator / denominator`` as a percentage, rounded half up from exact integers."""
    scaled = numerator * 100 * 10**decimals
    quotient, remainder = divmod(abs(scaled), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    whole, fraction = divmod(quotient, 10**decimals)
    text = _styled(
        scaled < 0 and quotient > 0,
        whole,
        f"{fraction:0{decimals}d}" if decimals else "",
        number_style(locale_name),
    )
    return f"{text}%"


def style_json(style: NumberStyle) -> dict[str, object]:
    """The style for the page's script (static/js/format.js applies it identically)."""
    return {
        "prefix": style.prefix,
        "suffix": style.suffix,
        "negativePrefix": style.negative_prefix,
        "negativeSuffix": style.negative_suffix,
        "group": style.group,
        "decimal": style.decimal,
        "grouping": list(style.grouping),
    }
