"""Troubleshooting: 'Chart shows "No Data". Verify your date range includes periods with
Stripe activity.' An account whose activity ended twelve days ago, charted over the last
7 days and over the last 30."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from stripe_sandbox.testing import SandboxProcess
from tests.browser.conftest import Browsing
from tests.browser.guide import Guide, chart_card, drawn
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = 86_400
NO_DATA_HINT = "Check that the date range covers a period with activity in your Stripe account."


def test_a_range_without_activity_shows_no_data_and_says_what_to_check(
    browsing: Browsing, stripe_api: SandboxProcess
) -> None:
    quiet = stripe_api.control.create_account(
        seed="quiet for twelve days", charges=60, days=5, end=int(time.time()) - 12 * DAY
    )
    key = browsing.never_show(Secret("restricted", quiet.keys["restricted"]))
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("edsger@example.com")
    guide.open_integrations()
    guide.save_key(key, shot="key saved")
    guide.home_by_logo()
    browsing.run_worker()

    # The preview shows the activity over the last 30 days, and none over the last 7.
    guide.open_new_chart_with_stripe()
    guide.metric("Charges").check()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_text("Loading preview…")).to_be_hidden()
    expect(preview.get_by_text("No Data")).to_be_hidden()
    page.get_by_label("Date range").select_option(label="Last 7 days")
    expect(preview.get_by_text("No Data", exact=True)).to_be_visible()
    expect(preview.get_by_text(NO_DATA_HINT)).to_be_visible()
    page.get_by_role("button", name="Save chart").click()

    expect(page.get_by_role("heading", name="Charges", level=1)).to_be_visible()
    expect(page.get_by_text("Last 7 days", exact=False).first).to_be_visible()
    expect(page.get_by_text("No Data", exact=True)).to_be_visible()
    expect(page.get_by_text(NO_DATA_HINT)).to_be_visible()
    expect(page.get_by_text("Time zone: UTC")).to_be_visible()
    browsing.shots.take("no data", doc="09-no-data")

    # The same account over the last 30 days: its activity is there.
    guide.create_chart("Charges", date_range="Last 30 days")
    expect(page.get_by_text("No Data", exact=True)).to_have_count(0)
    assert any(any(values) for values in drawn(page).series.values())

    guide.home_by_logo()
    cards = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=re.compile("^Charges "))
    )
    expect(cards).to_have_count(2)
    expect(
        chart_card(page, "Charges").filter(has_text="Last 7 days").get_by_text("No Data")
    ).to_be_visible()
