"""What a chart's script draws: a typed payload for one currency, built from its figures.

``ChartFigures`` (integers, from one query) → ``ChartPayload`` (this module) → JSON for the
page and ``data.json``. Amounts stay integers in minor units: the script formats them
with the locale style given here, the same one the page's tables are written in.

One currency at a time: amounts in different currencies share no scale (¥10,000 is about
$65), so a payload holds the series of one currency, and the page switches between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from chartivo.charts.accounts import Source
from chartivo.charts.figures import Drawing
from chartivo.charts.labels import OTHER_COLOUR, colour_of
from chartivo.charts.pending import pending_text
from chartivo.charts.query import ChartFigures, ResolvedSpec, SpecError
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.metrics.export import labels as period_labels
from chartivo.metrics.money import minor_unit_exponent, number_style, style_json
from chartivo.metrics.periods import TimeRange, unix_seconds, utc_period_starts
from chartivo.metrics.series import ChartData, Series
from chartivo.metrics.windows import COMPARE_LABELS, Compare, Unavailable

State = Literal["ready", "zero", "empty", "syncing", "forbidden", "not_configured", "invalid"]
TOP = 5  # a breakdown draws its five largest values, and "Other" for the rest
NO_DATA = "No Data. Check that the date range covers a period with activity in your Stripe account."
NOUNS = {
    "charges": "successful charges",
    "customers": "new customers",
    "revenue": "revenue",
    "refunds": "refunds",
    "disputes": "disputes",
    "balance_transactions": "balance transactions",
}


@dataclass(frozen=True)
class DrawnSeries:
    key: str
    name: str
    colour: int  # palette index; -1 for "Other"
    values: list[int]  # minor units or counts, one per period
    total: int
    members: list[str] = field(default_factory=list)  # the keys "Other" adds up
    member_names: list[str] = field(default_factory=list)
    # Periods whose value is withheld (a shared chart's values of too few objects: the
    # value sent is 0, drawn as a gap), and whether the total is withheld too.
    hidden: list[int] = field(default_factory=list)
    total_hidden: bool = False


@dataclass(frozen=True)
class ComparisonPayload:
    label: str  # what the dashed line is: "Previous period: Nov 12 – Nov 18"
    labels: list[str]
    series: list[DrawnSeries]
    message: str = ""  # why there is none (the history window)


@dataclass(frozen=True)
class ChartPayload:
    state: State
    message: str
    warning: str
    mode: str | None
    last_synced_at: str | None
    zone: str
    range_start: str  # ISO 8601 in the chart's zone
    range_end: str
    granularity: str
    granularities: list[str]  # the ones that fit the range
    currency: str  # upper case; "" for counts that have none
    currencies: list[str]  # busiest first
    kind: str
    decimals: int
    style: dict[str, object]  # how the reader's locale writes these numbers
    labels: list[str]
    periods: list[str]
    marks: list[str]  # per period: "", "partial" or "so far"
    series: list[DrawnSeries]
    stacked: bool
    comparison: ComparisonPayload | None
    percent: int | None = None
    note: str = ""  # e.g. why the granularity is not the saved one
    pending: str = ""  # in the settlement view: what is pending conversion (charts.pending)
    hidden_note: str = ""  # why some values are withheld (shared charts)

    def to_json(self) -> dict[str, Any]:
        # What ``dataclasses.asdict`` gives, without its deep copy of every value of every
        # series (a month by the hour is tens of thousands): the lists are shared, never
        # changed, only serialised.
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["style"] = dict(self.style)
        out["series"] = [_series_json(s) for s in self.series]
        if self.comparison is not None:
            out["comparison"] = {
                f.name: getattr(self.comparison, f.name) for f in fields(self.comparison)
            }
            out["comparison"]["series"] = [_series_json(s) for s in self.comparison.series]
        return out


def _series_json(series: DrawnSeries) -> dict[str, Any]:
    return {f.name: getattr(series, f.name) for f in fields(series)}


def state_of(
    drawing: Drawing, connection: Source | None, sync: SyncStatus | None
) -> tuple[State, str, int | None]:
    """What a chart can show, and the words for it."""
    resolved, figures = drawing.resolved, drawing.figures
    if isinstance(resolved, SpecError):
        return "invalid", str(resolved), None
    if connection is None or sync is None:
        return "not_configured", "Stripe is not configured yet.", None
    problem = sync.metric_problem(resolved.metric.key)
    if problem:
        return "forbidden", problem, None
    percent = sync.metric_syncing(resolved.metric.key)
    if percent is not None:
        text = f"Syncing… {percent}%. The first sync can take up to 5 minutes."
        return "syncing", text, percent
    if figures is None or not figures.any_activity:
        return "empty", NO_DATA, None
    if not figures.current.series:
        return "zero", f"0 {NOUNS.get(resolved.metric.key, 'objects')} in this range.", None
    return "ready", "", None


def currency_order(figures: ChartFigures) -> list[str]:
    """The chart's currencies, busiest first: by objects in the range, then by active
    periods, then by code. The first is the one a chart opens on: the business's main
    currency rather than whichever code sorts first."""
    active: dict[str, int] = {}
    for series in figures.current.series:
        code = series.currency.upper()
        active[code] = active.get(code, 0) + len(series.values) - series.values.count(0)
    objects = figures.activity
    return sorted(active, key=lambda c: (-objects.get(c, 0), -active[c], c))


def period_marks(chart: ChartData) -> list[str]:
    """A first period the range cuts is "partial"; a last one still running "so far"."""
    if not chart.periods:
        return []
    marks = [""] * len(chart.periods)
    lo, hi = unix_seconds(chart.time_range.start), unix_seconds(chart.time_range.end)
    starts = [unix_seconds(p) for p in chart.periods]
    if starts[0] < lo:
        marks[0] = "partial"
    holding_end = utc_period_starts(hi, hi + 1, chart.zone, chart.granularity)
    if holding_end and holding_end[0] == starts[-1]:  # the last period goes on after hi
        marks[-1] = "so far" if chart.time_range.so_far else "partial"
    return marks


def marked_labels(chart: ChartData) -> list[str]:
    return [
        f"{label} ({mark})" if mark else label
        for label, mark in zip(period_labels(chart), period_marks(chart), strict=True)
    ]


def drawn_series(series: list[Series], breakdown_key: str, *, fold: bool) -> list[DrawnSeries]:
    """The series to draw, largest first; beyond ``TOP`` values of a breakdown, "Other"."""
    ordered = sorted(series, key=lambda s: (-abs(s.total), s.key))
    shown, rest = (
        (ordered[:TOP], ordered[TOP:])
        if fold and len(ordered) > TOP + 1
        else (
            ordered,
            [],
        )
    )
    drawn = [
        DrawnSeries(s.key, s.name, colour_of(breakdown_key, s.key), list(s.values), s.total)
        for s in shown
    ]
    if rest:
        values = [sum(column) for column in zip(*(s.values for s in rest), strict=True)]
        drawn.append(
            DrawnSeries(
                "__other__",
                f"Other ({len(rest)})",
                OTHER_COLOUR,
                values,
                sum(values),
                [s.key for s in rest],
                [s.name for s in rest],
            )
        )
    return drawn


def _aligned(drawn: list[DrawnSeries], previous: list[Series]) -> list[DrawnSeries]:
    """The comparison's values for each drawn series (by key; "Other" by its members)."""
    by_key = {s.key: s for s in previous}
    size = len(previous[0].values) if previous else 0
    out = []
    for series in drawn:
        members = series.members or [series.key]
        found = [by_key[key].values for key in members if key in by_key]
        values = [sum(column) for column in zip(*found, strict=True)] if found else [0] * size
        out.append(DrawnSeries(series.key, series.name, series.colour, values, sum(values)))
    return out


def _comparison(
    resolved: ResolvedSpec,
    figures: ChartFigures,
    currency: str,
    drawn: list[DrawnSeries],
    compare: str,
) -> ComparisonPayload | None:
    comparison = figures.comparison
    if comparison is None:
        return None
    if isinstance(comparison, Unavailable):
        return ComparisonPayload("", [], [], comparison.message)
    previous = figures.previous
    assert previous is not None
    in_currency = [s for s in previous.series if s.currency.upper() == currency]
    label = f"{COMPARE_LABELS[Compare(compare)]}: {span_text(comparison.previous, resolved.zone)}"
    return ComparisonPayload(label, period_labels(previous), _aligned(drawn, in_currency))


def span_text(time_range: TimeRange, zone: ZoneInfo, *, so_far: bool = False) -> str:
    """ "Nov 12 – Nov 18", or "Nov 24, to 14:45" for a range cut within its last day. A
    range in progress (``so_far``) or empty always names where it is cut: in a day's
    first quarter hour "Last 7 days" is "Nov 25 – Dec 1, to 00:00", and "Today" is
    "Dec 1, to 00:00", never a range that ends before it starts."""
    start = time_range.start.astimezone(zone)
    end = time_range.end.astimezone(zone)
    midnight = (end.hour, end.minute, end.second) == (0, 0, 0)
    whole_days = midnight and end > start and not so_far
    last = datetime.fromtimestamp(end.timestamp() - 1, zone) if whole_days else end
    first_text = f"{start:%b} {start.day}"
    last_text = f"{last:%b} {last.day}"
    text = first_text if first_text == last_text else f"{first_text} – {last_text}"
    if not whole_days:
        text += f", to {end:%H:%M}"
    return text


def build_payload(
    drawing: Drawing,
    connection: Source | None,
    sync: SyncStatus | None,
    *,
    locale: str,
    chart_type: str = "line",
    currency: str | None = None,
) -> ChartPayload:
    state, message, percent = state_of(drawing, connection, sync)
    resolved, figures = drawing.resolved, drawing.figures
    base: dict[str, Any] = {
        "state": state,
        "message": message,
        "warning": sync.error if sync else "",
        "mode": connection.mode_label if connection else None,
        "last_synced_at": sync.last_synced_at.isoformat() if sync and sync.last_synced_at else None,
        "zone": resolved.zone.key if isinstance(resolved, ResolvedSpec) else drawing.spec.time_zone,
        "percent": percent,
    }
    empty: dict[str, Any] = {
        "range_start": "",
        "range_end": "",
        "granularity": drawing.spec.granularity,
        "granularities": [],
        "currency": "",
        "currencies": [],
        "kind": "count",
        "decimals": 0,
        "style": style_json(number_style(locale)),
        "labels": [],
        "periods": [],
        "marks": [],
        "series": [],
        "stacked": False,
        "comparison": None,
    }
    if (
        not isinstance(resolved, ResolvedSpec)
        or figures is None
        or state
        in (
            "forbidden",
            "empty",
            "not_configured",
        )
    ):
        return ChartPayload(**base, **empty)
    chart = figures.current
    currencies = currency_order(figures)
    chosen = currency.upper() if currency and currency.upper() in currencies else None
    shown = chosen if chosen is not None else (currencies[0] if currencies else "")
    series = [s for s in chart.series if s.currency.upper() == shown]
    breakdown_key = resolved.breakdown.key if resolved.breakdown else ""
    split = resolved.breakdown is not None and resolved.breakdown.dimension != "parts"
    drawn = drawn_series(series, breakdown_key, fold=split)
    if state == "zero":
        size = len(chart.periods)
        drawn = [DrawnSeries("", NOUNS.get(resolved.metric.key, "").capitalize(), 0, [0] * size, 0)]
    kind = resolved.measure.kind
    decimals = minor_unit_exponent(shown) if kind == "amount" and shown else 0
    money = kind == "amount" and bool(shown)
    zone = resolved.zone
    return ChartPayload(
        **base,
        range_start=resolved.time_range.start.astimezone(zone).isoformat(),
        range_end=resolved.time_range.end.astimezone(zone).isoformat(),
        granularity=resolved.granularity.value,
        granularities=[g.value for g in resolved.granularities],
        currency=shown,
        currencies=currencies,
        kind=kind,
        decimals=decimals,
        style=style_json(number_style(locale, shown if money else "")),
        labels=marked_labels(chart),
        periods=[p.isoformat() for p in chart.periods],
        marks=period_marks(chart),
        series=drawn,
        stacked=split and chart_type in ("bar", "area"),
        comparison=_comparison(resolved, figures, shown, drawn, drawing.spec.compare),
        note=resolved.granularity_note,
        pending=pending_text(figures.pending, locale),
    )
