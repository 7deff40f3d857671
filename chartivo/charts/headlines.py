"""Home's headline figures written out: value, comparison, change and trend, formatted
from the exact integers of ``chartivo.charts.dashboard`` in the reader's locale."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import timezone

from chartivo.charts.dashboard import (
    GROSS,
    HEADLINES,
    QUANTITIES,
    SUCCEEDED,
    DashboardFigures,
    DashboardRange,
    Headline,
    Kind,
    dashboard_range,
)
from chartivo.charts.payloads import span_text
from chartivo.charts.presentation import Change, change, figure
from chartivo.charts.query import ViewRange
from chartivo.metrics.money import format_percent, minor_unit_exponent
from chartivo.metrics.periods import RangeError, TimeRange
from chartivo.metrics.windows import COMPARE_LABELS, Compare, Compared, Unavailable


@dataclass(frozen=True)
class HeadlineView:
    key: str
    label: str
    definition: str
    kind: Kind
    value: str
    change: Change | None
    trend: list[float | None]  # None: a period where a rate has no denominator
    note: str = ""


# Balance transactions move in the account's settlement currency, which need not be the
# currency a charge was made in: Stripe converts a EUR charge on a USD account.
_SETTLED = frozenset(i for i, q in enumerate(QUANTITIES) if q.resource == "balance_transactions")


def _total(
    totals: dict[tuple[int, str], int], quantities: tuple[int, ...], currency: str | None
) -> int:
    return sum(
        value
        for (quantity, code), value in totals.items()
        if quantity in quantities and (currency is None or code == currency)
    )


def _trend(
    figures: DashboardFigures, quantities: tuple[int, ...], currency: str | None
) -> list[int]:
    values = [0] * len(figures.period_starts)
    for (quantity, code), each in figures.trend.items():
        if quantity in quantities and (currency is None or code == currency):
            values = [a + b for a, b in zip(values, each, strict=True)]
    return values


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


def _rate_view(headline: Headline, figures: DashboardFigures, locale: str) -> HeadlineView:
    now = _total(figures.current, headline.numerator, None)
    below = _total(figures.current, headline.denominator, None)
    delta = None
    if figures.previous is not None:
        before = _total(figures.previous, headline.numerator, None)
        before_below = _total(figures.previous, headline.denominator, None)
        delta = _rate_change((now, below), (before, before_below), headline.good_when_up, locale)
    # The rate of each period, not its numerator: refunds going up while charges go up
    # faster is a falling refund rate.
    numerators = _trend(figures, headline.numerator, None)
    denominators = _trend(figures, headline.denominator, None)
    trend: list[float | None] = [
        100 * n / d if d else None for n, d in zip(numerators, denominators, strict=True)
    ]
    return HeadlineView(
        headline.key,
        headline.label,
        headline.definition,
        "rate",
        _rate_text(now, below, locale),
        delta,
        trend,
    )


def _codes_of(figures: DashboardFigures, quantities: tuple[int, ...]) -> set[str]:
    """The currencies ``quantities`` hold anything in, in the range or the period before."""
    return {
        code
        for totals in (figures.current, figures.previous or {})
        for (quantity, code), value in totals.items()
        if quantity in quantities and value
    }


def _settled_in(figures: DashboardFigures, headline: Headline, currency: str) -> list[str]:
    """For a figure of balance transactions with none in ``currency``: the currencies its
    money did move in (the account's settlement currencies). Empty otherwise."""
    if not set(headline.numerator) <= _SETTLED:
        return []
    seen = _codes_of(figures, headline.numerator) | {
        code for (quantity, code) in figures.trend if quantity in headline.numerator
    }
    return [] if currency in seen else sorted(code.upper() for code in seen)


def _converted_into(figures: DashboardFigures, headline: Headline, currency: str) -> list[str]:
    """For a figure of balance transactions shown by currency charged, in a currency money
    settled in: the other currencies charged that have no balance transactions of their
    own (Stripe converted those payments into a settlement currency). Empty otherwise."""
    if not set(headline.numerator) <= _SETTLED:
        return []
    moved, charged = _codes_of(figures, headline.numerator), _codes_of(figures, (GROSS,))
    return sorted(code.upper() for code in charged - moved) if currency in moved else []


def _sum_view(
    headline: Headline, figures: DashboardFigures, currency: str, locale: str, settled_view: bool
) -> HeadlineView:
    code = currency if headline.kind == "amount" else None
    kind: Literal["amount", "count"] = "amount" if headline.kind == "amount" else "count"
    settled = _settled_in(figures, headline, currency) if code else []
    converted = _converted_into(figures, headline, currency) if code and not settled_view else []
    if settled:
        # Not a zero: the money moved, in another currency.
        note = (
            f"Settled in {', '.join(settled)}: Stripe converted these {currency.upper()} "
            "payments. Choose that currency to see it."
        )
        return HeadlineView(
            headline.key, headline.label, headline.definition, kind, "—", None, [], note
        )
    now = _total(figures.current, headline.numerator, code)
    delta = None
    if figures.previous is not None:
        before = _total(figures.previous, headline.numerator, code)
        delta = change(
            now,
            before,
            kind=kind,
            currency=code or "",
            locale=locale,
            good_when_up=headline.good_when_up,
        )
    scale = 10 ** minor_unit_exponent(code) if code else 1
    trend: list[float | None] = [v / scale for v in _trend(figures, headline.numerator, code)]
    # Next to Gross volume by currency charged, a Net volume holding converted payments
    # would look larger than its gross: it says so.
    note = (
        f"Also holds payments charged in {', '.join(converted)}, which Stripe converted "
        f"into {currency.upper()}."
        if converted
        else ""
    )
    return HeadlineView(
        headline.key,
        headline.label,
        headline.definition,
        kind,
        figure(now, kind, code or "", locale),
        delta,
        trend,
        note,
    )


def in_view(headline: Headline, settled: bool) -> Headline:
    """The headline as drawn in a currency view: in settlement currency, from the balance
    transactions where it has such a figure."""
    if headline.kind == "rate":
        return headline
    if settled and headline.settled:
        view = "In your settlement currency: exact, what Stripe moved."
        return replace(
            headline,
            numerator=headline.settled,
            objects=headline.settled_objects or headline.objects,
            definition=f"{headline.settled_definition} {view}",
        )
    if headline.kind == "amount" and not set(headline.numerator) <= _SETTLED:
        return replace(
            headline, definition=f"{headline.definition} By currency charged, never converted."
        )
    return headline


def headline_views(
    figures: DashboardFigures, currency: str, locale: str, *, settled: bool = False
) -> list[HeadlineView]:
    """Each headline figure written out; amounts in ``currency`` (lower case)."""
    return [
        _rate_view(headline, figures, locale)
        if headline.kind == "rate"
        else _sum_view(in_view(headline, settled), figures, currency, locale, settled)
        for headline in HEADLINES
    ]


def currencies_of(figures: DashboardFigures, *, settled: bool = False) -> list[str]:
    """The account's currencies in the range or in the period it is compared with, busiest
    first (most successful charges in the range; in a range without any, in the period
    before), ties by code; in settlement currency, only the ones money settled in. The
    period before counts because a quiet range (today's first hour) is still compared
    with money that was made: without its currency it would read "Previous: 0"."""

    def shown(quantity: int, code: str, value: int) -> bool:
        return bool(code) and (not settled or (quantity in _SETTLED and value != 0))

    previous = figures.previous or {}
    quiet = not any(figures.activity.values())
    seen = (
        {code for (q, code), v in figures.current.items() if shown(q, code, v)}
        | {code for (q, code), values in figures.trend.items() if shown(q, code, any(values))}
        | {code for (q, code), v in previous.items() if shown(q, code, v)}
    )
    return sorted(
        seen,
        key=lambda code: (
            -figures.activity.get(code, 0),
            -previous.get((SUCCEEDED, code), 0) if quiet else 0,
            code,
        ),
    )


def dashboard_heading(
    view: ViewRange, context: dict[str, Any], *, now: datetime | None = None
) -> DashboardRange | None:
    """Home's range for ``view`` at ``now``, its dates and its comparison in words written
    into ``context`` (Home's and a shared dashboard's); None, with ``dashboard_error``
    saying why, when the range cannot be drawn."""
    try:
        dashboard = dashboard_range(view, now=now or timezone.now())
    except (RangeError, ValueError) as error:
        context["dashboard_error"] = str(error)
        return None
    zone = ZoneInfo(dashboard.zone_name)
    context["range_text"] = span_text(
        TimeRange(dashboard.time_range.start, dashboard.cut),
        zone,
        so_far=dashboard.time_range.so_far,
    )
    comparison = dashboard.comparison
    if isinstance(comparison, Unavailable):
        context["comparison_message"] = comparison.message
    elif isinstance(comparison, Compared):
        label = COMPARE_LABELS[Compare(view.compare)]
        context["comparison_label"] = f"{label}: {span_text(comparison.previous, zone)}"
    return dashboard


def currency_choice(
    figures: DashboardFigures, asked: str, *, settled: bool
) -> tuple[list[str], str]:
    """The currencies the figures hold in the view (upper case) and the one shown: the one
    ``asked`` for when the figures hold it, else the first."""
    currencies = [c.upper() for c in currencies_of(figures, settled=settled)]
    asked = asked.upper()
    return currencies, asked if asked in currencies else (currencies[0] if currencies else "")
