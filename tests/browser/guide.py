"""The guide's steps, done the way its reader does them: by what the screen says.

Every element is found by its role and visible name or by its label, never by a CSS class
or an id, so that a step fails exactly when a user following the guide would be stuck.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Browsing
from tests.browser.secret import Secret

PASSWORD = "a long password 1"
STATUS_POLL_MS = 2_000  # how often the Integrations card asks how the sync is going
METRICS = ("Charges", "Customers", "Revenue", "Refunds", "Disputes", "Balance transactions")
BEYOND_THE_GUIDE = ("Payouts",)  # offered besides the guide's six
DOCS = Path(__file__).resolve().parents[2] / "docs"  # where screenshots for readers go
# How far a page runs off the side of the screen (0: it fits, as on a phone it must).
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


class Guide:
    def __init__(self, browsing: Browsing) -> None:
        self.browsing = browsing
        self.page: Page = browsing.page
        self.shot = browsing.shots.take

    def connected(self, email: str, key: Secret) -> None:
        """Signed up as ``email`` with ``key`` saved and its first sync done: where most
        journeys past the guide's Step 5 start."""
        self.sign_up(email)
        self.open_integrations()
        self.save_key(self.browsing.never_show(key), shot="key saved")
        self.browsing.run_worker()

    # --- Step 1: account -------------------------------------------------------------
    def sign_up(self, email: str) -> None:
        page = self.page
        page.goto(self.browsing.url("/"))
        page.get_by_role("link", name="Sign up").click()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Confirm password").fill(PASSWORD)
        self.shot("sign up")
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    def log_out(self) -> None:
        self.open_profile_menu()
        self.page.get_by_role("button", name="Log out").click()
        expect(self.page.get_by_role("heading", name="Log in to Chartivo")).to_be_visible()

    def log_in(self, email: str) -> None:
        page = self.page
        if not page.url.startswith(self.browsing.url("/account/login/")):
            page.goto(self.browsing.url("/account/login/"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        self.shot("log in")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    # --- Step 2: the Integrations page ----------------------------------------------------
    def profile_button(self) -> Locator:
        return self.page.get_by_role("button", name="Profile menu")

    def open_profile_menu(self) -> None:
        # The menu is the page's script: wait until the page (and so the script) has loaded,
        # as a person would, or a click in the first milliseconds finds no handler.
        self.page.wait_for_load_state("load")
        self.profile_button().click()
        expect(self.profile_button()).to_have_attribute("aria-expanded", "true")

    def open_integrations(self, *, doc: str | None = None) -> None:
        self.open_profile_menu()
        integrations = self.page.get_by_role("link", name="Integrations", exact=True)
        expect(integrations).to_be_visible()
        self.shot("profile dropdown", doc=doc)
        integrations.click()
        expect(self.page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()

    def stripe_card(self) -> Locator:
        """Step 3: "Scroll down to locate the Stripe Configuration card"."""
        card = self.page.get_by_role("region", name="Stripe Configuration")
        expect(card).to_be_visible()
        card.scroll_into_view_if_needed()
        expect(card.get_by_role("heading", name="Stripe Configuration")).to_be_in_viewport()
        return card

    def key_field(self) -> Locator:
        return self.stripe_card().get_by_label("Stripe Secret API Key")

    # --- Step 5: paste the key and Save ---------------------------------------------------
    def save_key(
        self,
        text: str | Secret,
        *,
        shot: str,
        doc: str | None = None,
        pasted_doc: str | None = None,
        replacing: bool = False,
    ) -> Locator:
        card = self.stripe_card()
        field = card.get_by_label("Stripe Secret API Key")
        expect(field).to_have_attribute("type", "password")
        field.fill(text.reveal() if isinstance(text, Secret) else text)
        if pasted_doc:  # the guide's picture of the filled field, masked with dots
            self.shot(f"{shot} pasted", doc=pasted_doc)
        card.get_by_role("button", name="Save", exact=True).click()
        if replacing:  # a saved key is replaced only once the user confirms it
            dialog = self.page.get_by_role("dialog", name="Replace your Stripe key?")
            self.shot(f"{shot} asks first", full_page=False)
            dialog.get_by_role("button", name="Replace the key").click()
        card = self.stripe_card()
        self.shot(shot, doc=doc)
        return card

    def field_is_empty(self) -> bool:
        # A yes or no, so that a failing assertion never prints what the field held.
        return self.key_field().input_value() == ""

    def hold_page_timers(self) -> None:
        """Stops the page's timers (its status polling) until ``sync_and_watch_the_card``.

        The worker and the page's polling must not touch the test database at the same
        time: on SQLite the live server shares the test's in-memory database, which
        allows one user at a time. Holding the page's clock keeps the steps in order
        without waiting on the wall clock.
        """
        self.page.clock.install()
        self.page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=1))

    def sync_and_watch_the_card(self) -> Locator:
        """The worker syncs; the card turns from "Syncing…" to "Synced just now" by itself,
        in place: the page is not reloaded, so its green banner stays."""
        card = self.stripe_card()
        expect(card.get_by_text(re.compile(r"^Syncing… \d+%"))).to_be_visible()
        self.browsing.run_worker()
        self.page.evaluate("() => { window.__samePage = true; }")
        # The card's next look at the sync status finds it done.
        self.page.clock.run_for(STATUS_POLL_MS)
        card = self.stripe_card()
        expect(card.get_by_text(re.compile(r"^Synced just now$"))).to_be_visible()
        assert self.page.evaluate("() => window.__samePage === true"), "the page was reloaded"
        expect(
            card.get_by_role("status").filter(has_text="The first sync has finished")
        ).to_be_attached()
        self.page.clock.resume()
        return card

    # --- Step 6: a chart ------------------------------------------------------------------
    def home_by_logo(self) -> None:
        self.page.get_by_role("link", name="Chartivo — Home").click()
        expect(self.page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    def open_new_chart_with_stripe(self, *, doc: str | None = None) -> Locator:
        page = self.page
        page.get_by_role("link", name="New Chart").click()
        expect(page.get_by_role("heading", name="New Chart")).to_be_visible()
        page.get_by_role("link", name="Stripe").click()
        metrics = page.get_by_role("group", name="Stripe metric")
        expect(metrics).to_be_visible()
        if doc:
            self.shot("new chart with stripe", doc=doc)
        return metrics

    def metric(self, label: str) -> Locator:
        return self.page.get_by_role("radio", name=label, exact=True)

    def create_chart(self, metric: str, *, date_range: str | None = None) -> None:
        """The logo → New Chart → Stripe → the metric (→ the range) → Save chart."""
        page = self.page
        self.home_by_logo()
        self.open_new_chart_with_stripe()
        self.metric(metric).check()
        if date_range:
            page.get_by_label("Date range").select_option(label=date_range)
        preview = page.get_by_role("region", name="Preview")
        expect(preview.get_by_text("Choose a metric to see a preview.")).to_be_hidden()
        expect(preview.get_by_text("Loading preview…")).to_be_hidden()
        page.get_by_role("button", name="Save chart").click()
        expect(page.get_by_role("heading", name=metric, level=1)).to_be_visible()


# --- Reading what a chart page shows ------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """The series Chart.js is drawing (name -> the numbers plotted), in one currency;
    a comparison's dashed series apart (name -> numbers)."""

    series: dict[str, list[float]]
    labels: list[str]
    currency: str  # as the chart's accessible name says: "… in USD: …"; "" for counts
    previous: dict[str, list[float | None]]


def drawn(page: Page) -> Drawn:
    data = page.get_by_role("img", name=re.compile("every figure is in the table")).evaluate(
        """canvas => {
            const chart = window.Chart.getChart(canvas);
            if (!chart) return null;
            const current = chart.data.datasets.filter(d => !d.chartivo.previous);
            const previous = chart.data.datasets.filter(d => d.chartivo.previous);
            const match = canvas.getAttribute("aria-label").match(/ in ([A-Z]{3}):/);
            return {
              labels: chart.data.labels,
              series: Object.fromEntries(current.map(d => [d.label, d.data])),
              previous: Object.fromEntries(previous.map(d => [d.chartivo.series.name, d.data])),
              currency: match ? match[1] : "",
            };
        }"""
    )
    assert data is not None, "no chart is drawn on the canvas"
    return Drawn(data["series"], data["labels"], data["currency"], data["previous"])


def hover_peak(page: Page) -> tuple[str, list[str]]:
    """Hovers where the first drawn series is highest, as someone checking a figure would,
    and returns the tooltip's title and rows."""
    canvas = page.get_by_role("img", name=re.compile("every figure is in the table"))
    point = canvas.evaluate(
        """canvas => {
            const chart = window.Chart.getChart(canvas);
            const values = chart.data.datasets[0].data;
            const index = values.indexOf(Math.max(...values));
            const element = chart.getDatasetMeta(0).data[index];
            return {x: element.x, y: Math.max(element.y, chart.chartArea.top + 2)};
        }"""
    )
    canvas.hover(position={"x": point["x"], "y": point["y"]})
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    lines = [line.strip() for line in tooltip.inner_text().splitlines() if line.strip()]
    return lines[0], lines[1:]


@dataclass(frozen=True)
class Figure:
    period_start: str  # ISO 8601, as the CSV writes it
    period: str  # the label the chart and its tooltip show
    currency: str
    series: str
    display: str


def figure_tables(page: Page) -> list[Figure]:
    """Every figure of the "Figures by period" tables, opened as a user opens them."""
    section = page.get_by_role("region", name="Figures by period")
    section.get_by_text("Show the figures as a table").click()
    # The table is loaded when it is opened.
    expect(section.get_by_role("table").first).to_be_visible()
    tables: list[dict[str, Any]] = section.locator("[data-currency]").evaluate_all(
        """blocks => blocks.map(block => ({
            currency: block.dataset.currency,
            columns: [...block.querySelectorAll("thead th")].slice(1).map(th => th.textContent),
            rows: [...block.querySelectorAll("tbody tr")].map(tr => ({
              start: tr.querySelector("time").getAttribute("datetime"),
              label: tr.querySelector("time").textContent,
              cells: [...tr.querySelectorAll("td")].map(td => td.textContent),
            })),
        }))"""
    )
    return [
        Figure(row["start"], row["label"], table["currency"], column, cell)
        for table in tables
        for row in table["rows"]
        for column, cell in zip(table["columns"], row["cells"], strict=True)
    ]


def plain_number(display: str) -> str:
    """ "$1,234.50" or "KWD 1,234.500" -> the CSV's spelling of a figure the page shows
    (the browser reads in en-US)."""
    return re.sub(r"[^0-9.\-]", "", display.replace("−", "-"))


def download_csv(page: Page, folder: Path) -> list[dict[str, str]]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    with target.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def check_chart_against_csv(
    page: Page, folder: Path, shot: Callable[[], None] = lambda: None
) -> list[Figure]:
    """The drawn chart, its tooltip, its table of figures and its CSV hold the same numbers.

    ``shot`` is called while the tooltip shows. Returns the figures, for further checks.
    """
    shown = drawn(page)
    assert shown.series, "the chart draws no series"
    assert any(any(values) for values in shown.series.values()), "the chart is drawn flat"
    title, tooltip_rows = hover_peak(page)
    shot()

    figures = figure_tables(page)
    rows = download_csv(page, folder)
    from_csv = {(r["period_start"], r["currency"], r["series"]): r["value"] for r in rows}
    assert len(from_csv) == len(rows), "the CSV repeats a period and series"
    from_tables = {(f.period_start, f.currency, f.series): plain_number(f.display) for f in figures}
    assert from_tables == from_csv, "the CSV does not hold the figures the page shows"

    # What Chart.js plots, period by period, is the CSV's number.
    starts = list(dict.fromkeys(f.period_start for f in figures))  # in the table's order
    for name, values in shown.series.items():
        expected = [float(from_csv[(start, shown.currency, name)]) for start in starts]
        assert values == expected, f"{name}: the drawn values are not the CSV's"

    # The tooltip at the highest point reads the same figure as the table.
    by_label = {(f.period, f.currency, f.series): f.display for f in figures}
    assert tooltip_rows, "the tooltip shows no value"
    for row in tooltip_rows:
        name, _, value = row.partition(" · ")[0].rpartition(": ")
        assert by_label[(title, shown.currency, name)] == value, f"tooltip {row!r} at {title}"
    return figures


def main_total(page: Page) -> str:
    """The range's total of the chart's main series (the busiest currency's), as the
    "Totals for the range" table writes it: what the chart's card on Home shows."""
    table = page.get_by_role("region", name="Totals for the range").get_by_role("table")
    return table.get_by_role("row").nth(1).get_by_role("cell").nth(2).inner_text()


def chart_card(page: Page, name: str) -> Locator:
    """A chart's card on Home, found by the link that opens the chart."""
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=re.compile(rf"^{re.escape(name)} "))
    )


# --- The keyboard alone -------------------------------------------------------------------

# A focus ring that can be seen: a box shadow or outline with a colour of at least 3:1
# against the page's background (WCAG 2.2's focus appearance), on the element or its label.
FOCUS_RING = r"""el => {
  const rgb = (c) => (c.match(/[\d.]+/g) || ["255", "255", "255"]).map(Number);
  const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = (p) => 0.2126 * channel(p[0]) + 0.7152 * channel(p[1]) + 0.0722 * channel(p[2]);
  const opaque = [document.body, document.documentElement]
    .map((node) => rgb(getComputedStyle(node).backgroundColor))
    .find((p) => p.length < 4 || p[3] > 0.5) || [255, 255, 255];
  const page = lum(opaque);
  const seen = (c) => {
    const l = lum(rgb(c));
    return (Math.max(l, page) + 0.05) / (Math.min(l, page) + 0.05) >= 3;
  };
  return [el, ...(el.labels || [])].some((node) => {
    const style = getComputedStyle(node);
    const shadows = style.boxShadow === "none" ? "" : style.boxShadow;
    const colours = shadows.match(/rgba?\([^)]*\)/g) || [];
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
      colours.push(style.outlineColor);
    }
    return colours.some(seen);
  });
}"""


def tab_to(page: Page, target: Locator, *, limit: int = 40) -> None:
    """Presses Tab until ``target`` has the focus, as a keyboard user moves through a page,
    and checks that the focus can be seen there."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            assert target.evaluate(FOCUS_RING), "the focused element shows no focus ring to be seen"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} cannot be reached with the Tab key")
