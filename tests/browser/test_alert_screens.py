"""The Alerts page as a merchant uses it, by keyboard and at phone width: a ready-made rule
added in one click, the sync judging it, a rule of their own added through the form (its
errors read out), the state of each rule in words; and the alert e-mail's HTML part as a
mail client shows it, at desktop and phone widths. ``CHARTIVO_UPDATE_DOCS=1`` writes
docs/alerts-desktop.png and docs/alert-email-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from chartivo.alerts.delivery import queue_event
from tests.alerts.delivery_rows import event_of, run_alert_queue, webhook_rule
from tests.alerts.rules_support import refresh
from tests.browser.conftest import UPDATE_DOCS, Browsing
from tests.browser.guide import DOCS, PAGE_OVERFLOW, Guide
from tests.browser.secret import Secret
from tests.support.mail import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]


def test_alerts_are_added_in_one_click_or_through_the_form_on_a_desktop_and_a_phone(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.connected("annie@example.com", stripe_keys["restricted"])

    guide.open_profile_menu()
    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()
    expect(page.get_by_text("E-mail is off on this server")).to_be_visible()
    for name in (
        "Dispute rate approaching Visa's 0.9%",
        "A day with no successful charge",
        "Failed-payment spike",
    ):
        page.get_by_role("button", name=f"Add the rule “{name}”").click()
        expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
        page.get_by_role("link", name="← Alerts").click()

    # A rule of one's own, by keyboard: the form says what is missing.
    page.get_by_role("link", name="Add a rule").click()
    # A value means nothing to "is unusually high": the field goes while it is chosen.
    condition = page.get_by_label("Alert when the figure", exact=True)
    condition.select_option(label="is unusually high for the weekday and hour")
    expect(page.get_by_label("Value", exact=True)).to_be_hidden()
    condition.select_option(label="is above")
    expect(page.get_by_label("Value", exact=True)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Big refund day")
    page.get_by_label("Figure", exact=True).select_option(label="Refunds")
    page.get_by_label("Value", exact=True).fill("500")
    page.get_by_label("Value", exact=True).press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Choose the currency")).to_be_visible()
    page.get_by_label("Currency (for amounts)", exact=True).fill("usd")
    page.get_by_role("button", name="Add rule").press("Enter")
    expect(page.get_by_role("heading", name="Big refund day", level=1)).to_be_visible()

    # The next refresh judges them all.
    with browsing.loop.paused():
        from chartivo.integrations.stripe.models import StripeConnection

        refresh(StripeConnection.objects.get())
    page.get_by_role("link", name="← Alerts").click()
    rules = page.locator("#alert-rules > li")
    expect(rules).to_have_count(4)
    for rule in rules.all():
        expect(rule.locator(".alert-state")).not_to_have_text("Waiting for the next sync")

    rule_page = rules.filter(has_text="Big refund day").get_by_role("link").get_attribute("href")
    assert rule_page is not None
    for width, name in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/alerts/", "/alerts/new/", rule_page):
            page.goto(browsing.url(path))
            assert page.evaluate(PAGE_OVERFLOW) <= 0, f"{path} runs off the side at {width} px"
            browsing.shots.take(f"{path} {name}")
        if UPDATE_DOCS and name == "desktop":
            page.goto(browsing.url("/alerts/"))
            (DOCS / "alerts-desktop.png").write_bytes(page.screenshot(full_page=True))


def test_the_alert_email_reads_well_on_a_desktop_and_on_a_phone(
    owner: Any, mail: SmtpServer, browsing: Browsing
) -> None:
    # ``owner`` and ``mail`` come first: made before the browser's event loop runs here.
    with browsing.loop.paused():
        rule, _ = webhook_rule(owner, "", name="Refund rate watch")
        rule.notify_email = True
        rule.save(update_fields=["notify_email"])
        queue_event(event_of(rule))
        run_alert_queue()
    message = mail.wait_for(to=owner.email).message
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    # A page of its own, as a mail client shows it: no app, no app's security policy.
    reader = browsing.page.context.new_page()
    for width, name in ((1280, "desktop"), (390, "phone")):
        reader.set_viewport_size({"width": width, "height": 900})
        reader.set_content(str(html_part.get_content()))
        expect(reader.get_by_role("heading", name="Refund rate watch", level=1)).to_be_visible()
        expect(reader.get_by_text("2.40%", exact=True)).to_be_visible()
        assert reader.evaluate(PAGE_OVERFLOW) <= 0, f"the alert runs off the side at {width} px"
        image = reader.screenshot(full_page=True)
        if UPDATE_DOCS:
            (DOCS / f"alert-email-{name}.png").write_bytes(image)
    reader.close()
