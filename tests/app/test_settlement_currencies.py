"""An account's settlement currencies, through the sandbox: from the account itself where
the key may read it (a secret key), else from its balance (a restricted key: Stripe
refuses it the account), else from the balance transactions the sync has seen. Each is
compared with what Stripe itself answers through the official SDK; only the codes are
kept, and the currency view a chart opens in follows them."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from django.test import Client

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.settlement import default_view, settlement_currencies
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_READ_BUT_BALANCE = [
    "rak_charge_read",
    "rak_customer_read",
    "rak_dispute_read",
    "rak_balance_transaction_source_read",
    "rak_event_read",
    "rak_payout_read",
]


def _client(stripe_api: Any, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": stripe_api.api_base})


def _saved(owner_client: Client, key: str) -> StripeConnection:
    response = owner_client.post("/integrations/stripe/", {"api_key": key})
    assert response.status_code == 302, response.content.decode()[:500]
    return StripeConnection.objects.get()


def test_settlement_currencies_come_from_the_account_else_the_balance_else_the_transactions(
    owner_client: Client, stripe_api: Any
) -> None:
    # A secret key may read the account: its default currency and its bank accounts'.
    both = stripe_api.control.create_account(
        seed="settles two", charges=40, days=10, settlement_currencies=["usd", "eur"]
    )
    account = _client(stripe_api, both.keys["secret"]).v1.accounts.retrieve_current().to_dict()
    expected = {account["default_currency"]} | {
        bank["currency"] for bank in account["external_accounts"]["data"]
    }
    connection = _saved(owner_client, both.keys["secret"])
    assert connection.settlement_source == "account"
    assert connection.settlement_currencies.split(",") == sorted(expected) == ["eur", "usd"]
    assert default_view(connection.pk) == "charged"  # two currencies: nothing to open in

    # A restricted key is refused the account: the balance tells instead.
    usd = stripe_api.control.create_account(
        seed="settles usd", charges=40, days=10, settlement_currencies=["usd"]
    )
    with pytest.raises(stripe.PermissionError):
        _client(stripe_api, usd.keys["restricted"]).v1.accounts.retrieve_current()
    balance = _client(stripe_api, usd.keys["restricted"]).v1.balance.retrieve().to_dict()
    held = {part["currency"] for part in [*balance["available"], *balance["pending"]]}
    owner_client.post(f"/integrations/stripe/{connection.pk}/remove/")
    connection = _saved(owner_client, usd.keys["restricted"])
    assert connection.settlement_source == "balance"
    assert connection.settlement_currencies.split(",") == sorted(held) == ["usd"]
    # Before any transaction is synced, the account already opens in its one currency.
    assert default_view(connection.pk) == "settlement"

    # Neither the account nor the balance: the balance transactions the sync has seen.
    no_balance = stripe_api.control.create_key(
        "no balance", account=usd.id, permissions=EVERY_READ_BUT_BALANCE
    )["key"]
    owner_client.post(f"/integrations/stripe/{connection.pk}/remove/")
    connection = _saved(owner_client, no_balance)
    assert (connection.settlement_source, connection.settlement_currencies) == ("", "")
    assert settlement_currencies(connection.pk) == []
    run_worker()
    client = _client(stripe_api, usd.keys["secret"])
    seen = {t.currency for t in client.v1.balance_transactions.list({"limit": 100}).data}
    assert settlement_currencies(connection.pk) == sorted(seen) == ["usd"]
    assert default_view(connection.pk) == "settlement"
