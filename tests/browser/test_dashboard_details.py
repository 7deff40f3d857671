"""Details a person notices, in Chromium: the Live or Sandbox badge on every Home card and
chart page; the browser's own time zone offered in the zone pickers; the Save button that
stays under the pointer while the card's state changes; Home's cards reordered by
dragging, kept after a reload; the guide's pages on a phone, fitting its screen and
readable (WCAG AA contrast) in light and dark."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Browsing
from tests.browser.guide import STATUS_POLL_MS, Guide, chart_card
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def _new_chart(guide: Guide, metric: str, name: str) -> str:
    """A chart of ``metric`` named ``name``, saved from New Chart; its page's address."""
    page = guide.page
    guide.home_by_logo()
    guide.open_new_chart_with_stripe()
    guide.metric(metric).check()
    page.get_by_label("Chart name").fill(name)
    expect(
        page.get_by_role("region", name="Preview").get_by_text("Loading preview…")
    ).to_be_hidden()
    page.get_by_role("button", name="Save chart").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    return page.url


def _card_names(page: Page) -> list[str]:
    return page.locator(".chart-card .chart-card-name").all_inner_texts()


def _badges_say(browsing: Browsing, mode: str, names: list[str], urls: list[str]) -> None:
    page = browsing.page
    other = "Sandbox" if mode == "Live" else "Live"
    page.goto(browsing.url("/"))
    for name in names:
        card = chart_card(page, name)
        expect(card.get_by_text(mode, exact=True)).to_be_visible()
        expect(card.get_by_text(other, exact=True)).to_have_count(0)
    for url in urls:
        page.goto(url)
        head = page.get_by_role("heading", level=1).locator("xpath=../..")
        expect(head.get_by_text(mode, exact=True)).to_be_visible()
        expect(page.get_by_text(other, exact=True)).to_have_count(0)


def test_every_home_card_and_chart_page_shows_the_keys_mode(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("katherine.j@example.com")
    guide.open_integrations()
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="sandbox key saved")
    browsing.run_worker()
    names = ["Money in", "Payments"]
    urls = [_new_chart(guide, "Revenue", names[0]), _new_chart(guide, "Charges", names[1])]
    _badges_say(browsing, "Sandbox", names, urls)
    page.goto(browsing.url("/"))
    browsing.shots.take("sandbox badges on home")

    # A live key replaces it: every card says Live at once, while the new key syncs too.
    guide.open_integrations()
    guide.save_key(
        browsing.never_show(stripe_keys["restricted_live"]), shot="live key", replacing=True
    )
    _badges_say(browsing, "Live", names, urls)
    # A chart page left open while its sync runs reloads itself when the sync is done; the
    # test waits on Integrations instead, whose card follows the sync in place.
    guide.open_integrations()
    browsing.run_worker()
    _badges_say(browsing, "Live", names, urls)
    page.goto(browsing.url("/"))
    browsing.shots.take("live badges on home")


@pytest.mark.parametrize("context_options", [{"timezone_id": "Asia/Kolkata"}])
def test_the_browsers_own_time_zone_is_suggested_in_the_zone_pickers(
    browsing: Browsing, stripe_keys: dict[str, Secret], context_options: dict[str, Any]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("srinivasa.r@example.com")
    page.wait_for_load_state("load")
    view = page.get_by_role("form", name="Dashboard view")
    zone = view.get_by_label("Time zone")
    expect(zone).to_have_value("UTC")
    suggestion = view.get_by_role("button", name="Use my time zone (Asia/Kolkata)")
    expect(suggestion).to_be_visible()
    browsing.shots.take("the browser's zone suggested", full_page=False)
    suggestion.click()
    expect(zone).to_have_value("Asia/Kolkata")
    expect(zone).to_be_focused()
    expect(suggestion).to_have_count(0)
    view.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]tz=Asia%2FKolkata(&|$)"))
    expect(page.get_by_text(re.compile(r"· Asia/Kolkata"))).to_be_visible()
    # The zone in use is the browser's: nothing more to suggest.
    expect(page.get_by_role("button", name=re.compile("^Use my time zone"))).to_have_count(0)

    # New Chart's own zone field offers it too.
    guide.open_integrations()
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="key saved")
    # Home back in UTC: a new chart opens in Home's zone, and offers the browser's.
    page.goto(browsing.url("/?tz=UTC"))
    guide.open_new_chart_with_stripe()
    guide.metric("Charges").check()
    page.get_by_label("Date range").select_option(label="Last 7 days")
    field = page.get_by_label("Time zone")
    expect(field).to_have_value("UTC")
    page.get_by_role("button", name="Use my time zone (Asia/Kolkata)").click()
    expect(field).to_have_value("Asia/Kolkata")


def _place(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, "not displayed"
    return {key: round(box[key], 1) for key in ("x", "y", "width", "height")}


def _under_pointer(page: Page, box: dict[str, float]) -> str:
    """The text of the button at the middle of ``box``, where the pointer rests."""
    return str(
        page.evaluate(
            "([x, y]) => (document.elementFromPoint(x, y)?.closest('button')?.textContent ?? '')",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
    ).strip()


@pytest.mark.parametrize(
    "context_options", [{"viewport": DESKTOP}, {"viewport": PHONE}], ids=["1440px", "390px"]
)
def test_the_save_button_stays_under_the_pointer_while_the_card_changes(
    browsing: Browsing, stripe_keys: dict[str, Secret], context_options: dict[str, Any]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("hedy.l@example.com")
    guide.open_integrations()
    guide.hold_page_timers()
    card = guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="saved")
    expect(card.get_by_text(re.compile(r"^Syncing… \d+%"))).to_be_visible()
    save = card.get_by_role("button", name="Save", exact=True)
    save.hover()  # the person's pointer rests on Save, e.g. to replace the key next
    before = _place(save)
    assert _under_pointer(page, before) == "Save"

    # The first sync ends: the card turns to "Synced just now" in place.
    browsing.run_worker()
    page.clock.run_for(STATUS_POLL_MS)
    expect(card.get_by_text(re.compile(r"^Synced just now$"))).to_be_visible()
    after = _place(save)
    browsing.shots.take("synced, save in place", full_page=False)
    page.clock.resume()
    assert after == before, "the Save button moved while the card changed"
    assert _under_pointer(page, after) == "Save"


def test_home_cards_reordered_by_dragging_keep_their_order_after_a_reload(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("margaret.h@example.com")
    guide.open_integrations()
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="key saved")
    browsing.run_worker()
    for metric, name in (("Charges", "One"), ("Refunds", "Two"), ("Customers", "Three")):
        _new_chart(guide, metric, name)
    guide.home_by_logo()
    page.wait_for_load_state("load")
    assert _card_names(page) == ["Three", "Two", "One"]  # the newest first

    # "Three" dragged past "One", the last card: dropped on its far half.
    one = chart_card(page, "One")
    box = one.bounding_box()
    assert box is not None
    chart_card(page, "Three").drag_to(
        one, target_position={"x": box["width"] * 0.75, "y": box["height"] * 0.75}
    )
    expect(
        page.get_by_role("status").filter(has_text="Three moved to position 3 of 3")
    ).to_be_attached()
    assert _card_names(page) == ["Two", "One", "Three"]
    browsing.shots.take("dragged to the end")
    page.reload()
    assert _card_names(page) == ["Two", "One", "Three"], "the dragged order was not kept"

    # And back to the front, dropped on the near half of the first card.
    two = chart_card(page, "Two")
    chart_card(page, "Three").drag_to(two, target_position={"x": 8, "y": 8})
    expect(
        page.get_by_role("status").filter(has_text="Three moved to position 1 of 3")
    ).to_be_attached()
    page.reload()
    assert _card_names(page) == ["Three", "Two", "One"], "the dragged order was not kept"
    # The keyboard's Move buttons follow the new order.
    expect(page.get_by_role("button", name="Move Three earlier")).to_be_disabled()
    expect(page.get_by_role("button", name="Move One later")).to_be_disabled()


# Every text node a person sees, with its colour against the first opaque background
# behind it (the app draws no text over pictures); WCAG AA asks 4.5:1, 3:1 for large text.
# Disabled controls are exempt, as WCAG exempts them.
_LOW_CONTRAST = r"""() => {
  const rgb = (c) => {
    const p = c.match(/[\d.]+/g).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const behind = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255};
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || el.closest(".visually-hidden, datalist, script, :disabled")) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || !box.width || !box.height) continue;
    const [a, b] = [lum(rgb(style.color)), lum(behind(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) found.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}`);
  }
  return found;
}"""
_WIDER_THAN_SCREEN = """() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
  [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest(".table-scroll"))
    .slice(0, 5).map(el => `wider than the screen: ${el.tagName}.${el.className}`)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("context_options", [{"viewport": PHONE}], ids=["390px"])
def test_the_guides_pages_fit_a_phone_and_every_text_is_readable(
    browsing: Browsing, stripe_keys: dict[str, Secret], context_options: dict[str, Any], scheme: str
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
    problems: dict[str, list[str]] = {}

    def check(where: str) -> None:
        page.wait_for_load_state("load")
        found = page.evaluate(_LOW_CONTRAST) + page.evaluate(_WIDER_THAN_SCREEN)
        if found:
            problems[where] = found
        browsing.shots.take(f"{where} {scheme}")

    page.goto(browsing.url("/account/login/"))
    check("log in")
    guide.sign_up("dorothy.v@example.com")
    check("home, empty")
    guide.open_integrations()
    check("integrations")
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="key saved")
    check("integrations, syncing")
    browsing.run_worker()
    guide.home_by_logo()
    guide.open_new_chart_with_stripe()
    guide.metric("Charges").check()
    page.get_by_label("Break down by").select_option(label="Card brand")
    expect(
        page.get_by_role("region", name="Preview").get_by_text("Loading preview…")
    ).to_be_hidden()
    check("new chart")
    page.get_by_role("button", name="Save chart").click()
    expect(page.get_by_role("heading", name="Charges", level=1)).to_be_visible()
    check("chart")
    guide.home_by_logo()
    check("home")
    guide.open_profile_menu()
    page.get_by_role("link", name="Members", exact=True).click()
    expect(page.get_by_role("button", name="Remove dorothy.v@example.com")).to_be_visible()
    check("members")
    assert problems == {}, "text below AA contrast, or wider than a phone"
