"""Stripe-shaped objects (API version 2023-08-16), as plain dicts ready for orjson.

Field sets and nesting follow Stripe's example objects (``fixtures3.json``) limited to the
fields the 2023-08-16 schema defines; keys come ``id``, ``object``, then alphabetical, as
Stripe sends them.
"""

from __future__ import annotations

from typing import Any

API_VERSION = "2023-08-16"

Obj = dict[str, Any]

_NULL_ADDRESS: Obj = {
    "city": None,
    "country": None,
    "line1": None,
    "line2": None,
    "postal_code": None,
    "state": None,
}

_EVIDENCE_FIELDS = (  # noqa: SIM905 - a word list reads best as one string
    "access_activity_log billing_address cancellation_policy "
    "cancellation_policy_disclosure cancellation_rebuttal customer_communication "
    "customer_email_address customer_name customer_purchase_ip customer_signature "
    "duplicate_charge_documentation duplicate_charge_explanation duplicate_charge_id "
    "product_description receipt refund_policy refund_policy_disclosure "
    "refund_refusal_explanation service_date service_documentation shipping_address "
    "shipping_carrier shipping_date shipping_documentation shipping_tracking_number "
    "uncategorized_file uncategorized_text"
).split()

# Card network reason codes Stripe shows on disputes, by dispute reason (Visa's codes).
NETWORK_REASON = {
    "fraudulent": "10.4",
    "product_not_received": "13.1",
    "duplicate": "12.6.1",
    "subscription_canceled": "13.2",
    "product_unacceptable": "13.3",
    "credit_not_processed": "13.6",
    "unrecognized": "10.4",
    "general": "13.7",
}

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
}


def customer(
    id: str,
    created: int,
    livemode: bool,
    *,
    name: str | None,
    email: str | None,
    invoice_prefix: str,
    currency: str | None = None,
    description: str | None = None,
    phone: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return {
        "id": id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": created,
        "currency": currency,
        "default_source": None,
        "delinquent": False,
        "description": description,
        "discount": None,
        "email": email,
        "invoice_prefix": invoice_prefix,
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": livemode,
        "metadata": metadata or {},
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
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


def outcome(status: str, risk_score: int, decline_code: str | None = None) -> Obj:
    if status == "failed":
        return {
            "network_status": "declined_by_network",
            "reason": decline_code,
            "risk_level": "normal",
            "risk_score": risk_score,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        }
    return {
        "network_status": "approved_by_network",
        "reason": None,
        "risk_level": "normal",
        "risk_score": risk_score,
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
    card_details: Obj,
    payment_method: str,
    risk_score: int,
    amount_refunded: int = 0,
    disputed: bool = False,
    description: str | None = None,
    billing_name: str | None = None,
    billing_email: str | None = None,
    decline: str | None = None,
    receipt_email: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    failed = status == "failed"
    failure_code = failure_message = decline_code = None
    if failed:
        failure_code, decline_code, failure_message = DECLINES[decline or "generic_decline"]
    return {
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_captured": 0 if failed else amount,
        "amount_refunded": amount_refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": balance_transaction,
        "billing_details": {
            "address": dict(_NULL_ADDRESS),
            "email": billing_email,
            "name": billing_name,
            "phone": None,
        },
        "calculated_statement_descriptor": "CHARTIVO SANDBOX",
        "captured": not failed,
        "created": created,
        "currency": currency,
        "customer": customer,
        "description": description,
        "disputed": disputed,
        "failure_balance_transaction": None,
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
        "payment_method_details": {"card": card_details, "type": "card"},
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


def fee_details(fee: int, currency: str, description: str) -> list[Obj]:
    if fee == 0:
        return []
    return [
        {
            "amount": fee,
            "application": None,
            "currency": currency,
            "description": description,
            "type": "stripe_fee",
        }
    ]


def balance_transaction(
    id: str,
    created: int,
    *,
    amount: int,
    currency: str,
    fee: int,
    type: str,
    reporting_category: str,
    source: str | None,
    available_on: int,
    status: str,
    description: str | None,
    fee_description: str = "Stripe processing fees",
) -> Obj:
    return {
        "id": id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_on,
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": fee_details(fee, currency, fee_description),
        "net": amount - fee,
        "reporting_category": reporting_category,
        "source": source,
        "status": status,
        "type": type,
    }


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


def dispute(
    id: str,
    created: int,
    livemode: bool,
    *,
    amount: int,
    charge: str,
    currency: str,
    status: str,
    reason: str,
    balance_transactions: list[Obj],
    brand: str,
    due_by: int | None,
    is_charge_refundable: bool,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return {
        "id": id,
        "object": "dispute",
        "amount": amount,
        "balance_transactions": balance_transactions,
        "charge": charge,
        "created": created,
        "currency": currency,
        "evidence": dict.fromkeys(_EVIDENCE_FIELDS),
        "evidence_details": {
            "due_by": due_by,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": is_charge_refundable,
        "livemode": livemode,
        "metadata": metadata or {},
        "payment_intent": None,
        "payment_method_details": {
            "card": {
                "brand": brand,
                "network_reason_code": NETWORK_REASON.get(reason, "13.7"),
            },
            "type": "card",
        },
        "reason": reason,
        "status": status,
    }


def event(
    id: str,
    created: int,
    livemode: bool,
    type: str,
    obj: Obj,
    previous_attributes: Obj | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> Obj:
    data: Obj = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": livemode,
        "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
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


def account(id: str, created: int, email: str) -> Obj:
    requirements: Obj = {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }
    return {
        "id": id,
        "object": "account",
        "business_profile": {
            "mcc": "5734",
            "name": "Chartivo Sandbox",
            "product_description": None,
            "support_address": None,
            "support_email": None,
            "support_phone": None,
            "support_url": None,
            "url": None,
        },
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "country": "US",
        "created": created,
        "default_currency": "usd",
        "details_submitted": True,
        "email": email,
        "future_requirements": dict(requirements),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": dict(requirements),
        "settings": {
            "branding": {
                "icon": None,
                "logo": None,
                "primary_color": None,
                "secondary_color": None,
            },
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": True},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": "Chartivo Sandbox", "timezone": "Etc/UTC"},
            "payments": {
                "statement_descriptor": "CHARTIVO SANDBOX",
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
        },
        "tos_acceptance": {"date": created, "ip": None, "user_agent": None},
        "type": "standard",
    }
