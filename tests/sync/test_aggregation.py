"""Objects in, bucket totals out (chartivo.metrics.aggregation): pure, no database."""

from __future__ import annotations

from typing import Any

from chartivo.integrations.stripe.catalogue import (
    BALANCE_TRANSACTIONS,
    CHARGES,
    CUSTOMERS,
    REFUNDS,
)
from chartivo.metrics.aggregation import AggregateKey, Extractor, bucket_of, fold, split_at

T0 = 1_764_000_000 - 1_764_000_000 % 900  # a bucket boundary


def _charge(created: int, amount: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"ch_{created}_{amount}",
        "object": "charge",
        "created": created,
        "amount": amount,
        "amount_captured": extra.pop("captured", amount),
        "currency": extra.pop("currency", "USD"),
        "status": extra.pop("status", "succeeded"),
        "payment_method_details": {"card": {"brand": extra.pop("brand", "visa")}},
        **extra,
    }


def test_a_charge_is_keyed_by_its_bucket_currency_status_and_brand() -> None:
    key = Extractor(CHARGES).key(_charge(T0 + 899, 500, currency="EUR", brand="amex"))
    assert key == AggregateKey(T0, "eur", "succeeded", "amex")


def test_missing_fields_become_empty_dimensions_and_no_currency_where_there_is_none() -> None:
    charge = _charge(T0, 100)
    charge["payment_method_details"] = None
    assert Extractor(CHARGES).key(charge).dim2 == ""
    assert Extractor(CUSTOMERS).key({"created": T0, "currency": "usd"}).currency == ""


def test_measures_are_summed_and_counted() -> None:
    totals = [0, 0, 0, 0, 0, 0]
    extractor = Extractor(BALANCE_TRANSACTIONS)
    for amount, fee in ((1000, 59), (-200, 0)):
        extractor.add(totals, {"amount": amount, "fee": fee, "net": amount - fee})
    assert totals == [2, 800, 0, 59, 741, 0]


def test_a_charge_without_a_balance_transaction_is_counted_as_unconverted_too() -> None:
    totals = [0] * 6
    extractor = Extractor(CHARGES)
    extractor.add(totals, _charge(T0, 700, captured=0, balance_transaction=None))  # authorised
    extractor.add(totals, _charge(T0, 300, balance_transaction="txn_1"))  # captured: converted
    assert totals == [2, 1000, 300, 0, 0, 700]
    # A failed charge is never converted: nothing pending about it.
    extractor.add(totals, _charge(T0, 90, status="failed", balance_transaction=None))
    assert totals == [3, 1090, 390, 0, 0, 700]
    # Refunds carry no such field to read: nothing is ever unconverted there.
    refund_totals = [0] * 6
    Extractor(REFUNDS).add(refund_totals, {"amount": 50, "balance_transaction": None})
    assert refund_totals[5] == 0


def test_fold_counts_only_the_range_asked_for_and_returns_the_lowest_bucket() -> None:
    objects = [
        _charge(T0 + 2000, 1),
        _charge(T0 + 1000, 2),
        _charge(T0 + 10, 4),
        _charge(T0 - 1, 8),
    ]
    into: dict[AggregateKey, list[int]] = {}
    lowest = fold(Extractor(CHARGES), objects, into, low=T0, high=T0 + 1800)
    assert lowest == T0
    assert {k.bucket: v[1] for k, v in into.items()} == {T0 + 900: 2, T0: 4}


def test_fold_adds_to_what_is_there_and_reports_nothing_for_no_objects() -> None:
    into: dict[AggregateKey, list[int]] = {}
    extractor = Extractor(CHARGES)
    fold(extractor, [_charge(T0, 5)], into, low=T0, high=T0 + 900)
    fold(extractor, [_charge(T0 + 1, 6)], into, low=T0, high=T0 + 900)
    assert list(into.values()) == [[2, 11, 11, 0, 0, 0]]
    assert fold(extractor, [], into, low=T0, high=T0 + 900) is None


def test_split_at_divides_totals_by_bucket() -> None:
    a, b = AggregateKey(T0, "usd", "", ""), AggregateKey(T0 + 900, "usd", "", "")
    above, below = split_at({a: [1, 0, 0, 0, 0, 0], b: [2, 0, 0, 0, 0, 0]}, T0 + 900)
    assert above == {b: [2, 0, 0, 0, 0, 0]} and below == {a: [1, 0, 0, 0, 0, 0]}


def test_buckets_are_15_minutes_of_utc() -> None:
    assert bucket_of(T0 + 899) == T0 and bucket_of(T0 + 900) == T0 + 900
