"""Disputes (chargebacks and inquiries)."""

from __future__ import annotations

from .base import Obj

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
