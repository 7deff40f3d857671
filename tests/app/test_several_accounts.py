"""Several Stripe accounts in one organisation, against the sandbox: each is listed on the
card with its own Replace and Remove; the same account in the same mode is refused by
name; a chart of "All accounts" is, currency by currency and period by period, the sum
of the same chart of each account (the independent computation from the accounts'
objects is tests/browser/test_teams.py's)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from chartivo.charts.models import Chart
from chartivo.integrations.stripe.models import StripeConnection
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_accounts_are_added_listed_refused_twice_replaced_and_removed_one_by_one(
    owner_client: Client, stripe_api: Any
) -> None:
    first = stripe_api.control.create_account(seed="several a", charges=60, days=10)
    second = stripe_api.control.create_account(seed="several b", charges=60, days=10)
    assert owner_client.post("/integrations/stripe/", {"api_key": first.keys["restricted"]})
    added = owner_client.post("/integrations/stripe/add/", {"api_key": second.keys["restricted"]})
    assert added.status_code == 302
    page = _text(owner_client.get("/integrations/"))
    assert page.count('class="account-name"') == 2
    assert first.id in page and second.id in page
    assert "Add another Stripe account" in page and "Replace the key of" in page

    again = owner_client.post("/integrations/stripe/add/", {"api_key": first.keys["secret"]})
    assert again.status_code == 400
    assert f"The Stripe account {first.id} is already connected in Sandbox mode" in _text(again)
    assert StripeConnection.objects.count() == 2

    # Live mode is another connection of the same account.
    live = owner_client.post(
        "/integrations/stripe/add/", {"api_key": first.keys["restricted_live"]}
    )
    assert live.status_code == 302
    live_connection = StripeConnection.objects.get(mode="live")

    # Replace: a new key for one account, the others untouched; its charts follow it.
    chart = Chart.objects.create(
        owner=StripeConnection.objects.first().owner,  # type: ignore[union-attr]
        name="Live",
        metric="charges",
        measure="count",
        connection=live_connection,
    )
    kept = set(StripeConnection.objects.exclude(pk=live_connection.pk).values_list("pk", flat=True))
    replaced = owner_client.post(
        f"/integrations/stripe/{live_connection.pk}/replace/",
        {"api_key": first.keys["restricted_live"]},
    )
    assert replaced.status_code == 302
    assert kept <= set(StripeConnection.objects.values_list("pk", flat=True))
    assert StripeConnection.objects.filter(mode="live").count() == 1
    chart.refresh_from_db()
    assert chart.connection == StripeConnection.objects.get(mode="live")
    # Replacing one account with another that is connected already is refused too.
    live_connection = StripeConnection.objects.get(mode="live")
    clash = owner_client.post(
        f"/integrations/stripe/{live_connection.pk}/replace/",
        {"api_key": second.keys["restricted"]},
    )
    assert clash.status_code == 400 and f"{second.id} is already connected" in _text(clash)

    removed = owner_client.post(f"/integrations/stripe/{live_connection.pk}/remove/")
    assert removed.status_code == 302
    assert StripeConnection.objects.count() == 2
    assert set(StripeConnection.objects.values_list("account_id", flat=True)) == {
        first.id,
        second.id,
    }


def test_all_accounts_add_up_each_accounts_figures_within_each_currency(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    first = stripe_api.control.create_account(seed="sum a", charges=150, days=20)
    second = stripe_api.control.create_account(seed="sum b", charges=150, days=20)
    owner_client.post("/integrations/stripe/", {"api_key": first.keys["restricted"]})
    owner_client.post("/integrations/stripe/add/", {"api_key": second.keys["restricted"]})
    run_worker()
    ids = [c.pk for c in StripeConnection.objects.order_by("pk")]
    chart = Chart.objects.create(
        owner=owner, name="Volume", metric="charges", measure="amount", time_zone="UTC"
    )

    def data(account: str, currency: str = "") -> dict[str, Any]:
        query = f"range=last_30_days&granularity=day&account={account}&currency={currency}"
        payload: dict[str, Any] = owner_client.get(f"/charts/{chart.pk}/data.json?{query}").json()
        return payload

    combined = data("all")
    assert combined["state"] == "ready", combined["message"]
    assert combined["mode"] == "Sandbox"
    singles = [data(str(pk)) for pk in ids]
    every = set(combined["currencies"])
    assert every == {c for s in singles for c in s["currencies"]}
    assert len(every) > 1  # several currencies, each added up on its own
    for currency in sorted(every):
        total = data("all", currency)
        parts = [data(str(pk), currency) for pk in ids]
        assert total["currency"] == currency
        expected = [0] * len(total["periods"])
        for part in parts:
            if part["currency"] != currency:
                continue  # this account has nothing in that currency
            assert part["periods"] == total["periods"]
            for series in part["series"]:
                expected = [a + b for a, b in zip(expected, series["values"], strict=True)]
        got = [sum(values) for values in zip(*(s["values"] for s in total["series"]), strict=True)]
        assert got == expected, currency

    # The chart's own account, saved from the chart page's view.
    saved = owner_client.post(f"/charts/{chart.pk}/save-view/?account={ids[1]}")
    assert saved.status_code == 302
    chart.refresh_from_db()
    assert chart.connection_id == ids[1]
    page = _text(owner_client.get(f"/charts/{chart.pk}/"))
    assert 'aria-label="Stripe account"' in page and "All accounts" in page
    # Picking another account keeps the currency view the reader chose, on Home and here.
    for path in (f"/charts/{chart.pk}/", "/"):
        page = _text(owner_client.get(path, {"view": "settlement"}))
        picker = page[page.index('aria-label="Stripe account"') :].split("</nav>")[0]
        links = re.findall(r'href="\?([^"]*)"', picker)
        assert len(links) == len(ids) + 1, picker
        assert all("view=settlement" in link.replace("&amp;", "&") for link in links), links
