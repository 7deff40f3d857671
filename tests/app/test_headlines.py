"""Home's headline figures where money is not simple: an account whose charges in several
currencies all settle in one, and rates whose trend must be a rate."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from chartivo.charts.dashboard import DISPUTES, GROSS, REFUNDS, SUCCEEDED, DashboardFigures
from chartivo.charts.headlines import currencies_of, headline_views
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.connect import connect
from tests.conftest import run_worker


def _headline(html: str, label: str) -> str:
    """The text of the headline group named ``label``."""
    start = html.index(f">{label}</h3>")
    return html[start : html.index("</li>", start)]


@pytest.mark.django_db(transaction=True)
def test_net_volume_of_charges_settled_in_another_currency_is_not_a_made_up_zero(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    account = stripe_api.control.create_account(
        seed="headlines-settled-in-usd",
        charges=200,
        days=20,
        modes=["test"],
        settlement_currencies=["usd"],
    )
    connect(owner, account.keys["restricted"])
    run_worker()
    # Settling in one currency, Home opens in it; by currency charged it offers them all.
    assert owner_client.get("/?range=last_30_days").context["currencies"] == ["USD"]
    home = owner_client.get("/?range=last_30_days&view=charged")
    currencies = home.context["currencies"]
    assert "USD" in currencies and len(currencies) > 1, currencies
    other = next(code for code in currencies if code != "USD")

    in_other = owner_client.get(f"/?range=last_30_days&view=charged&currency={other}").text
    net = _headline(in_other, "Net volume")
    assert "Settled in USD" in net and "—" in net
    assert "Settled in" not in _headline(in_other, "Gross volume")

    in_usd = owner_client.get("/?range=last_30_days&view=charged&currency=USD").text
    assert "Settled in" not in _headline(in_usd, "Net volume")
    assert "—" not in _headline(in_usd, "Net volume").split("</p>")[0]
    # Larger than USD's gross, as it holds the other currencies' payments: it says so.
    others = ", ".join(sorted(code for code in currencies if code != "USD"))
    converted = f"Also holds payments charged in {others}, which Stripe converted into USD."
    assert converted in _headline(in_usd, "Net volume")
    assert "Also holds" not in _headline(in_usd, "Gross volume")
    assert "Also holds" not in owner_client.get("/?range=last_30_days").text  # settled view


def test_a_rates_trend_is_the_rate_of_each_period() -> None:
    figures = DashboardFigures(
        period_starts=[0, 86_400, 172_800, 259_200],
        current={(REFUNDS, ""): 10, (SUCCEEDED, "usd"): 100},
        previous=None,
        trend={
            (REFUNDS, ""): [5, 3, 2, 0],
            (SUCCEEDED, "usd"): [6, 30, 40, 0],
            (SUCCEEDED, "eur"): [4, 10, 10, 0],
            (DISPUTES, ""): [0, 0, 0, 0],
        },
    )
    views = {view.key: view for view in headline_views(figures, "usd", "en_US")}
    # Refunds ÷ successful charges in every currency, period by period; none without charges.
    assert views["refund_rate"].trend == [50.0, 7.5, 4.0, None]
    assert views["refund_rate"].value == "10.00%"
    assert views["dispute_rate"].trend == [0.0, 0.0, 0.0, None]


def test_a_quiet_range_is_compared_in_the_currency_of_the_period_before() -> None:
    # Today's first quarter hour: nothing yet, while yesterday to the same time took money.
    figures = DashboardFigures(
        period_starts=[0],
        current={},
        previous={
            (GROSS, "eur"): 1_000,
            (SUCCEEDED, "eur"): 1,
            (GROSS, "usd"): 2_666,
            (SUCCEEDED, "usd"): 3,
        },
        trend={},
    )
    assert currencies_of(figures) == ["usd", "eur"]
    views = {view.key: view for view in headline_views(figures, "usd", "en_US")}
    gross = views["gross_volume"]
    assert gross.change is not None and gross.change.direction == "down"
    assert gross.change.previous == "$26.66", gross.change
    assert gross.value == "$0.00"
    # A range with charges is ordered by its own alone, ties by code, as Home always was.
    busy = replace(figures, activity={"eur": 1, "usd": 1})
    assert currencies_of(busy) == ["eur", "usd"]


@pytest.mark.django_db
def test_home_remembers_a_range_it_can_show_and_forgets_one_it_cannot(
    owner_client: Client,
) -> None:
    owner_client.get("/?range=last_30_days&tz=Europe/Paris")
    assert 'value="last_30_days" selected' in owner_client.get("/").text
    # Years before the history: refused with a message, and not kept for the next visit.
    refused = owner_client.get("/?range=custom&from=2001-01-01&to=2001-01-31")
    assert "Chartivo keeps only the last" in refused.text
    assert 'value="last_30_days" selected' in owner_client.get("/").text


@pytest.mark.django_db
def test_a_misspelt_zone_is_said_and_the_rest_of_the_address_still_applies(
    owner: Any, owner_client: Client
) -> None:
    owner_client.get("/?range=last_30_days&tz=Europe/Paris")
    home = owner_client.get("/?range=today&tz=Mars/Olympus&compare=previous_period").text
    assert "Unknown time zone “Mars/Olympus”" in home and "Showing Europe/Paris instead." in home
    assert 'value="today" selected' in home  # the range asked for, not the remembered one
    assert 'value="Europe/Paris"' in home
    chart = Chart.objects.create(owner=owner, name="Count", metric="charges", measure="count")
    page = owner_client.get(f"/charts/{chart.pk}/?range=today&tz=Mars/Olympus").text
    assert "Unknown time zone “Mars/Olympus”" in page and "Showing UTC instead." in page
    assert 'value="today" selected' in page
    assert "Unknown time zone" not in owner_client.get(f"/charts/{chart.pk}/?tz=Asia/Tokyo").text


@pytest.mark.django_db
def test_a_new_chart_opens_in_the_zone_home_was_last_looked_at_in(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    account = stripe_api.control.create_account(seed="headlines-new-chart-zone", charges=10)
    connect(owner, account.keys["restricted"])
    owner_client.get("/?range=last_30_days&tz=Asia/Kathmandu")
    form = owner_client.get("/charts/new/?source=stripe").text
    assert re.search(r'name="time_zone"[^>]*value="Asia/Kathmandu"', form)
