"""Stripe-shaped objects (API version 2023-08-16), as plain dicts ready for orjson.

One builder per object; generation and API writes both build objects only through these.
Field sets and nesting follow Stripe's example objects limited to the fields the
2023-08-16 schema defines; keys come ``id``, ``object``, then alphabetical, as Stripe sends
them.
"""

from .account import account, bank_account
from .base import API_VERSION, Obj, list_object
from .customers import customer
from .disputes import NETWORK_REASON, dispute
from .events import event
from .money import FeeLine, balance, balance_transaction, fee_details, payout
from .payments import (
    BANK_DEBITS,
    CARD,
    DECLINES,
    SEPA_DEBIT,
    US_BANK_ACCOUNT,
    bank_debit_method,
    card,
    card_method,
    charge,
    method_of,
    outcome,
    refund,
)

__all__ = [
    "API_VERSION",
    "BANK_DEBITS",
    "CARD",
    "DECLINES",
    "NETWORK_REASON",
    "SEPA_DEBIT",
    "US_BANK_ACCOUNT",
    "FeeLine",
    "Obj",
    "account",
    "balance",
    "balance_transaction",
    "bank_account",
    "bank_debit_method",
    "card",
    "card_method",
    "charge",
    "customer",
    "dispute",
    "event",
    "fee_details",
    "list_object",
    "method_of",
    "outcome",
    "payout",
    "refund",
]
