"""Money on the account: balance transactions, the balance, and payouts to the bank."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Obj

# A fee line: (amount in the transaction's currency, Stripe's description of it).
FeeLine = tuple[int, str]

PAYOUT_FAILURES = {
    "account_closed": "The bank account has been closed.",
    "no_account": "The bank account details on file are probably incorrect. No bank account "
    "could be located with those details.",
    "could_not_process": "The bank could not process this payout.",
}


def fee_details(fees: Sequence[FeeLine], currency: str) -> list[Obj]:
    """Stripe lists each non-zero fee separately (processing, currency conversion, …)."""
    return [
        {
            "amount": amount,
            "application": None,
            "currency": currency,
            "description": description,
            "type": "stripe_fee",
        }
        for amount, description in fees
        if amount != 0
    ]


def balance_transaction(
    id: str,
    created: int,
    *,
    amount: int,
    currency: str,
    fee: int,
    fees: Sequence[FeeLine],
    type: str,
    reporting_category: str,
    source: str | None,
    available_on: int,
    status: str,
    description: str | None,
    exchange_rate: float | None = None,
) -> Obj:
    """``fee`` is the sum of the ``fees`` lines (the caller has it already)."""
    return {
        "id": id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_on,
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": exchange_rate,
        "fee": fee,
        "fee_details": fee_details(fees, currency),
        "net": amount - fee,
        "reporting_category": reporting_category,
        "source": source,
        "status": status,
        "type": type,
    }


def balance(livemode: bool, available: dict[str, int], pending: dict[str, int]) -> Obj:
    currencies = sorted(set(available) | set(pending)) or ["usd"]

    def amounts(values: dict[str, int]) -> list[Obj]:
        return [
            {
                "amount": values.get(cur, 0),
                "currency": cur,
                "source_types": {"card": values.get(cur, 0)},
            }
            for cur in currencies
        ]

    return {
        "object": "balance",
        "available": amounts(available),
        "livemode": livemode,
        "pending": amounts(pending),
    }


def payout(
    id: str,
    created: int,
    livemode: bool,
    *,
    amount: int,
    currency: str,
    arrival_date: int,
    status: str,
    balance_transaction: str,
    destination: str,
    failure_balance_transaction: str | None = None,
    failure_code: str | None = None,
) -> Obj:
    """An automatic payout. ``reconciliation_status`` is ``completed`` once it has arrived (or
    failed): from then on its balance transactions can be listed with ``?payout=``."""
    return {
        "id": id,
        "object": "payout",
        "amount": amount,
        "arrival_date": arrival_date,
        "automatic": True,
        "balance_transaction": balance_transaction,
        "created": created,
        "currency": currency,
        "description": "STRIPE PAYOUT",
        "destination": destination,
        "failure_balance_transaction": failure_balance_transaction,
        "failure_code": failure_code,
        "failure_message": PAYOUT_FAILURES.get(failure_code or ""),
        "livemode": livemode,
        "metadata": {},
        "method": "standard",
        "original_payout": None,
        "reconciliation_status": "completed" if status in ("paid", "failed") else "in_progress",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": status,
        "type": "bank_account",
    }
