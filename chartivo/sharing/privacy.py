"""Small counts withheld: a shared figure built from fewer than ``k`` objects is hidden,
so a link never reveals what one customer paid.

The aggregates keep, per bucket, how many objects each sum is made of, so every value a
shared page would show has its count: a chart's value per period and series, a series'
total, a headline figure, its previous value and each point of its trend. A value of
0 < count < k is withheld (sent as 0, drawn as a gap, written "Hidden"); a value of no
objects reveals nobody and is shown. A total is also withheld when the values hidden in
it add up to fewer than ``k`` objects: total minus the shown values would give them away.
"""

from __future__ import annotations

from dataclasses import replace

from chartivo.charts.dashboard import DashboardFigures, Headline
from chartivo.charts.headlines import HeadlineView
from chartivo.charts.payloads import ChartPayload, ComparisonPayload, DrawnSeries
from chartivo.charts.query import ChartFigures
from chartivo.metrics.series import ChartData


def note(k: int) -> str:
    return f"Hidden: fewer than {k} objects, so that no single payment can be read from it."


def small(count: int, k: int) -> bool:
    return 0 < count < k


def _counts_by_series(counts: ChartData | None, currency: str) -> dict[str, list[int]]:
    if counts is None:
        return {}
    return {s.key: s.values for s in counts.series if s.currency.upper() == currency}


def _masked(series: DrawnSeries, counts: dict[str, list[int]], k: int) -> DrawnSeries:
    size = len(series.values)
    per_period = [0] * size
    for key in series.members or [series.key]:
        for index, count in enumerate(counts.get(key, [])[:size]):
            per_period[index] += count
    hidden = [i for i, count in enumerate(per_period) if small(count, k)]
    hidden_objects = sum(per_period[i] for i in hidden)
    total_hidden = small(sum(per_period), k) or small(hidden_objects, k)
    if not hidden and not total_hidden:
        return series
    shown = set(hidden)
    values = [0 if i in shown else v for i, v in enumerate(series.values)]
    return replace(
        series,
        values=values,
        total=0 if total_hidden else series.total,
        hidden=hidden,
        total_hidden=total_hidden,
    )


def mask_payload(payload: ChartPayload, figures: ChartFigures | None, k: int) -> ChartPayload:
    """The payload with every value of too few objects withheld."""
    if figures is None or not payload.series:
        return payload
    current = _counts_by_series(figures.counts, payload.currency)
    series = [_masked(s, current, k) for s in payload.series]
    comparison = payload.comparison
    if comparison is not None and comparison.series:
        previous = _counts_by_series(figures.previous_counts, payload.currency)
        comparison = replace(
            comparison, series=[_masked(s, previous, k) for s in comparison.series]
        )
    if not _any_hidden(series, comparison):
        return payload
    return replace(payload, series=series, comparison=comparison, hidden_note=note(k))


def _any_hidden(series: list[DrawnSeries], comparison: ComparisonPayload | None) -> bool:
    every = series + (comparison.series if comparison is not None else [])
    return any(s.hidden or s.total_hidden for s in every)


# --- Headline figures -------------------------------------------------------------------


def _objects(
    totals: dict[tuple[int, str], int] | None, headline: Headline, code: str | None
) -> int:
    return sum(
        value
        for (quantity, currency), value in (totals or {}).items()
        if quantity in headline.objects and (code is None or currency == code)
    )


def _trend_objects(figures: DashboardFigures, headline: Headline, code: str | None) -> list[int]:
    values = [0] * len(figures.period_starts)
    for (quantity, currency), each in figures.trend.items():
        if quantity in headline.objects and (code is None or currency == code):
            values = [a + b for a, b in zip(values, each, strict=True)]
    return values


def mask_headline(
    view: HeadlineView, headline: Headline, figures: DashboardFigures, currency: str, k: int
) -> HeadlineView:
    """``headline`` (as drawn in the page's currency view) with what too few objects make
    withheld: its value and change, its previous value, and points of its trend."""
    code = currency if headline.kind == "amount" else None
    now = _objects(figures.current, headline, code)
    before = _objects(figures.previous, headline, code) if figures.previous is not None else 0
    trend = _trend_objects(figures, headline, code)
    hidden_points = [small(count, k) for count in trend]
    masked_trend: list[float | None] = [
        None if hide else point for point, hide in zip(view.trend, hidden_points, strict=False)
    ]
    if small(sum(c for c, hide in zip(trend, hidden_points, strict=True) if hide), k):
        masked_trend = []  # the value minus the points shown would give the hidden ones away
    if small(now, k):
        return replace(view, value="Hidden", change=None, trend=masked_trend, note=note(k))
    change = view.change
    if change is not None and small(before, k):
        change = None
        view = replace(view, note=f"Previous value {note(k)[0].lower()}{note(k)[1:]}")
    return replace(view, change=change, trend=masked_trend)
