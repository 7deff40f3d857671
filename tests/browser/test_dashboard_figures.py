"""Home's headline figures, read in Chromium as a person reads them (each one a group named
by its label: the value, then the previous value and the change), against an independent
computation from the sandbox's objects: Last 7 days vs the 7 days before, Today so far vs
yesterday to the same time, This month vs last month to date, in UTC and in New York."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.guide import Guide, plain_number
from tests.browser.headline_reference import (
    AMOUNTS,
    COUNTS,
    RATES,
    Figures,
    amount_text,
    figures,
    percent_text,
    rate,
    windows,
)
from tests.browser.secret import Secret
from tests.support.reference import list_everything

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]

HISTORY_DAYS = 70  # "This month" is compared with last month: the history must reach it
CUT = re.compile(r"to (\d\d):(\d\d) \(so far\)")


def _cut(page: Page, zone: ZoneInfo, asked: datetime, answered: datetime) -> datetime:
    """The "so far" cut the page states, checked against the clock: the end of the last
    complete 15 minutes when the page was asked for."""
    summary = page.locator("#range-summary").inner_text()
    match = CUT.search(summary)
    assert match is not None, summary
    hour, minute = int(match[1]), int(match[2])
    candidates = {
        datetime.fromtimestamp(int(t.timestamp()) // 900 * 900, UTC) for t in (asked, answered)
    }
    found = [c for c in candidates if c.astimezone(zone).time() == time(hour, minute)]
    assert found, f"{summary!r} is not the last complete 15 minutes"
    return found[0]


def _group(page: Page, label: str) -> list[str]:
    group = page.get_by_role("group", name=label, exact=True)
    expect(group).to_be_visible()
    lines = [line.strip() for line in group.inner_text().splitlines() if line.strip()]
    assert lines[0] == label
    return lines[1:]


def _change_digits(now: Decimal, before: Decimal) -> str:
    sign = "+" if now > before else "-" if now < before else ""
    text = f"{sign}{abs(now - before)}"
    if before:
        percent = (abs(now - before) * 100 / abs(before)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        text += f"({sign}{percent}%)"
    return text


def _check_amount(
    lines: list[str], label: str, currency: str, now: Figures, before: Figures
) -> None:
    value = now.amounts[label].get(currency, 0)
    previous = before.amounts[label].get(currency, 0)
    assert plain_number(lines[0]) == amount_text(value, currency), (label, lines)
    assert lines[1].startswith("Previous: ")
    assert plain_number(lines[1]) == amount_text(previous, currency), (label, lines)
    if value == previous:
        assert lines[2] == "No change", lines
        return
    digits = plain_number(lines[2].split(" · ")[0].replace("(", "").replace(")", ""))
    want = _change_digits(
        Decimal(amount_text(value, currency)), Decimal(amount_text(previous, currency))
    )
    assert digits == re.sub(r"[^0-9.\-]", "", want.replace("+", "")), (label, lines, want)
    verdict = "better" if (value > previous) == (label != "Refunds") else "worse"
    assert lines[2].endswith(verdict), (label, lines)


def _check_count(lines: list[str], label: str, now: Figures, before: Figures) -> None:
    value, previous = now.counts[label], before.counts[label]
    assert lines[0] == f"{value:,}", (label, lines)
    assert lines[1] == f"Previous: {previous:,}", (label, lines)
    if value == previous:
        assert lines[2] == "No change"
        return
    want = _change_digits(Decimal(value), Decimal(previous))
    got = lines[2].lstrip("▲▼ ").split(" · ")[0].replace("−", "-").replace(" ", "").replace(",", "")
    assert got == want, (label, lines, want)
    verdict = "better" if (value > previous) == (label != "Disputes") else "worse"
    assert lines[2].endswith(verdict)


def _check_rate(lines: list[str], label: str, now: Figures, before: Figures) -> None:
    value, previous = rate(label, now), rate(label, before)
    assert lines[0] == (percent_text(value) if value is not None else "—"), (label, lines)
    if value is None or previous is None:
        return  # no change is stated against a rate of nothing
    assert lines[1] == f"Previous: {percent_text(previous)}", (label, lines)
    if value == previous:
        assert lines[2] == "No change"
        return
    points = Decimal((value - previous).numerator * 100) / Decimal((value - previous).denominator)
    sign = "+" if points > 0 else "−"
    want = f"{sign}{abs(points).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} pp"
    assert lines[2].lstrip("▲▼ ").startswith(want), (label, lines, want)


def test_every_headline_figure_and_its_comparison_equal_an_independent_computation(
    browsing: Browsing, stripe_api: Any, settings: Any
) -> None:
    settings.HISTORY_DAYS = HISTORY_DAYS
    account = stripe_api.control.create_account(seed="dashboard figures", charges=900, days=65)
    snapshot = list_everything(stripe_api.api_base, account.keys["secret"])
    key = browsing.never_show(Secret("restricted", account.keys["restricted"]))
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("hedy@example.com")
    guide.open_integrations()
    guide.save_key(key, shot="key saved")
    guide.home_by_logo()
    browsing.run_worker()

    for zone_name in ("UTC", "America/New_York"):
        zone = ZoneInfo(zone_name)
        for range_name in ("last_7_days", "today", "this_month"):
            asked = datetime.now(UTC)
            page.goto(browsing.url(f"/?range={range_name}&tz={zone_name}&compare=previous_period"))
            answered = datetime.now(UTC)
            expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
            cut = _cut(page, zone, asked, answered)
            spans = windows(range_name, zone, cut)
            now, before = figures(snapshot, spans.current), figures(snapshot, spans.previous)
            # A quiet range (today's first quarter hour) still shows the money it is
            # compared with, in the currency that money was charged in.
            busiest = sorted(
                (now.succeeded_by_currency or before.succeeded_by_currency).items(),
                key=lambda kv: (-kv[1], kv[0]),
            )
            if busiest:
                currency = busiest[0][0]
                shown = page.get_by_role("navigation", name="Currency of the amounts")
                if shown.count():
                    expect(shown.get_by_role("link", name=currency.upper())).to_have_attribute(
                        "aria-current", "true"
                    )
            else:
                currency = "usd"
            for label in AMOUNTS:
                if now.amounts[label] or before.amounts[label]:
                    _check_amount(_group(page, label), label, currency, now, before)
            for label in COUNTS:
                _check_count(_group(page, label), label, now, before)
            for label in RATES:
                _check_rate(_group(page, label), label, now, before)
            browsing.shots.take(f"{range_name} in {zone_name}")
    # The period in progress is marked: today's figures are "so far".
    expect(page.get_by_text(CUT)).to_be_visible()


def test_a_comparison_older_than_the_history_says_so_and_how_to_get_it(
    browsing: Browsing, stripe_keys: dict[str, Secret]
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.sign_up("lise@example.com")
    guide.open_integrations()
    guide.save_key(browsing.never_show(stripe_keys["restricted"]), shot="key saved")
    guide.home_by_logo()
    browsing.run_worker()
    page.goto(browsing.url("/?range=last_7_days&tz=UTC&compare=previous_year"))
    notice = page.get_by_text(re.compile("No comparison with the same period last year"))
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("CHARTIVO_HISTORY_DAYS")
    # Never a made-up zero: no previous value is shown at all.
    expect(page.get_by_text(re.compile("^Previous: "))).to_have_count(0)
    gross = page.get_by_role("group", name="Gross volume", exact=True)
    expect(gross).to_be_visible()
