"""The guide's journey with the keyboard alone: Tab, Shift+Tab, Enter, Space, the arrow keys
and Escape, no mouse. Every stop shows where the focus is."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browsing
from tests.browser.guide import PASSWORD, Guide, drawn, tab_to
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_whole_journey_with_the_keyboard_alone(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    keyboard = page.keyboard
    shot = browsing.shots.take

    # Sign up: from the header's link; the email field has the focus when the form opens.
    page.goto(browsing.url("/"))
    tab_to(page, page.get_by_role("banner").get_by_role("link", name="Sign up"))
    keyboard.press("Enter")
    expect(page.get_by_label("Email")).to_be_focused()
    keyboard.type("barbara@example.com")
    tab_to(page, page.get_by_label("Password", exact=True))
    keyboard.type(PASSWORD)
    tab_to(page, page.get_by_label("Confirm password"))
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    # The header in reading order: skip link, logo, profile menu.
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Chartivo — Home")).to_be_focused()
    keyboard.press("Tab")
    menu_button = guide.profile_button()
    expect(menu_button).to_be_focused()
    page.wait_for_load_state("load")  # the menu is the page's script: let it load first

    # The profile menu: Enter opens it on its first item, Escape closes it and gives the
    # focus back, Space opens it too, and tabbing out of it closes it.
    integrations = page.get_by_role("link", name="Integrations", exact=True)
    keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    expect(integrations).to_be_focused()
    keyboard.press("Escape")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(integrations).to_be_hidden()
    expect(menu_button).to_be_focused()
    keyboard.press("Space")
    expect(integrations).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Log out"))
    keyboard.press("Tab")
    expect(integrations).to_be_hidden()
    keyboard.press("Shift+Tab")  # back into the header: the menu opens again with Enter
    expect(menu_button).to_be_focused()
    keyboard.press("Enter")
    shot("profile menu opened with the keyboard")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()

    # Paste the key into the field and Save, from the keyboard.
    key = browsing.never_show(stripe_keys["restricted"])
    tab_to(page, guide.key_field())
    keyboard.insert_text(key.reveal())  # what a paste does
    tab_to(page, guide.stripe_card().get_by_role("button", name="Save", exact=True))
    keyboard.press("Enter")
    card = guide.stripe_card()
    expect(card.get_by_role("status").filter(has_text="Stripe is connected")).to_be_visible()
    assert guide.field_is_empty(), "the saved key is shown in the field"

    # The logo → Home, while the worker syncs.
    tab_to(page, page.get_by_role("link", name="Chartivo — Home"))
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    browsing.run_worker()

    # New Chart → Stripe → a metric with the arrow keys → Save chart.
    tab_to(page, page.get_by_role("link", name="New Chart"))
    keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Stripe"))
    keyboard.press("Enter")
    tab_to(page, guide.metric("Charges"))
    keyboard.press("ArrowDown")
    expect(guide.metric("Customers")).to_be_checked()
    keyboard.press("ArrowDown")
    expect(guide.metric("Revenue")).to_be_checked()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_text("Loading preview…")).to_be_hidden()
    shot("revenue picked with the arrow keys")
    tab_to(page, page.get_by_role("button", name="Save chart"))
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Revenue", level=1)).to_be_visible()

    # One currency at a time; the arrow keys switch it, and the chart redraws in it.
    switcher = page.get_by_role("group", name="Currency")
    first = switcher.get_by_role("radio", checked=True)
    first_currency = first.get_attribute("value")
    assert drawn(page).currency == first_currency
    tab_to(page, first)
    keyboard.press("ArrowRight")
    second = switcher.get_by_role("radio", checked=True)
    second_currency = second.get_attribute("value")
    assert second_currency != first_currency
    expect(second).to_be_focused()
    browsing.until(lambda: drawn(page).currency == second_currency, "redrawn in it")
    expect(page.get_by_role("img", name=re.compile(f"in {second_currency}:"))).to_be_visible()
    shot("currency switched with the arrow keys", full_page=False)

    # The figures as a table, and the CSV, from the keyboard.
    summary = page.get_by_text("Show the figures as a table")
    tab_to(page, summary)
    keyboard.press("Enter")
    expect(page.get_by_role("table", name=f"Revenue in {second_currency}")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Download CSV"))
    with page.expect_download() as download:
        keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
