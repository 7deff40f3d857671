# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""Money: Stripe's integer minor units shown exactly, never through a float."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartivo.metrics.money import (
    format_count,
    format_display,
    format_major,
    minor_unit_exponent,
    to_major,
)

ZERO = "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905
THREE = ["BHD", "JOD", "KWD", "OMR", "TND"]
# Stripe's "special cases" stay two-decimal in the API (see money.py's docstring).
TWO = ["USD", "EUR", "GBP", "ISK", "HUF", "TWD", "INR", "MXN", "CHF", "XYZ"]


@pytest.mark.parametrize("code", ZERO)
def test_zero_decimal_currencies(code):
    assert minor_unit_exponent(code.lower()) == 0
    assert minor_unit_exponent(code) == 0


@pytest.mark.parametrize("code", THREE)
def test_three_decimal_currencies(code):
    assert minor_unit_exponent(code.lower()) == 3


@pytest.mark.parametrize("code", TWO)
def test_two_decimal_currencies_and_special_cases(code):
    assert minor_unit_exponent(code.lower()) == 2


@pytest.mark.parametrize("junk", ["", "us", "usdx", "u1d", "ü$d", " usd", "€"])
def test_not_a_currency_code_is_refused(junk):
    with pytest.raises(ValueError, match="currency code"):
        minor_unit_exponent(junk)


@pytest.mark.parametrize(
    ("amount", "currency", "plain", "display"),
    [
        (123450, "usd", "1234.50", "1,234.50 USD"),
        (1234, "jpy", "1234", "1,234 JPY"),
        (12340, "kwd", "12.340", "12.340 KWD"),
        (-50, "usd", "-0.50", "-0.50 USD"),
        (-5, "usd", "-0.05", "-0.05 USD"),
        (0, "usd", "0.00", "0.00 USD"),
        (0, "jpy", "0", "0 JPY"),
        (-1, "jpy", "-1", "-1 JPY"),
        (-10, "bhd", "-0.010", "-0.010 BHD"),
        (-123456789, "eur", "-1234567.89", "-1,234,567.89 EUR"),
        (100000, "isk", "1000.00", "1,000.00 ISK"),
        (1500000, "ugx", "1500000", "1,500,000 UGX"),
        (999, "huf", "9.99", "9.99 HUF"),
    ],
)
def test_formats(amount, currency, plain, display):
    assert format_major(amount, currency) == plain
    assert format_display(amount, currency) == display
    assert to_major(amount, currency) == Decimal(plain)
    assert str(to_major(amount, currency)) == plain  # the currency's decimals are kept


def test_large_amounts_stay_exact():
    # Beyond float's 2**53 and beyond Decimal's default 28-digit context.
    amount = int("12345678901234567890123456789001")
    assert format_major(amount, "usd") == "123456789012345678901234567890.01"
    assert format_major(-amount, "kwd") == "-12345678901234567890123456789.001"
    assert format_display(2**63 - 1, "jpy") == "9,223,372,036,854,775,807 JPY"
    assert to_major(amount, "usd") == Decimal("123456789012345678901234567890.01")  # exact
    assert str(to_major(amount, "usd")) == "123456789012345678901234567890.01"


def test_format_count():
    assert format_count(0) == "0"
    assert format_count(1234567) == "1,234,567"
    assert format_count(-1234) == "-1,234"


CURRENCIES = st.sampled_from([c.lower() for c in ZERO + THREE + TWO])
PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@given(amount=st.integers(min_value=-(10**40), max_value=10**40), currency=CURRENCIES)
def test_every_spelling_is_the_same_exact_number(amount, currency):
    exponent = minor_unit_exponent(currency)
    plain = format_major(amount, currency)
    assert PLAIN.fullmatch(plain)  # no exponent, no float artefacts
    assert len(plain.partition(".")[2]) == exponent
    with localcontext() as ctx:
        ctx.prec = 100
        assert Decimal(plain) * 10**exponent == amount
        assert to_major(amount, currency) == Decimal(amount).scaleb(-exponent)
    number, _, code = format_display(amount, currency).partition(" ")
    assert code == currency.upper()
    assert number.replace(",", "") == plain
