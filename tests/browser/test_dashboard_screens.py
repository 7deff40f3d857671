"""Home at 1440 and 390 px wide, light and dark (the system's choice): nothing runs off the
side of a phone, every figure stays readable, and the README's screenshots come from here
(``CHARTIVO_UPDATE_DOCS=1`` writes them into docs/)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import UPDATE_DOCS, Browsing
from tests.browser.guide import DOCS, PAGE_OVERFLOW, Guide
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]

_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(el => el.tagName + "." + el.className)"""
_BACKGROUND = "() => getComputedStyle(document.documentElement).backgroundColor"


def test_the_dashboard_at_desktop_and_phone_widths_in_light_and_dark(
    browsing: Browsing, stripe_keys: dict[str, Secret], settings: Any
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("annie@example.com")
    guide.open_integrations()
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="key saved")
    guide.home_by_logo()
    browsing.run_worker()
    for metric in ("Revenue", "Charges", "Refunds"):
        guide.create_chart(metric)
    page.goto(browsing.url("/?range=last_7_days&tz=UTC&compare=previous_period"))
    expect(page.get_by_role("group", name="Gross volume", exact=True)).to_be_visible()

    backgrounds = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
            expect(page.get_by_role("group", name="Gross volume", exact=True)).to_be_visible()
            assert page.evaluate(PAGE_OVERFLOW) <= 0, (
                f"Home runs off the side at {width} px: {page.evaluate(_WIDE)}"
            )
            value = page.get_by_role("group", name="Net volume", exact=True).locator(
                ".headline-value"
            )
            box = value.bounding_box()
            assert box and box["width"] <= width, "a figure is wider than the screen"
            backgrounds[scheme] = page.evaluate(_BACKGROUND)
            image = page.screenshot(full_page=True)
            browsing.shots.take(f"home {width} {scheme}")
            if UPDATE_DOCS:
                (DOCS / f"dashboard-{width}-{scheme}.png").write_bytes(image)
    assert backgrounds["light"] != backgrounds["dark"], "dark mode does not follow the system"
