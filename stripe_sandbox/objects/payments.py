"""Charges, the payment methods behind them, and refunds.

Field sets follow Stripe's example objects limited to what the 2023-08-16 schema defines;
keys come ``id``, ``object``, then alphabetical, as Stripe sends them.
"""

from __future__ import annotations

from .base import NULL_ADDRESS, Obj

CARD = "card"
US_BANK_ACCOUNT = "us_bank_account"
SEPA_DEBIT = "sepa_debit"
BANK_DEBITS = (US_BANK_ACCOUNT, SEPA_DEBIT)

DECLINES = {
    # code -> (charge.failure_code, decline_code, message)
    "generic_decline": ("card_declined", "generic_decline", "Your card was declined."),
    "insufficient_funds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "lost_card": ("card_declined", "lost_card", "Your card was declined."),
    "do_not_honor": ("card_declined", "do_not_honor", "Your card was declined."),
    "expired_card": ("expired_card", "expired_card", "Your card has expired."),
    "incorrect_cvc": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    "processing_error": (
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    # A bank debit that the customer's bank returns days after it was submitted.
    "bank_insufficient_funds": (
        "insufficient_funds",
        None,
        "The customer's account has insufficient funds to cover this payment.",
    ),
    "bank_account_closed": ("account_closed", None, "The customer's bank account has been closed."),
}


def card(
    *,
    brand: str,
    last4: str,
    exp_month: int,
    exp_year: int,
    country: str,
    funding: str,
    fingerprint: str,
    cvc_check: str | None,
) -> Obj:
    return {
        "brand": brand,
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": "pass" if cvc_check == "pass" else None,
            "cvc_check": cvc_check,
        },
        "country": country,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "fingerprint": fingerprint,
        "funding": funding,
        "installments": None,
        "last4": last4,
        "mandate": None,
        "network": brand if brand not in ("link", "unknown") else "visa",
        "network_token": {"used": False},
        "three_d_secure": None,
        "wallet": None,
    }


def card_method(details: Obj) -> Obj:
    """``payment_method_details`` of a card charge."""
    return {"card": details, "type": CARD}


def bank_debit_method(kind: str, *, fingerprint: str, last4: str, mandate: str) -> Obj:
    """``payment_method_details`` of an ACH (``us_bank_account``) or SEPA debit."""
    if kind == US_BANK_ACCOUNT:
        details: Obj = {
            "account_holder_type": "individual",
            "account_type": "checking",
            "bank_name": "STRIPE TEST BANK",
            "fingerprint": fingerprint,
            "last4": last4,
            "routing_number": "110000000",
        }
    else:
        details = {
            "bank_code": "37040044",
            "branch_code": "",
            "country": "DE",
            "fingerprint": fingerprint,
            "last4": last4,
            "mandate": mandate,
        }
    return {kind: details, "type": kind}


def outcome(status: str, risk_score: int | None, decline_code: str | None = None) -> Obj:
    """Radar's verdict; bank debits are not scored (``risk_level: not_assessed``)."""
    assessed: Obj = (
        {"risk_level": "normal", "risk_score": risk_score}
        if risk_score is not None
        else {"risk_level": "not_assessed"}
    )
    if status == "failed":
        return {
            "network_status": "declined_by_network",
            "reason": decline_code,
            **assessed,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        }
    return {
        "network_status": "approved_by_network",
        "reason": None,
        **assessed,
        "seller_message": "Payment complete.",
        "type": "authorized",
    }


def charge(
    id: str,
    created: int,
    livemode: bool,
    *,
    amount: int,
    currency: str,
    status: str,
    customer: str | None,
    balance_transaction: str | None,
    method_details: Obj,
    payment_method: str,
    risk_score: int | None,
    amount_refunded: int = 0,
    amount_captured: int | None = None,
    disputed: bool = False,
    description: str | None = None,
    billing_name: str | None = None,
    billing_email: str | None = None,
    decline: str | None = None,
    failure_balance_transaction: str | None = None,
    receipt_email: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    """``amount_captured`` defaults to all of a charge that did not fail; a smaller figure is
    a partial capture, 0 an authorisation not captured yet."""
    failed = status == "failed"
    failure_code = failure_message = decline_code = None
    if failed:
        failure_code, decline_code, failure_message = DECLINES[decline or "generic_decline"]
    captured = (0 if failed else amount) if amount_captured is None else amount_captured
    return {
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_captured": captured,
        "amount_refunded": amount_refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": balance_transaction,
        "billing_details": {
            "address": dict(NULL_ADDRESS),
            "email": billing_email,
            "name": billing_name,
            "phone": None,
        },
        "calculated_statement_descriptor": "CHARTIVO SANDBOX",
        "captured": not failed if amount_captured is None else amount_captured > 0,
        "created": created,
        "currency": currency,
        "customer": customer,
        "description": description,
        "disputed": disputed,
        "failure_balance_transaction": failure_balance_transaction,
        "failure_code": failure_code,
        "failure_message": failure_message,
        "fraud_details": {},
        "invoice": None,
        "livemode": livemode,
        "metadata": metadata or {},
        "on_behalf_of": None,
        "outcome": outcome(status, risk_score, decline_code),
        "paid": status == "succeeded",
        "payment_intent": None,
        "payment_method": payment_method,
        "payment_method_details": method_details,
        "radar_options": {},
        "receipt_email": receipt_email,
        "receipt_number": None,
        "receipt_url": None
        if failed
        else f"https://pay.stripe.com/receipts/payment/{id.removeprefix('ch_')}",
        "refunded": amount_refunded >= amount and amount_refunded > 0,
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }


def method_of(charge_obj: Obj) -> str:
    """``card``, ``us_bank_account`` or ``sepa_debit``."""
    return str(charge_obj["payment_method_details"]["type"])


def refund(
    id: str,
    created: int,
    *,
    amount: int,
    charge: str,
    currency: str,
    status: str,
    reason: str | None,
    balance_transaction: str | None,
    failure_balance_transaction: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    obj: Obj = {
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": balance_transaction,
        "charge": charge,
        "created": created,
        "currency": currency,
        "metadata": metadata or {},
        "payment_intent": None,
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }
    if status == "failed":
        obj["failure_balance_transaction"] = failure_balance_transaction
        obj["failure_reason"] = "expired_or_canceled_card"
    return obj
