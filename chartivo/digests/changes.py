"""The three largest changes of a period, in words: "Refunds up 42% (+312.40 USD), mostly
Duplicate".

Sums and counts are ranked by their change relative to the period before (a figure that
was zero and is not counts as the largest); rates are left out, as they move with the
figures they are made of. "Mostly X" names the breakdown value behind at least half of the
change, read from the same aggregates in one query per named change.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from chartivo.charts.accounts import Source
from chartivo.charts.dashboard import (
    DISPUTES,
    GROSS,
    NET,
    QUANTITIES,
    REFUNDED,
    SUCCEEDED,
    DashboardFigures,
    DashboardRange,
    Headline,
)
from chartivo.charts.labels import value_name
from chartivo.charts.presentation import figure
from chartivo.metrics.money import format_display, format_percent
from chartivo.metrics.periods import parse_zone, unix_seconds
from chartivo.metrics.queries import Split, Window, sums_by_period
from chartivo.metrics.windows import Compared

SHOWN = 3
# Which breakdown explains a change of each figure (by currency charged): quantity, the
# aggregate column holding the breakdown, and the breakdown's name for its labels.
_DRIVERS: dict[int, tuple[Split, str]] = {
    GROSS: ("dim2", "brand"),
    SUCCEEDED: ("dim2", "brand"),
    NET: ("dim1", "category"),
    REFUNDED: ("dim2", "reason"),
    DISPUTES: ("dim2", "reason"),
}


@dataclass(frozen=True)
class _Moved:
    headline: Headline
    now: int
    before: int

    @property
    def rank(self) -> Fraction:
        if not self.before:
            return Fraction(10**12)
        return abs(Fraction(self.now - self.before, self.before))


def _total(totals: dict[tuple[int, str], int], headline: Headline, currency: str | None) -> int:
    return sum(
        value
        for (quantity, code), value in totals.items()
        if quantity in headline.numerator and (currency is None or code == currency)
    )


def _words(moved: _Moved, currency: str) -> str:
    kind = moved.headline.kind
    difference = moved.now - moved.before
    direction = "up" if difference > 0 else "down"
    sign = "+" if difference > 0 else "−"
    if kind == "amount":
        amount = format_display(abs(difference), currency)
    else:
        amount = figure(abs(difference), "count", "", "en_US")
    if not moved.before:
        shown = format_display(moved.now, currency) if kind == "amount" else str(moved.now)
        return f"{moved.headline.label} up from none to {shown}"
    percent = format_percent(abs(difference), abs(moved.before), "en_US", decimals=0)
    return f"{moved.headline.label} {direction} {percent} ({sign}{amount})"


def _mostly(
    source: Source, moved: _Moved, dashboard: DashboardRange, currency: str, settled: bool
) -> str:
    """Words such as ", mostly Duplicate" when one breakdown value made half the change."""
    quantity_index = moved.headline.numerator[0]
    driver = _DRIVERS.get(quantity_index)
    comparison = dashboard.comparison
    if (
        driver is None
        or (settled and moved.headline.settled)
        or not isinstance(comparison, Compared)
    ):
        return ""
    split, breakdown = driver
    current = Window(unix_seconds(dashboard.time_range.start), unix_seconds(dashboard.cut))
    previous = Window(
        unix_seconds(comparison.previous.start), unix_seconds(comparison.previous.end)
    )
    groups = sums_by_period(
        source.pk,
        [QUANTITIES[quantity_index]],
        [current, previous],
        zone=parse_zone(dashboard.zone_name),
        granularity=dashboard.granularity,
        split=split,
    )
    by_value: dict[str, int] = {}
    for group in groups:
        if moved.headline.kind == "amount" and group.currency != currency:
            continue
        sign = 1 if current.lo <= group.bucket < current.hi else -1
        by_value[group.split] = by_value.get(group.split, 0) + sign * group.values[0]
    difference = moved.now - moved.before
    if not by_value or not difference:
        return ""
    value, moved_by = max(
        by_value.items(), key=lambda item: item[1] * (1 if difference > 0 else -1)
    )
    if 2 * abs(moved_by) >= abs(difference) and (moved_by > 0) == (difference > 0):
        return f", mostly {value_name(breakdown, value)}"
    return ""


def largest_changes(
    source: Source,
    figures: DashboardFigures,
    dashboard: DashboardRange,
    headlines: list[Headline],
    currency: str,
    *,
    settled: bool,
) -> list[str]:
    if figures.previous is None:
        return []
    moved = []
    for headline in headlines:
        if headline.kind == "rate":
            continue
        code = currency if headline.kind == "amount" else None
        if code == "":
            continue
        now = _total(figures.current, headline, code)
        before = _total(figures.previous, headline, code)
        if now != before:
            moved.append(_Moved(headline, now, before))
    moved.sort(key=lambda m: m.rank, reverse=True)
    return [
        _words(m, currency) + _mostly(source, m, dashboard, currency, settled)
        for m in moved[:SHOWN]
    ]
