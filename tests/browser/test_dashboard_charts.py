"""Charts on the dashboard, in Chromium: the range in the address applies to every chart
that follows it and is remembered; a chart edited and Home reordered with the keyboard
alone; the comparison overlay; one colour per card brand in every currency; zero against
No Data; deleting asks first and can be undone; the app's own 404 page."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.guide import Guide, drawn, tab_to
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]


def _connected(browsing: Browsing, key: Secret, email: str) -> Guide:
    guide = Guide(browsing)
    guide.sign_up(email)
    guide.open_integrations()
    guide.save_key(browsing.never_show(key), shot="key saved")
    guide.home_by_logo()
    browsing.run_worker()
    return guide


def _new_chart(
    guide: Guide,
    metric: str,
    *,
    name: str,
    date_range: str | None = None,
    breakdown: str | None = None,
    chart_type: str | None = None,
) -> None:
    page = guide.page
    guide.home_by_logo()
    guide.open_new_chart_with_stripe()
    guide.metric(metric).check()
    if breakdown:
        page.get_by_label("Break down by").select_option(label=breakdown)
    if date_range:
        page.get_by_label("Date range").select_option(label=date_range)
    if chart_type:
        page.get_by_role("radio", name=chart_type, exact=True).check()
    page.get_by_label("Chart name").fill(name)
    expect(
        page.get_by_role("region", name="Preview").get_by_text("Loading preview…")
    ).to_be_hidden()
    page.get_by_role("button", name="Save chart").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def _card(page: Page, name: str) -> Any:
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=re.compile(rf"^{re.escape(name)} "))
    )


def _card_names(page: Page) -> list[str]:
    return page.locator(".chart-card .chart-card-name").all_inner_texts()


def test_the_dashboard_range_in_the_address_applies_to_every_chart_that_follows_it(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = _connected(browsing, stripe_keys["restricted"], "ada.l@example.com")
    page = browsing.page
    _new_chart(guide, "Revenue", name="Follows A", date_range="Dashboard range")
    _new_chart(guide, "Charges", name="Follows B", date_range="Dashboard range")
    _new_chart(guide, "Customers", name="Pinned", date_range="Last 7 days")

    page.goto(browsing.url("/?range=last_30_days&tz=America/New_York&compare=none"))
    for name in ("Follows A", "Follows B"):
        expect(_card(page, name).get_by_role("link").first).to_contain_text(
            "Last 30 days (dashboard) · America/New_York"
        )
    expect(_card(page, "Pinned").get_by_role("link").first).to_contain_text("Last 7 days · UTC")
    browsing.shots.take("dashboard range applied")

    # Remembered: Home without an address opens on the same range, zone and comparison.
    guide.home_by_logo()
    expect(page.get_by_label("Date range")).to_have_value("last_30_days")
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    expect(page.get_by_label("Compare with")).to_have_value("none")
    # And the chart page of a chart that follows it draws that range.
    _card(page, "Follows A").get_by_role("link").first.click()
    expect(page.get_by_text(re.compile(r"Last 30 days \(the dashboard's range\)"))).to_be_visible()
    expect(page.get_by_text("Time zone: America/New_York")).to_be_visible()


def test_a_chart_edited_and_home_reordered_with_the_keyboard_alone(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = _connected(browsing, stripe_keys["restricted"], "grace.h@example.com")
    page = browsing.page
    keyboard = page.keyboard
    _new_chart(guide, "Charges", name="First")
    _new_chart(guide, "Refunds", name="Second")
    guide.home_by_logo()
    page.wait_for_load_state("load")
    assert _card_names(page) == ["Second", "First"]  # the newest comes first

    # Reorder: the Move buttons, reached with Tab and pressed with Enter.
    tab_to(page, page.get_by_role("button", name="Move Second later"), limit=80)
    keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="Second moved to position 2 of 2")
    ).to_be_attached()
    assert _card_names(page) == ["First", "Second"]
    page.reload()
    assert _card_names(page) == ["First", "Second"], "the order was not kept"
    browsing.shots.take("reordered with the keyboard")

    # Edit: open the chart, then Edit chart, change its name and range, Save changes.
    tab_to(page, page.get_by_role("link", name=re.compile("^First ")), limit=80)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="First", level=1)).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Edit chart"), limit=80)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Edit chart")).to_be_visible()
    page.wait_for_load_state("load")
    tab_to(page, page.get_by_label("Date range"), limit=80)
    keyboard.press("End")  # the select's last option: Custom… one up is Last month
    keyboard.press("ArrowUp")
    expect(page.get_by_label("Date range")).to_have_value("last_month")
    tab_to(page, page.get_by_label("Chart name"), limit=80)
    keyboard.press("Control+a")
    keyboard.type("First, edited")
    tab_to(page, page.get_by_role("button", name="Save changes"), limit=80)
    keyboard.press("Enter")
    heading = page.get_by_role("heading", name="First, edited", level=1)
    if not heading.count():  # a short history refuses Last month: it says so and why
        expect(page.get_by_role("alert")).to_contain_text("CHARTIVO_HISTORY_DAYS")
        tab_to(page, page.get_by_label("Date range"), limit=80)
        keyboard.press("Home")
        keyboard.press("ArrowDown")  # Today
        tab_to(page, page.get_by_label("Granularity"), limit=80)
        keyboard.press("Home")  # Hour
        tab_to(page, page.get_by_role("button", name="Save changes"), limit=80)
        keyboard.press("Enter")
    expect(heading).to_be_visible()
    expect(page.get_by_text("Chart “First, edited” saved.")).to_be_visible()


def test_the_comparison_is_drawn_dashed_with_both_values_in_the_tooltip(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = _connected(browsing, stripe_keys["restricted"], "emmy@example.com")
    page = browsing.page
    _new_chart(guide, "Charges", name="Compared", date_range="Last 7 days")
    chart_url = page.url
    page.goto(chart_url + "?compare=previous_period")
    shown = drawn(page)
    assert shown.previous, "no comparison is drawn"
    assert set(shown.previous) == set(shown.series)
    expect(page.get_by_text(re.compile(r"Dashed: Previous period: "))).to_be_visible()
    # The period in progress is marked "so far".
    assert shown.labels[-1].endswith("(so far)"), shown.labels[-1]
    canvas = page.get_by_role("img", name=re.compile("every figure is in the table"))
    box = canvas.bounding_box()
    assert box
    canvas.hover(position={"x": box["width"] / 2, "y": box["height"] / 2})
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_contain_text("Previous period")
    row = tooltip.locator(".tooltip-row").first.inner_text()
    assert re.search(r": .+ · Previous period .*: .+ · [+−]?", row), row
    browsing.shots.take("comparison overlay", full_page=False)

    # Kept as the chart's own: "Save as this chart's default".
    page.get_by_role("button", name="Save as this chart's default").click()
    expect(page.get_by_text("This view is now the default")).to_be_visible()
    page.goto(chart_url)
    assert drawn(page).previous, "the comparison was not kept"


def test_a_card_brand_has_the_same_colour_in_every_currency(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = _connected(browsing, stripe_keys["restricted"], "ida@example.com")
    page = browsing.page
    _new_chart(guide, "Charges", name="By brand", breakdown="Card brand", chart_type="Bar")
    colours = """canvas => Object.fromEntries(window.Chart.getChart(canvas).data.datasets
        .map(d => [d.label, d.borderColor]))"""
    canvas = page.get_by_role("img", name=re.compile("every figure is in the table"))
    first = canvas.evaluate(colours)
    assert "Visa" in first, first
    switcher = page.get_by_role("group", name="Currency")
    others = [r for r in switcher.get_by_role("radio").all() if not r.is_checked()]
    compared = 0
    for radio in others:
        radio.check()
        wanted = radio.get_attribute("value")

        def redrawn(wanted: str | None = wanted) -> bool:
            return drawn(page).currency == wanted

        browsing.until(redrawn, "redrawn in it")
        second = canvas.evaluate(colours)
        for brand, colour in second.items():
            if brand in first and not brand.startswith("Other"):
                assert colour == first[brand], f"{brand} changed colour"
                compared += 1
    assert compared, "no brand was drawn in two currencies"


def _objects(page: Page, api_base: str, key: str, resource: str) -> list[dict[str, Any]]:
    answer = page.request.get(
        f"{api_base}/v1/{resource}",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    assert not answer["has_more"], "more than one page: this test reads only one"
    data: list[dict[str, Any]] = answer["data"]
    return data


def _days(objects: list[dict[str, Any]]) -> set[date]:
    return {datetime.fromtimestamp(int(o["created"]), UTC).date() for o in objects}


def test_zero_is_a_value_and_no_data_is_kept_for_a_range_without_activity(
    browsing: Browsing, stripe_api: Any
) -> None:
    quiet = stripe_api.control.create_account(
        seed="quiet fortnight", charges=40, days=5, end=int(time.time()) - 12 * 86_400
    )
    secret = quiet.keys["secret"]
    page = browsing.page
    # A day with charges and no dispute opened, found from the account's own objects.
    charge_days = _days(_objects(page, stripe_api.api_base, secret, "charges"))
    dispute_days = _days(_objects(page, stripe_api.api_base, secret, "disputes"))
    quiet_day = min(charge_days - dispute_days)
    guide = _connected(browsing, Secret("restricted", quiet.keys["restricted"]), "mary@example.com")

    page.goto(browsing.url(f"/?range=custom&from={quiet_day}&to={quiet_day}&tz=UTC&compare=none"))
    _new_chart(guide, "Disputes", name="No disputes", date_range="Dashboard range")
    expect(page.get_by_text("0 disputes in this range.")).to_be_visible()
    expect(page.get_by_text("No Data", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    browsing.shots.take("zero is a value")

    # Activity ended twelve days ago: over the last 7 days there is none at all.
    _new_chart(guide, "Disputes", name="Quiet week", date_range="Last 7 days")
    expect(page.get_by_text("No Data", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_have_count(0)


def test_deleting_a_chart_asks_first_and_can_be_undone(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = _connected(browsing, stripe_keys["restricted"], "rosalind@example.com")
    page = browsing.page
    _new_chart(guide, "Customers", name="Doomed")
    # Duplicated, then the copy's card made wide on Home (and kept so).
    page.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_role("heading", name="Doomed (copy)", level=1)).to_be_visible()
    guide.home_by_logo()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Make Doomed (copy) wider").click()
    expect(page.get_by_role("button", name="Make Doomed (copy) narrower")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Make Doomed (copy) narrower")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Doomed Customers")).click()
    expect(page.get_by_role("heading", name="Doomed", level=1)).to_be_visible()
    page.get_by_role("button", name="Delete chart").click()
    dialog = page.get_by_role("dialog", name="Delete “Doomed”?")
    expect(dialog).to_be_visible()
    browsing.shots.take("delete asks first", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("heading", name="Doomed", level=1)).to_be_visible()

    page.get_by_role("button", name="Delete chart").click()
    dialog.get_by_role("button", name="Delete chart").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Chart “Doomed” deleted.")).to_be_visible()
    original = page.get_by_role("link", name=re.compile("^Doomed Customers"))
    expect(original).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Chart “Doomed” is back.")).to_be_visible()
    expect(original).to_have_count(1)


def test_removing_and_replacing_the_key_ask_first_and_name_what_is_discarded(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = _connected(browsing, stripe_keys["restricted"], "marie@example.com")
    page = browsing.page
    key = stripe_keys["restricted"]
    _new_chart(guide, "Charges", name="Kept")
    chart_url = page.url
    guide.open_integrations()
    card = guide.stripe_card()

    card.get_by_role("button", name="Remove", exact=True).click()
    dialog = page.get_by_role("dialog", name="Remove the Stripe key?")
    expect(dialog).to_contain_text(f"{key.prefix}••••••••{key.last4}")
    expect(dialog).to_contain_text("discards every figure synced from it")
    browsing.shots.take("remove asks first", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(guide.stripe_card().get_by_text("Saved key")).to_be_visible()

    live = browsing.never_show(stripe_keys["restricted_live"])
    guide.key_field().fill(live.reveal())
    guide.stripe_card().get_by_role("button", name="Save", exact=True).click()
    replace = page.get_by_role("dialog", name="Replace your Stripe key?")
    expect(replace).to_contain_text(f"{key.prefix}••••••••{key.last4}")
    replace.get_by_role("button", name="Replace the key").click()
    expect(
        guide.stripe_card().get_by_role("status").filter(has_text="Stripe is connected (Live)")
    ).to_be_visible()

    guide.stripe_card().get_by_role("button", name="Remove", exact=True).click()
    page.get_by_role("dialog", name="Remove the Stripe key?").get_by_role(
        "button", name="Remove the key and its figures"
    ).click()
    expect(page.get_by_text("The Stripe key was removed")).to_be_visible()
    # A chart without a connection says so and links to Integrations.
    page.goto(chart_url)
    expect(page.get_by_text("Stripe is not configured yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Connect Stripe in Integrations")).to_be_visible()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_missing_page_is_the_apps_own_404(
    browsing: Browsing, stripe_keys: dict[str, Secret], settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    guide = Guide(browsing)
    guide.sign_up("barbara.l@example.com")
    page = browsing.page
    response = page.goto(browsing.url("/charts/987654/"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to Home")).to_be_visible()
    expect(page.get_by_role("link", name="Chartivo — Home")).to_be_visible()
    response = page.goto(browsing.url("/no/such/address"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    browsing.shots.take(f"404 in {'debug' if debug else 'production'} mode")
    # Chromium logs each 404 it was shown as a failed load: those two are this test's own.
    browsing.watch.errors[:] = [e for e in browsing.watch.errors if "status of 404" not in e]
