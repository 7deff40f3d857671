"""The guide's other keys: switching to a live key ("Switching between sandbox and live"),
and a key created without Read on Disputes ("Check that your API key has the necessary
permissions")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browsing
from tests.browser.guide import Guide
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_saving_a_live_key_replaces_the_sandbox_key_and_shows_the_live_badge(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    guide.sign_up("grace@example.com")
    guide.open_integrations()
    sandbox = browsing.never_show(stripe_keys["restricted"])
    card = guide.save_key(sandbox, shot="sandbox key saved")
    expect(card.get_by_text("Sandbox", exact=True).first).to_be_visible()

    # "Return to Chartivo Integrations page, enter the new API key, click Save."
    live = browsing.never_show(stripe_keys["restricted_live"])
    card = guide.save_key(live, shot="live key saved", doc="10-live-key", replacing=True)
    expect(card.get_by_role("status").filter(has_text="Stripe is connected")).to_contain_text(
        "Stripe is connected (Live)"
    )
    expect(card.get_by_text("Live", exact=True).first).to_be_visible()
    expect(card.get_by_text("Sandbox", exact=True)).to_have_count(0)
    expect(card.get_by_text(f"{live.prefix}••••••••{live.last4}", exact=True)).to_be_visible()
    expect(card.get_by_text(f"••••{sandbox.last4}")).to_have_count(0)
    assert guide.field_is_empty(), "the saved key is shown in the field"

    # The mode follows the user to New Chart, where the data source is picked.
    guide.home_by_logo()
    guide.open_new_chart_with_stripe()
    expect(browsing.page.get_by_text("Live", exact=True)).to_be_visible()


def test_a_key_without_read_on_disputes_names_the_permission_to_add(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("katherine@example.com")
    guide.open_integrations()
    key = browsing.never_show(stripe_keys["restricted_no_disputes"])
    card = guide.save_key(key, shot="key without disputes saved")
    banner = card.get_by_role("status").filter(has_text="Stripe is connected")
    expect(banner).to_contain_text("Not available: Disputes (needs Read on Disputes).")
    expect(card.get_by_role("listitem").filter(has_text="Disputes:")).to_have_text(
        "! Disputes: needs Read on Disputes"
    )

    guide.home_by_logo()
    browsing.run_worker()
    guide.open_new_chart_with_stripe()
    disputes = guide.metric("Disputes")
    expect(disputes).to_have_accessible_description(re.compile("Disputes: needs Read on Disputes$"))
    expect(guide.metric("Charges")).not_to_have_accessible_description(re.compile("needs Read"))
    disputes.check()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_text("Disputes: needs Read on Disputes")).to_be_visible()
    browsing.shots.take("disputes metric names the permission")

    # Saved anyway, the chart says the same instead of drawing an empty chart.
    page.get_by_role("button", name="Save chart").click()
    expect(page.get_by_role("heading", name="Disputes", level=1)).to_be_visible()
    expect(page.get_by_text("Disputes: needs Read on Disputes")).to_be_visible()
    expect(page.get_by_text("No Data")).to_have_count(0)
