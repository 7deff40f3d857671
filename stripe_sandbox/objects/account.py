"""The Stripe account itself and the bank accounts it is paid out to."""

from __future__ import annotations

from .base import Obj, list_object


def account(
    id: str,
    created: int,
    email: str,
    *,
    default_currency: str,
    country: str,
    bank_accounts: list[Obj],
) -> Obj:
    """The account as its own key sees it. Its settlement currencies are those of its bank
    accounts (``external_accounts``), one per currency, ``default_for_currency``."""
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
        "country": country,
        "created": created,
        "default_currency": default_currency,
        "details_submitted": True,
        "email": email,
        "external_accounts": list_object(f"/v1/accounts/{id}/external_accounts", bank_accounts),
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


def bank_account(
    id: str, account: str, *, currency: str, country: str, last4: str, fingerprint: str
) -> Obj:
    """Where payouts in one currency go."""
    return {
        "id": id,
        "object": "bank_account",
        "account": account,
        "account_holder_name": "Chartivo Sandbox",
        "account_holder_type": "company",
        "account_type": None,
        "available_payout_methods": ["standard"],
        "bank_name": "STRIPE TEST BANK",
        "country": country,
        "currency": currency,
        "default_for_currency": True,
        "fingerprint": fingerprint,
        "last4": last4,
        "metadata": {},
        "routing_number": "110000000",
        "status": "new",
    }
