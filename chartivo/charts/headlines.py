"""Home's headline figures written out: value, comparison, change and trend, formatted
from the exact integers of ``chartivo.charts.dashboard`` in the reader's locale."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from chartivo.charts.dashboard import HEADLINES, DashboardFigures, Kind
from chartivo.charts.presentation import Change, change, figure
from chartivo.metrics.money import format_percent, minor_unit_exponent


@dataclass(frozen=True)
class HeadlineView:
    key: str
    label: str
    definition: str
    kind: Kind
    value: str
    change: Change | None
    trend: list[float]


def _total(
    totals: dict[tuple[int, str], int], quantities: tuple[int, ...], currency: str | None
) -> int:
    return sum(
        value
        for (quantity, code), value in totals.items()
        if quantity in quantities and (currency is None or code == currency)
    )


def _rate_text(numerator: int, denominator: int, locale: str) -> str:
    return format_percent(numerator, denominator, locale, decimals=2) if denominator else "—"


def _rate_change(
    now: tuple[int, int], before: tuple[int, int], good_when_up: bool, locale: str
) -> Change | None:
    if not now[1] or not before[1]:
        return None
    # Percentage points, to two decimals, from exact fractions.
    difference = Fraction(now[0], now[1]) - Fraction(before[0], before[1])
    direction: Literal["up", "down", "flat"] = (
        "up" if difference > 0 else "down" if difference < 0 else "flat"
    )
    points = format_percent(
        abs(difference.numerator), difference.denominator or 1, locale, decimals=2
    )
    sign = "+" if difference > 0 else "−" if difference < 0 else ""
    verdict: Literal["good", "bad", "neutral"] = "neutral"
    if direction != "flat":
        verdict = "good" if (direction == "up") == good_when_up else "bad"
    return Change(
        _rate_text(*before, locale), sign + points.removesuffix("%") + " pp", "", direction, verdict
    )


def headline_views(figures: DashboardFigures, currency: str, locale: str) -> list[HeadlineView]:
    """Each headline figure written out; amounts in ``currency`` (lower case)."""
    views = []
    for headline in HEADLINES:
        code = currency if headline.kind == "amount" else None
        trend_values = [0] * len(figures.period_starts)
        for (quantity, each), values in figures.trend.items():
            if quantity in headline.numerator and (code is None or each == code):
                trend_values = [a + b for a, b in zip(trend_values, values, strict=True)]
        now = _total(figures.current, headline.numerator, code)
        before = (
            _total(figures.previous, headline.numerator, code)
            if figures.previous is not None
            else None
        )
        if headline.kind == "rate":
            below = _total(figures.current, headline.denominator, None)
            value = _rate_text(now, below, locale)
            delta = None
            if figures.previous is not None and before is not None:
                delta = _rate_change(
                    (now, below),
                    (before, _total(figures.previous, headline.denominator, None)),
                    headline.good_when_up,
                    locale,
                )
            views.append(
                HeadlineView(
                    headline.key,
                    headline.label,
                    headline.definition,
                    "rate",
                    value,
                    delta,
                    [float(v) for v in trend_values],
                )
            )
            continue
        kind = "amount" if headline.kind == "amount" else "count"
        value = figure(now, kind, code or "", locale)
        delta = (
            change(
                now,
                before,
                kind=kind,
                currency=code or "",
                locale=locale,
                good_when_up=headline.good_when_up,
            )
            if before is not None
            else None
        )
        scale = 10 ** minor_unit_exponent(code) if code else 1
        views.append(
            HeadlineView(
                headline.key,
                headline.label,
                headline.definition,
                headline.kind,
                value,
                delta,
                [v / scale for v in trend_values],
            )
        )
    return views


def currencies_of(figures: DashboardFigures) -> list[str]:
    """The account's currencies in the range, busiest (most successful charges) first."""
    seen = {code for (_, code) in figures.current if code} | {
        code for (_, code) in figures.trend if code
    }
    return sorted(seen, key=lambda code: (-figures.activity.get(code, 0), code))
