"""Breakdown values in Stripe's own words, and one colour per value everywhere.

Stripe sends machine values (``eftpos_au``, ``requested_by_customer``); its Dashboard
shows "eftpos Australia" and "Requested by customer", and so does Chartivo. A value
Chartivo does not know yet is shown as Stripe sent it, made readable.

Colours follow the value, not its place in a chart: Visa has the same colour in every
chart, currency and card, so a reader never has to re-learn a legend.
"""

from __future__ import annotations

from zlib import crc32

_WORDS: dict[str, dict[str, str]] = {
    "brand": {
        "amex": "American Express",
        "cartes_bancaires": "Cartes Bancaires",
        "diners": "Diners Club",
        "discover": "Discover",
        "eftpos_au": "eftpos Australia",
        "interac": "Interac",
        "jcb": "JCB",
        "link": "Link",
        "mastercard": "Mastercard",
        "unionpay": "UnionPay",
        "visa": "Visa",
        "unknown": "Unknown",
        "": "No card",
    },
    "status": {
        "succeeded": "Succeeded",
        "pending": "Pending",
        "failed": "Failed",
        "canceled": "Canceled",
        "requires_action": "Requires action",
        "warning_needs_response": "Inquiry: needs response",
        "warning_under_review": "Inquiry: under review",
        "warning_closed": "Inquiry: closed",
        "needs_response": "Needs response",
        "under_review": "Under review",
        "won": "Won",
        "lost": "Lost",
        "prevented": "Prevented",
    },
    "reason": {
        "duplicate": "Duplicate",
        "fraudulent": "Fraudulent",
        "requested_by_customer": "Requested by customer",
        "expired_uncaptured_charge": "Expired uncaptured charge",
        "bank_cannot_process": "Bank cannot process",
        "check_returned": "Check returned",
        "credit_not_processed": "Credit not processed",
        "customer_initiated": "Customer initiated",
        "debit_not_authorized": "Debit not authorized",
        "general": "General",
        "incorrect_account_details": "Incorrect account details",
        "insufficient_funds": "Insufficient funds",
        "noncompliant": "Noncompliant",
        "product_not_received": "Product not received",
        "product_unacceptable": "Product unacceptable",
        "subscription_canceled": "Subscription canceled",
        "unrecognized": "Unrecognized",
        "": "No reason given",
    },
    "category": {
        "charge": "Charges",
        "refund": "Refunds",
        "dispute": "Disputes",
        "dispute_reversal": "Dispute reversals",
        "partial_capture_reversal": "Partial capture reversals",
        "refund_failure": "Refund failures",
        "payout": "Payouts",
        "payout_reversal": "Payout reversals",
        "fee": "Stripe fees",
        "transfer": "Transfers",
        "other_adjustment": "Other adjustments",
    },
}

PALETTE_SIZE = 12
OTHER_COLOUR = -1  # "Other" (the values beyond the leaders) is drawn in grey
# The values people see most get colours of their own, fixed and far apart.
_FIXED: dict[str, dict[str, int]] = {
    "brand": {"visa": 0, "mastercard": 3, "amex": 1, "discover": 2, "jcb": 4, "unionpay": 5},
    "status": {"succeeded": 2, "failed": 4, "pending": 3, "won": 2, "lost": 4},
    "": {"": 0, "gross": 0, "net": 1, "fees": 3},
}


def value_name(breakdown_key: str, value: str) -> str:
    known = _WORDS.get(breakdown_key, {})
    if value in known:
        return known[value]
    if not value:
        return "None"
    return value.replace("_", " ").capitalize()


def colour_of(breakdown_key: str, value: str) -> int:
    """The palette index of a series value: fixed for common values, else from the value
    itself (the same in every process, unlike ``hash``)."""
    fixed = _FIXED.get(breakdown_key, {})
    if value in fixed:
        return fixed[value]
    return crc32(f"{breakdown_key}:{value}".encode()) % PALETTE_SIZE
