"""The user guide (seed/stripe-integration-guide.txt), walked step by step in Chromium.

Sign up and log in; the profile dropdown → Integrations; the Stripe Configuration card;
every way a Save can go wrong, then the restricted sandbox key; the logo → Home → New
Chart → Stripe → the six metrics; a chart of each, drawn with data, whose tooltip, table
of figures and CSV hold the same numbers, in UTC by default.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browsing
from tests.browser.guide import (
    BEYOND_THE_GUIDE,
    METRICS,
    Guide,
    chart_card,
    check_chart_against_csv,
    main_total,
)
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYNCED_RECENTLY = re.compile(r"^Last synced (just now|[1-9]\d* minutes? ago) ·")
GREEN_BANNER = re.compile(r"^rgb\((\d+), (\d+), (\d+)\)$")


def _is_green(colour: str) -> bool:
    match = GREEN_BANNER.match(colour)
    assert match is not None, colour
    red, green, blue = (int(part) for part in match.groups())
    return green > red + 20 and green > blue + 10


def test_the_guide_from_sign_up_to_a_chart_of_each_metric(
    browsing: Browsing, stripe_keys: dict[str, Secret], dispute_opened: Any
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    shot = browsing.shots.take

    # Step 1: "Log in to your Chartivo account" (after signing up for one).
    guide.sign_up("ada@example.com")
    guide.log_out()
    guide.log_in("ada@example.com")
    shot("home after logging in")

    # Steps 2–3: the profile dropdown → Integrations; scroll to the Stripe Configuration card.
    guide.open_integrations(doc="01-profile-dropdown")
    card = guide.stripe_card()
    field = card.get_by_label("Stripe Secret API Key")
    expect(field).to_have_attribute("type", "password")
    assert guide.field_is_empty()
    shot("stripe configuration card", doc="02-stripe-configuration-card")

    # Troubleshooting: "Make sure the API key field is not empty".
    card = guide.save_key("", shot="save with the field empty")
    expect(card.get_by_role("alert")).to_have_text("API key is required")

    publishable = browsing.never_show(stripe_keys["publishable"])
    card = guide.save_key(publishable, shot="save a publishable key")
    expect(card.get_by_role("alert")).to_contain_text("This is a publishable key")
    expect(card.get_by_role("alert")).to_contain_text("Paste a restricted key")
    assert guide.field_is_empty(), "the field was filled in again after an error"

    unknown = browsing.never_show(Secret("unknown", "rk_test_" + "Zz9" * 30))
    card = guide.save_key(unknown, shot="save a key stripe rejects")
    expect(card.get_by_role("alert")).to_contain_text("Stripe rejected this key")
    assert guide.field_is_empty(), "the field was filled in again after an error"

    # Step 5: the restricted sandbox key, and "a green banner at the top of the Stripe
    # Configuration section".
    key = browsing.never_show(stripe_keys["restricted"])
    guide.hold_page_timers()
    card = guide.save_key(
        key,
        shot="save the restricted sandbox key",
        pasted_doc="03-key-pasted",
        doc="04-key-saved",
    )
    banner = card.get_by_role("status").filter(has_text="Stripe is connected")
    expect(banner).to_contain_text("Stripe is connected (Sandbox)")
    for label in METRICS:
        expect(banner).to_contain_text(label)
    assert _is_green(banner.evaluate("banner => getComputedStyle(banner).backgroundColor"))
    heading = card.get_by_role("heading", name="Stripe Configuration").bounding_box()
    top = banner.bounding_box()
    saved_key = card.get_by_text("Saved key").bounding_box()
    field_box = field.bounding_box()
    assert heading and top and saved_key and field_box
    assert heading["y"] < top["y"] < saved_key["y"] < field_box["y"], (
        "the banner is not at the top of the Stripe Configuration section"
    )
    expect(card.get_by_text(f"{key.prefix}••••••••{key.last4}", exact=True)).to_be_visible()
    expect(card.get_by_text("Sandbox", exact=True).first).to_be_visible()
    assert guide.field_is_empty(), "the saved key is shown in the field"

    # "Allow up to 5 minutes for initial sync": the worker syncs; the card says so by itself.
    card = guide.sync_and_watch_the_card()
    # The guide says to wait for the green banner: it stays after the first sync ends.
    expect(card.get_by_role("status").filter(has_text="Stripe is connected")).to_be_visible()
    shot("synced")

    # Step 6: the logo → Home → New Chart → Stripe → the six metrics.
    guide.home_by_logo()
    expect(page.get_by_role("link", name="New Chart")).to_be_visible()
    shot("home with new chart", doc="05-home-new-chart")
    guide.open_new_chart_with_stripe(doc="06-new-chart-stripe")
    for label in (*METRICS, *BEYOND_THE_GUIDE):
        expect(guide.metric(label)).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("."))).to_have_count(
        # the six metrics and Payouts, and the chart type: Line, Bar or Area
        len(METRICS) + len(BEYOND_THE_GUIDE) + 3
    )

    # A chart of each metric, drawn with data; the tooltip, the table and the CSV agree.
    latest = {}
    for label in METRICS:
        guide.create_chart(label)
        expect(page.get_by_text("Time zone: UTC")).to_be_visible()
        expect(page.get_by_text("Sandbox", exact=True)).to_be_visible()
        expect(page.get_by_text(SYNCED_RECENTLY)).to_be_visible()
        figures = check_chart_against_csv(
            page,
            browsing.shots.folder,
            shot=partial(
                shot,
                f"chart of {label}",
                doc="07-chart" if label == "Revenue" else None,
                full_page=False,
            ),
        )
        assert figures
        latest[label] = main_total(page)

    # Home shows each chart with its figure for the whole range (never a period in progress
    # as if it were complete) and a small rendering of its trend.
    guide.home_by_logo()
    for label in METRICS:
        card = chart_card(page, label)
        expect(card.get_by_text(latest[label], exact=True)).to_be_visible()
        trend = card.get_by_role("img", name=re.compile("^Trend of"))
        assert trend.evaluate(
            "canvas => window.Chart.getChart(canvas).data.datasets[0].data.length"
        )
    shot("home with a chart of each metric", doc="08-home-charts")
