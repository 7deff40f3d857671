"""A rule's figure over a window, from the stored aggregates, for many rules at once.

Every rule of one source (an account, or all of an organisation's accounts) is computed
from one query: the windows all its rules need (their own, the one before, the weeks
before) are cut into disjoint spans at every window's ends, the spans are summed by
``chartivo.metrics.queries.totals_by_period`` (rollups where whole hours and days allow),
and each window is the sum of the spans inside it. Figures are Home's headlines
(``chartivo.charts.dashboard.HEADLINES``), from the same quantities: an amount in one
currency charged, a count over every currency, a rate as numerator ÷ denominator.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from fractions import Fraction
from zoneinfo import ZoneInfo

from chartivo.charts.dashboard import HEADLINES, QUANTITIES, Headline, quantity_values
from chartivo.metrics.money import (
    format_count,
    format_money,
    format_percent,
    minor_unit_exponent,
)
from chartivo.metrics.periods import Granularity
from chartivo.metrics.queries import ConnectionIds, Window, totals_by_period

BUCKET = 900  # the aggregates' width: a window ends where the figures are complete
HEADLINE_BY_KEY = {h.key: h for h in HEADLINES}
_UTC = ZoneInfo("UTC")
# The quantities any headline reads: only their resources are queried.
_RESOURCES = sorted(
    {QUANTITIES[i].resource for h in HEADLINES for i in (*h.numerator, *h.denominator)}
)

# Per (quantity index, currency): the window's total.
Sums = dict[tuple[int, str], int]


def complete_cut(now_unix: int) -> int:
    """Where the figures are complete: the start of the 15 minutes in progress."""
    return now_unix - now_unix % BUCKET


def sums_of_windows(connection_id: ConnectionIds, windows: Iterable[Window]) -> dict[Window, Sums]:
    """Every window's totals, from one query however many windows (they may overlap)."""
    wanted = sorted({w for w in windows if w.lo < w.hi}, key=lambda w: (w.lo, w.hi))
    if not wanted:
        return {}
    edges = sorted({edge for w in wanted for edge in (w.lo, w.hi)})
    # Spans between consecutive edges that some window covers: disjoint, as the query
    # needs, and each lies wholly inside or wholly outside any window.
    spans = [
        Window(lo, hi)
        for lo, hi in itertools.pairwise(edges)
        if any(w.lo <= lo and hi <= w.hi for w in wanted)
    ]
    groups = totals_by_period(
        connection_id, _RESOURCES, spans, zone=_UTC, granularity=Granularity.DAY
    )
    starts = [span.lo for span in spans]
    per_span: list[Sums] = [{} for _ in spans]
    for group in groups:
        index = bisect_right(starts, group.bucket) - 1
        if index < 0 or group.bucket >= spans[index].hi:
            continue
        totals = per_span[index]
        for quantity, value in enumerate(quantity_values(group)):
            if value:
                key = (quantity, group.currency)
                totals[key] = totals.get(key, 0) + value
    out: dict[Window, Sums] = {}
    for window in wanted:
        total: Sums = {}
        for span, sums in zip(spans, per_span, strict=True):
            if window.lo <= span.lo and span.hi <= window.hi:
                for key, value in sums.items():
                    total[key] = total.get(key, 0) + value
        out[window] = total
    return out


def _total(sums: Sums, quantities: Sequence[int], currency: str | None) -> int:
    return sum(
        value
        for (quantity, code), value in sums.items()
        if quantity in quantities and (currency is None or code == currency)
    )


def headline_value(headline: Headline, sums: Sums, currency: str) -> Fraction | None:
    """The figure in its own unit: minor units of ``currency`` for an amount, a count, a
    rate as a fraction (0.012 for 1.2%); None for a rate without a denominator."""
    if headline.kind == "amount":
        return Fraction(_total(sums, headline.numerator, currency.lower()))
    numerator = _total(sums, headline.numerator, None)
    if headline.kind == "count":
        return Fraction(numerator)
    denominator = _total(sums, headline.denominator, None)
    return Fraction(numerator, denominator) if denominator else None


def in_words(headline: Headline, value: Fraction, currency: str) -> str:
    """A figure as Home writes it: "$1,234.00", "17", "1.20%"."""
    if headline.kind == "amount":
        return format_money(round(value), currency.lower())
    if headline.kind == "count":
        return format_count(round(value)) if value.denominator == 1 else f"{float(value):,.1f}"
    return format_percent(value.numerator, value.denominator, decimals=2)


def threshold_in_unit(headline: Headline, threshold: Fraction, currency: str) -> Fraction:
    """A rule's threshold as people write it (major units, a count, a percent) in the
    figure's own unit (minor units, a count, a fraction)."""
    if headline.kind == "amount":
        return threshold * Fraction(10 ** minor_unit_exponent(currency.lower()))
    if headline.kind == "rate":
        return threshold / 100
    return threshold
