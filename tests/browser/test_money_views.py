"""The two currency views, a figure's definition and the Reconciliation page, in Chromium:
an account settling in USD and selling in several currencies opens in its settlement
currency; Home and a chart switch to "By currency charged" and back (the view kept in the
address, with the account, range, zone, granularity and currency it already held); a
chart's definition reads its formula; the Integrations card leads to the Reconciliation
page, which names the payout that does not tie out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import stripe
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.guide import Guide
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]


def _expect_kept(page: Page, params: dict[str, str]) -> None:
    expect(page).to_have_url(re.compile(rf"[?&]view={params['view']}(&|$)"))
    found = dict(parse_qsl(urlsplit(page.url).query))
    assert params.items() <= found.items(), found


def test_switch_views_read_a_definition_and_open_the_reconciliation(
    browsing: Browsing, stripe_api: Any
) -> None:
    account = stripe_api.control.create_account(
        seed="browser-money", charges=300, days=30, settlement_currencies=["usd"]
    )
    # The sandbox's fault: one paid payout off by $2.05.
    client = stripe.StripeClient(
        account.keys["secret"], base_addresses={"api": stripe_api.api_base}
    )
    paid = list(client.v1.payouts.list({"limit": 100, "status": "paid"}).auto_paging_iter())
    stripe_api.control.mistie_payout(paid[len(paid) // 3].id, 205)

    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("mary.s@example.com")
    guide.open_integrations()
    guide.save_key(
        browsing.never_show(Secret("restricted", account.keys["restricted"])), shot="usd key saved"
    )
    browsing.run_worker()

    # Home opens in the settlement currency, and switches.
    guide.home_by_logo()
    views = page.get_by_role("navigation", name="Currency view")
    settled = views.get_by_role("link", name="In your settlement currency")
    charged = views.get_by_role("link", name="By currency charged")
    expect(settled).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("navigation", name="Currency of the amounts")).to_have_count(0)
    charged.click()
    expect(page).to_have_url(re.compile(r"[?&]view=charged(&|$)"))
    expect(views.get_by_role("link", name="By currency charged")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("navigation", name="Currency of the amounts")).to_be_visible()
    browsing.shots.take("home by currency charged")
    views.get_by_role("link", name="In your settlement currency").click()
    expect(page).to_have_url(re.compile(r"[?&]view=settlement(&|$)"))

    # A chart switches too, and its definition says what it counts in each view.
    guide.create_chart("Revenue")
    chart_path = page.url.split("?")[0]
    chart_views = page.get_by_role("navigation", name="Currency view")
    expect(chart_views.get_by_role("link", name="In your settlement currency")).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_text(re.compile("^Definition: Revenue")).click()
    definition = page.get_by_role("group").filter(has_text="Definition: Revenue")
    formula = definition.get_by_role("definition").first
    expect(formula).to_be_visible()
    expect(formula).to_have_text("Σ amount of balance transactions of category charge")
    chart_views.get_by_role("link", name="By currency charged").click()
    expect(page).to_have_url(re.compile(r"[?&]view=charged(&|$)"))
    page.get_by_text(re.compile("^Definition: Revenue")).click()
    expect(formula).to_be_visible()
    expect(formula).to_have_text("Σ amount_captured")
    expect(definition.get_by_role("term")).to_have_text(
        ["Formula", "What counts", "Which period", "Time zone", "Currency view", "Stripe Dashboard"]
    )
    expect(definition.get_by_role("definition").last).to_contain_text("estimated rates")
    browsing.shots.take("chart by currency charged with its definition")

    # The card leads to the Reconciliation page, which names the payout and its difference.
    guide.open_integrations()
    link = page.get_by_role("link", name=re.compile(r"^Payouts reconciled: \d+ of \d+ to the cent"))
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name="Reconciliation", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Payouts that do not tie out")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("cell", name="$2.05")).to_be_visible()
    browsing.shots.take("reconciliation")

    # Switching the view keeps everything else the address says: the account (which the
    # Reconciliation page's address names), the range, the zone, the granularity, the
    # currency — on a chart and on Home.
    kept = {
        "account": dict(parse_qsl(urlsplit(page.url).query))["account"],
        "range": "last_7_days",
        "tz": "Asia/Kolkata",
        "granularity": "day",
        "currency": "USD",
    }
    page.goto(f"{chart_path}?{urlencode({**kept, 'view': 'settlement'})}")
    chart_views.get_by_role("link", name="By currency charged").click()
    _expect_kept(page, {**kept, "view": "charged"})
    chart_views.get_by_role("link", name="In your settlement currency").click()
    _expect_kept(page, {**kept, "view": "settlement"})
    del kept["granularity"]
    page.goto(browsing.url(f"/?{urlencode({**kept, 'view': 'settlement'})}"))
    views.get_by_role("link", name="By currency charged").click()
    _expect_kept(page, {**kept, "view": "charged"})
