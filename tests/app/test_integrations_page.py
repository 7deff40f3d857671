"""The Integrations page and its Stripe Configuration card, against the real sandbox
(the guide's Step 5): every key error, the permission probe, save,
replace and remove, and what is (not) stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from chartivo.integrations.stripe.client import REJECTED
from chartivo.integrations.stripe.keys import MALFORMED, PUBLISHABLE, REQUIRED
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.models import Aggregate
from tests.conftest import run_worker
from tests.support.database import database_text

pytestmark = pytest.mark.django_db(transaction=True)
SAVE = "/integrations/stripe/"


def _save(client: Client, key: str) -> Any:
    return client.post(SAVE, {"api_key": key}, follow=True)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _banner(page: str) -> str:
    """The green banner, which must sit at the top of the Stripe Configuration card."""
    card = page[page.index('id="stripe"') :]
    match = re.search(r'<div class="banner banner-success" role="status">(.*?)</div>', card)
    assert match is not None, "no green banner in the Stripe Configuration card"
    assert card.index(match.group(0)) < card.index("<form"), "the banner is not above the form"
    return match.group(1)


@pytest.mark.parametrize(
    ("make_key", "message"),
    [
        (lambda keys: "", REQUIRED),
        (lambda keys: "   ", REQUIRED),
        (lambda keys: keys["publishable"], PUBLISHABLE),
        (lambda keys: "not a key at all", MALFORMED),
        (lambda keys: "rk_test_" + "Zz9" * 30, REJECTED),
    ],
    ids=["empty", "blank", "publishable", "malformed", "rejected-by-stripe"],
)
def test_each_key_error_is_shown_at_the_field_and_nothing_is_stored(
    owner_client: Client, stripe_api: Any, make_key: Any, message: str
) -> None:
    key = make_key(stripe_api.keys)
    response = _save(owner_client, key)
    assert response.status_code == 400
    page = _text(response)
    assert f'role="alert">{message}' in page.replace("&#x27;", "'").replace("&quot;", '"') or (
        message in page
    )
    assert 'type="password"' in page
    if key.strip():
        assert key.strip() not in page  # never echoed back, not even on error
    assert not StripeConnection.objects.exists()


def test_saving_the_restricted_sandbox_key_shows_the_green_banner_masked_key_and_badge(
    owner_client: Client, stripe_api: Any
) -> None:
    key = stripe_api.keys["restricted"]
    response = _save(owner_client, key)
    assert response.redirect_chain[-1][0].endswith("/integrations/#stripe")
    page = _text(response)
    banner = _banner(page)
    assert "Stripe is connected (Sandbox)" in banner
    for label in ("Charges", "Customers", "Revenue", "Refunds", "Disputes", "Balance transactions"):
        assert label in banner
    assert "Not available" not in banner
    assert f"rk_test_••••••••{key[-4:]}" in page
    assert 'class="badge badge-test">Sandbox<' in page
    assert key not in page
    connection = StripeConnection.objects.get()
    assert key not in connection.sealed_key and connection.mode == "test" and connection.restricted


def test_a_key_without_disputes_names_the_permission_to_add(
    owner_client: Client, stripe_api: Any
) -> None:
    page = _text(_save(owner_client, stripe_api.keys["restricted_no_disputes"]))
    assert "Not available: Disputes (needs Read on Disputes)" in _banner(page)
    assert "Disputes: needs Read on Disputes" in page  # on the card, after the banner
    states = {s.resource: s for s in StripeConnection.objects.get().resource_states.all()}
    assert not states["disputes"].readable and states["charges"].readable


def test_a_full_secret_key_is_accepted_with_a_warning(
    owner_client: Client, stripe_api: Any
) -> None:
    page = _text(_save(owner_client, stripe_api.keys["secret"]))
    assert "Stripe is connected (Sandbox)" in page
    assert "You saved a full secret key (sk_…)" in page


def test_replacing_the_key_switches_to_live_and_discards_the_old_figures(
    owner_client: Client, stripe_api: Any
) -> None:
    _save(owner_client, stripe_api.keys["restricted"])
    run_worker()
    first = StripeConnection.objects.get()
    assert Aggregate.objects.filter(connection=first).exists()
    page = _text(_save(owner_client, stripe_api.keys["restricted_live"]))
    assert "Stripe is connected (Live)" in page and 'class="badge badge-live">Live<' in page
    assert not Aggregate.objects.filter(connection_id=first.pk).exists()
    assert StripeConnection.objects.get().mode == "live"


def test_removing_the_key_removes_it_and_every_figure(
    owner_client: Client, stripe_api: Any
) -> None:
    _save(owner_client, stripe_api.keys["restricted"])
    run_worker()
    assert Aggregate.objects.exists()
    page = _text(owner_client.post("/integrations/stripe/remove/", follow=True))
    assert "The Stripe key was removed" in page
    assert not StripeConnection.objects.exists() and not Aggregate.objects.exists()


def test_after_a_sync_the_database_holds_the_key_only_sealed_and_no_stripe_object(
    owner_client: Client, stripe_api: Any
) -> None:
    import stripe

    key = stripe_api.keys["restricted"]
    _save(owner_client, key)
    run_worker()
    assert StripeConnection.objects.get().last_synced_at is not None
    client = stripe.StripeClient(
        stripe_api.keys["secret"], base_addresses={"api": stripe_api.api_base}
    )
    customer = next(
        c for c in client.v1.customers.list({"limit": 100}).auto_paging_iter() if c.email
    )
    charge = client.v1.charges.list({"limit": 1}).data[0]
    sealed = StripeConnection.objects.get().sealed_key
    stored = database_text()
    assert key not in stored and key not in sealed
    stored = stored.replace(
        sealed, ""
    )  # random base64 could look like an id by chance and key[8:] not in stored
    assert str(customer.email) not in stored and customer.id not in stored
    assert charge.id not in stored
    assert not re.search(r"\b(ch|cus|re|dp|txn|evt|py|po)_[A-Za-z0-9]{8,}", stored)
