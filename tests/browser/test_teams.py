"""Teams and several Stripe accounts, in Chromium, found by role and label.

An owner invites a viewer by e-mail (through the real SMTP server); the viewer joins from
the link, sees the dashboard and the organisation's chart, gets the 403 page on
Integrations, and loses access the moment the owner removes them. An owner connects a
second sandbox account: the card lists both, refuses the first one again by name, and
Home's headline figures for each account and for "All accounts" equal an independent
computation from both accounts' objects, currency by currency.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import BrowserSession, Browsing
from tests.browser.guide import PASSWORD, Guide, plain_number
from tests.browser.headline_reference import AMOUNTS, COUNTS, figures, windows
from tests.browser.secret import Secret
from tests.browser.test_dashboard_figures import _check_amount, _check_count, _cut, _group
from tests.support.mail import SmtpServer, deliver_queued_mail
from tests.support.reference import (
    DEFINITIONS,
    Calendar,
    Snapshot,
    compute,
    custom_range,
    list_everything,
    major_units,
)

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]


def test_an_invited_viewer_sees_the_dashboard_not_integrations_and_loses_access_when_removed(
    browsing: Browsing,
    browser_session: BrowserSession,
    stripe_keys: dict[str, Secret],
    smtp_server: SmtpServer,
    settings: Any,
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("olga@example.com")
    # E-mail from here on: the guide's sign-up is the one without it.
    smtp_server.use_in_django(settings)
    mail = smtp_server
    guide.open_integrations()
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="key saved")
    guide.home_by_logo()
    browsing.run_worker()
    guide.create_chart("Charges")

    # The owner invites a viewer from the Members page of the profile menu.
    guide.open_profile_menu()
    page.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members of olga@example.com")).to_be_visible()
    page.get_by_label("Email address").fill("vera@example.com")
    page.get_by_label("Role", exact=True).select_option(label="Viewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent")).to_be_visible()
    browsing.shots.take("invitation sent")
    with browsing.loop.paused():
        deliver_queued_mail()
    message = mail.wait_for(to="vera@example.com")
    (link,) = [x for x in message.links() if "/organisation/join/" in x]

    # The viewer, in a browser of their own, joins from the link with a new password.
    viewer = browser_session.browser.new_context().new_page()
    try:
        viewer.goto(link)
        expect(viewer.get_by_role("heading", name="Join olga@example.com")).to_be_visible()
        assert "?t=" not in viewer.url  # the token left the address bar at once
        viewer.get_by_label("Password", exact=True).fill(PASSWORD)
        viewer.get_by_label("Confirm password").fill(PASSWORD)
        viewer.get_by_role("button", name="Join olga@example.com").click()
        expect(viewer.get_by_role("heading", name="Home", exact=True)).to_be_visible()
        expect(viewer.get_by_role("heading", name="Charges")).to_be_visible()
        expect(viewer.get_by_role("group", name="Gross volume", exact=True)).to_be_visible()
        viewer.get_by_role("button", name="Profile menu").click()
        menu = viewer.get_by_role("list").filter(has_text="Log out")
        expect(menu.get_by_role("link", name="Integrations")).to_have_count(0)
        answer = viewer.goto(browsing.url("/integrations/"))
        assert answer is not None and answer.status == 403
        expect(viewer.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(viewer.get_by_text("Stripe Secret API Key")).to_have_count(0)

        # The owner removes the viewer; the viewer's very next page no longer shows it.
        page.goto(browsing.url("/organisation/members/"))
        page.get_by_role("button", name="Remove vera@example.com").click()
        expect(page.get_by_role("status").filter(has_text="no longer has access")).to_be_visible()
        viewer.goto(browsing.url("/"))
        expect(viewer.get_by_role("heading", name="Home", exact=True)).to_be_visible()
        expect(viewer.get_by_role("heading", name="Charges")).to_have_count(0)
        expect(viewer.get_by_role("group", name="Gross volume", exact=True)).to_have_count(0)
    finally:
        viewer.context.close()


def _combined(*snapshots: Snapshot) -> Snapshot:
    return Snapshot({k: [o for s in snapshots for o in s[k]] for k in snapshots[0].objects})


def test_a_second_account_is_charted_apart_and_all_accounts_add_up_within_each_currency(
    browsing: Browsing, stripe_api: Any
) -> None:
    first = stripe_api.control.create_account(seed="teams first", charges=400, days=20)
    second = stripe_api.control.create_account(seed="teams second", charges=300, days=20)
    snapshots = {
        account.id: list_everything(stripe_api.api_base, account.keys["secret"])
        for account in (first, second)
    }
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("nina@example.com")
    guide.open_integrations()
    card = guide.save_key(browsing.never_show(Secret("first", first.keys["restricted"])), shot="1")

    def add(key: Secret) -> Any:
        card = guide.stripe_card()
        card.get_by_text("Add another Stripe account").click()
        card.get_by_label("Secret API key of the other Stripe account").fill(key.reveal())
        card.get_by_role("button", name="Add this account").click()
        return guide.stripe_card()

    card = add(browsing.never_show(Secret("second", second.keys["restricted"])))
    accounts = card.get_by_role("region", name="Connected Stripe accounts")
    expect(accounts.get_by_role("group", name=re.compile(r"^acct_"))).to_have_count(2)
    for account in (first, second):
        expect(accounts.get_by_role("heading", name=re.compile(account.id))).to_be_visible()
    browsing.shots.take("two accounts")
    # The same account in the same mode again: refused, by name.
    card = add(browsing.never_show(Secret("again", first.keys["restricted"])))
    expect(card.get_by_role("alert")).to_contain_text(f"{first.id} is already connected")
    browsing.run_worker()

    zone = ZoneInfo("UTC")
    choices = {
        "All accounts": _combined(*snapshots.values()),
        f"{first.id} (Sandbox)": snapshots[first.id],
        f"{second.id} (Sandbox)": snapshots[second.id],
    }
    for label, snapshot in choices.items():
        page.goto(browsing.url("/?range=last_7_days&tz=UTC&compare=previous_period"))
        picker = page.get_by_role("navigation", name="Stripe account")
        picker.get_by_role("link", name=label, exact=True).click()
        expect(picker.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "true"
        )
        amounts = _amount_currencies(snapshot, zone)
        assert amounts, f"no amounts to compare for {label}"
        for currency in sorted(amounts):
            asked = datetime.now(UTC)
            shown = page.get_by_role("navigation", name="Currency of the amounts")
            if shown.count():
                shown.get_by_role("link", name=currency.upper(), exact=True).click()
            cut = _cut(page, zone, asked, datetime.now(UTC))
            spans = windows("last_7_days", zone, cut)
            now, before = figures(snapshot, spans.current), figures(snapshot, spans.previous)
            for name in COUNTS:
                _check_count(_group(page, name), name, now, before)
            for name in AMOUNTS:
                if now.amounts[name] or before.amounts[name]:
                    _check_amount(_group(page, name), name, currency, now, before)
        browsing.shots.take(f"headlines of {label}")

    # A chart of Charges' amount over 14 whole days: drawn for all accounts, then each.
    last = datetime.now(UTC).date() - timedelta(days=1)
    first_day = last - timedelta(days=13)
    guide.home_by_logo()
    guide.open_new_chart_with_stripe()
    guide.metric("Charges").check()
    page.get_by_label("Stripe account").select_option(label="All accounts")
    page.get_by_label("Show").select_option(label="Amount")
    page.get_by_label("Date range").select_option(label="Custom")
    page.get_by_role("textbox", name="From", exact=True).fill(f"{first_day:%Y-%m-%d}")
    page.get_by_role("textbox", name="To", exact=True).fill(f"{last:%Y-%m-%d}")
    page.get_by_label("Chart name").fill("Volume")
    page.get_by_role("button", name="Save chart").click()
    expect(page.get_by_role("heading", name="Volume", level=1)).to_be_visible()
    calendar = Calendar(zone, "day", *custom_range(first_day, last, zone))
    amount = next(d for d in DEFINITIONS if d.id == "charges-amount")
    for label, snapshot in choices.items():
        picker = page.get_by_role("navigation", name="Stripe account")
        picker.get_by_role("link", name=label, exact=True).click()
        expect(picker.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "true"
        )
        reference = compute(amount, snapshot, calendar)
        minor: dict[str, int] = {}
        for (currency, _), values in reference.series.items():
            minor[currency] = minor.get(currency, 0) + sum(values)
        expected = {code: major_units(total, code) for code, total in minor.items()}
        assert _totals(page) == expected, label
        browsing.shots.take(f"chart of {label}")


def _totals(page: Page) -> dict[str, str]:
    """The chart page's "Totals for the range": currency -> its total, as digits."""
    rows = page.get_by_role("region", name="Totals for the range").get_by_role("row")
    totals = {}
    for index in range(1, rows.count()):
        cells = rows.nth(index).get_by_role("cell")
        totals[cells.nth(1).inner_text().lower()] = plain_number(cells.nth(2).inner_text())
    return totals


def _amount_currencies(snapshot: Snapshot, zone: ZoneInfo) -> set[str]:
    """The currencies of the last 7 days' successful charges: the ones Home offers."""
    spans = windows("last_7_days", zone, datetime.now(UTC))
    return set(figures(snapshot, spans.current).succeeded_by_currency)


def test_one_of_several_accounts_is_removed_after_a_dialog_that_names_it(
    browsing: Browsing, stripe_api: Any
) -> None:
    first = stripe_api.control.create_account(seed="teams remove a", charges=40, days=5)
    second = stripe_api.control.create_account(seed="teams remove b", charges=40, days=5)
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("rita@example.com")
    guide.open_integrations()
    guide.save_key(browsing.never_show(Secret("first", first.keys["restricted"])), shot="first")
    card = guide.stripe_card()
    card.get_by_text("Add another Stripe account").click()
    key = browsing.never_show(Secret("second", second.keys["restricted"]))
    card.get_by_label("Secret API key of the other Stripe account").fill(key.reveal())
    card.get_by_role("button", name="Add this account").click()
    card = guide.stripe_card()
    card.get_by_role("button", name=f"Remove {second.id} (Sandbox)").click()
    dialog = page.get_by_role("dialog", name=f"Remove {second.id}?")
    expect(dialog).to_contain_text("discards every figure synced from it")
    dialog.get_by_role("button", name="Remove the key and its figures").click()
    card = guide.stripe_card()
    expect(card.get_by_role("status").filter(has_text="The Stripe key was removed")).to_be_visible()
    accounts = card.get_by_role("region", name="Connected Stripe accounts")
    expect(accounts.get_by_role("group", name=re.compile(r"^acct_"))).to_have_count(1)
    expect(accounts.get_by_role("heading", name=re.compile(first.id))).to_be_visible()
