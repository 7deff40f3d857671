"""What writes accept: Stripe's test tokens, reasons, and the form parameters' types."""

from __future__ import annotations

from stripe_sandbox import errors
from stripe_sandbox.objects import Obj

# Test tokens that succeed: brand, last4, funding, country.
TOKENS = {
    "tok_visa": ("visa", "4242", "credit", "US"),
    "tok_visa_debit": ("visa", "5556", "debit", "US"),
    "tok_mastercard": ("mastercard", "4444", "credit", "US"),
    "tok_mastercard_debit": ("mastercard", "8210", "debit", "US"),
    "tok_mastercard_prepaid": ("mastercard", "5100", "prepaid", "US"),
    "tok_amex": ("amex", "8431", "credit", "US"),
    "tok_discover": ("discover", "1117", "credit", "US"),
    "tok_diners": ("diners", "0004", "credit", "US"),
    "tok_jcb": ("jcb", "0505", "credit", "JP"),
    "tok_unionpay": ("unionpay", "0005", "credit", "CN"),
    "tok_gb": ("visa", "0002", "credit", "GB"),
    "tok_de": ("visa", "0000", "credit", "DE"),
    "tok_jp": ("visa", "0003", "credit", "JP"),
    "tok_cartes_bancaires": ("cartes_bancaires", "1001", "credit", "FR"),
    "tok_eftpos_au": ("eftpos_au", "0006", "debit", "AU"),
}
# Stripe's decline test tokens: the charge is stored as failed and the API answers 402.
DECLINE_TOKENS = {
    "tok_chargeDeclined": "generic_decline",
    "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "tok_chargeDeclinedLostCard": "lost_card",
    "tok_chargeDeclinedExpiredCard": "expired_card",
    "tok_chargeDeclinedIncorrectCvc": "incorrect_cvc",
    "tok_chargeDeclinedProcessingError": "processing_error",
}
# Sandbox convention (not a Stripe token): the charge is created `pending` and stays so
# until POST /_sandbox/charges/{id}/succeed.
PENDING_TOKEN = "tok_sandbox_pending"  # noqa: S105 - a test token name

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
DISPUTE_REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
OPEN_DISPUTE = ("needs_response", "under_review", "warning_needs_response", "warning_under_review")


def optional_str(params: Obj, name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise errors.invalid_request(f"Invalid string: {value!r}", param=name)
    return value


def required_str(params: Obj, name: str) -> str:
    value = optional_str(params, name)
    if value is None:
        raise errors.missing_parameter(name)
    return value


def positive_int(params: Obj, name: str) -> int:
    value = required_str(params, name)
    try:
        number = int(value)
    except ValueError:
        raise errors.invalid_integer(name, value) from None
    if number <= 0:
        raise errors.invalid_request("Invalid positive integer", param=name)
    return number


def metadata(params: Obj) -> dict[str, str]:
    value = params.get("metadata")
    if value is None or value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise errors.invalid_request(
            "Invalid metadata: must be a hash of strings", param="metadata"
        )
    return {str(k): v for k, v in value.items()}
