"""From a chart's definition to its numbers: catalogue + aggregate store + series.

The only code that turns "Refunds by reason, last 7 days, weekly, in Asia/Kolkata,
against the previous period" into one query over the aggregates. It reads nothing from
Stripe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from chartivo.charts.labels import value_name
from chartivo.charts.rows import count_rows, figure_rows
from chartivo.integrations.stripe.catalogue import (
    METRICS,
    RESOURCES,
    Breakdown,
    Measure,
    Metric,
    Part,
)
from chartivo.metrics.periods import (
    Granularity,
    RangeError,
    RangePreset,
    TimeRange,
    parse_zone,
    resolve_range,
    unix_seconds,
)
from chartivo.metrics.queries import (
    ConnectionIds,
    Quantity,
    Window,
    any_activity,
    sums_by_period_rows,
)
from chartivo.metrics.series import ChartData, build_chart
from chartivo.metrics.windows import (
    MAX_PERIODS,
    Compare,
    Compared,
    Unavailable,
    compared_range,
    granularities_for,
    nearest_granularity,
)

FOLLOW_DASHBOARD = "dashboard"  # a chart's range that follows Home's range, zone and comparison
CHARGED = "charged"
SETTLEMENT = "settlement"
VIEWS = {CHARGED: "By currency charged", SETTLEMENT: "In your settlement currency"}


class SpecError(ValueError):
    """A chart definition that cannot be drawn; the message says what to change."""


@dataclass(frozen=True)
class ChartSpec:
    metric: str
    measure: str
    breakdown: str = ""
    range_preset: str = RangePreset.LAST_30_DAYS.value
    custom_start: date | None = None
    custom_end: date | None = None
    granularity: str = Granularity.DAY.value
    time_zone: str = "UTC"
    compare: str = Compare.NONE.value
    # "charged" (per currency charged), "settlement" (what Stripe moved, in settlement
    # currency) or "" (settlement where the account settles in exactly one currency).
    view: str = ""

    @property
    def follows_dashboard(self) -> bool:
        return self.range_preset == FOLLOW_DASHBOARD

    def view_range(self) -> ViewRange:
        """The range, zone and comparison this spec is drawn over."""
        return ViewRange(
            self.range_preset, self.custom_start, self.custom_end, self.time_zone, self.compare
        )


@dataclass(frozen=True)
class ViewRange:
    """A range, zone and comparison as Home or a chart page's address gives them."""

    range_preset: str
    custom_start: date | None
    custom_end: date | None
    time_zone: str
    compare: str


SPEC_FIELDS = (
    "metric",
    "measure",
    "breakdown",
    "range_preset",
    "custom_start",
    "custom_end",
    "granularity",
    "time_zone",
    "compare",
)


def build_spec(values: Mapping[str, Any]) -> ChartSpec:
    """The one way a spec is made: from a form's cleaned data, a saved chart's fields or a
    chart page's address (each a mapping of ``SPEC_FIELDS``)."""
    return ChartSpec(
        metric=str(values.get("metric") or ""),
        measure=str(values.get("measure") or ""),
        breakdown=str(values.get("breakdown") or ""),
        range_preset=str(values.get("range_preset") or RangePreset.LAST_30_DAYS.value),
        custom_start=values.get("custom_start"),
        custom_end=values.get("custom_end"),
        granularity=str(values.get("granularity") or Granularity.DAY.value),
        time_zone=str(values.get("time_zone") or "UTC").strip(),
        compare=str(values.get("compare") or Compare.NONE.value),
        view=str(values.get("view") or ""),
    )


def with_range(spec: ChartSpec, view: ViewRange) -> ChartSpec:
    """``spec`` drawn over ``view``'s range, zone and comparison."""
    return replace(
        spec,
        range_preset=view.range_preset,
        custom_start=view.custom_start,
        custom_end=view.custom_end,
        time_zone=view.time_zone,
        compare=view.compare,
    )


@dataclass(frozen=True)
class ResolvedSpec:
    metric: Metric
    measure: Measure
    breakdown: Breakdown | None
    zone: ZoneInfo
    granularity: Granularity
    time_range: TimeRange
    preset: RangePreset
    granularities: tuple[Granularity, ...]  # the ones that fit the range
    comparison: Compared | Unavailable | None
    granularity_note: str  # why the chart is not drawn at the granularity it asked for
    view: str = CHARGED  # the currency view drawn
    view_note: str = ""  # why it is not the one asked for

    @property
    def settled(self) -> bool:
        """Drawn from the balance transactions, in settlement currency."""
        return self.view == SETTLEMENT


def resolve(spec: ChartSpec, *, now: datetime) -> ResolvedSpec:
    metric = METRICS.get(spec.metric)
    if metric is None:
        raise SpecError("Choose one of the Stripe metrics.")
    measure = metric.measure(spec.measure)
    if measure is None:
        raise SpecError(f"{metric.label} cannot be shown as “{spec.measure}”.")
    breakdown = metric.breakdown(spec.breakdown) if spec.breakdown else None
    if spec.breakdown and breakdown is None:
        raise SpecError(f"{metric.label} cannot be broken down by “{spec.breakdown}”.")
    try:
        asked = Granularity(spec.granularity)
        preset = RangePreset(spec.range_preset)
        compare = Compare(spec.compare)
    except ValueError:
        raise SpecError(
            "Choose a date range, a granularity and a comparison from the lists."
        ) from None
    try:
        zone = parse_zone(spec.time_zone)
        time_range = resolve_range(
            preset,
            zone=zone,
            now=now,
            history_days=settings.HISTORY_DAYS,
            custom_start=spec.custom_start,
            custom_end=spec.custom_end,
        )
    except RangeError as error:
        raise SpecError(str(error)) from None
    offered = granularities_for(time_range, zone)
    comparison = compared_range(
        preset, time_range, zone=zone, mode=compare, history_days=settings.HISTORY_DAYS, now=now
    )
    granularity = nearest_granularity(asked, offered)
    note = ""
    if granularity != asked:
        coarser = _ORDER.index(asked) > _ORDER.index(granularity)
        note = (
            f"Drawn by {granularity.value}: by {asked.value} this range would have "
            f"{'a single period' if coarser else f'more than {MAX_PERIODS} periods'}."
        )
    view, view_note = _view(spec.view, measure, breakdown)
    return ResolvedSpec(
        metric=metric,
        measure=measure,
        breakdown=breakdown,
        zone=zone,
        granularity=granularity,
        time_range=time_range,
        preset=preset,
        granularities=tuple(offered),
        comparison=comparison,
        granularity_note=note,
        view=view,
        view_note=view_note,
    )


def _view(asked: str, measure: Measure, breakdown: Breakdown | None) -> tuple[str, str]:
    """The currency view drawn, and why it differs from the one asked for."""
    if asked != SETTLEMENT:
        return CHARGED, ""
    if measure.kind == "count":
        return CHARGED, ""  # a count is the same in both views
    if measure.settled is None:
        return SETTLEMENT, ""  # net volume, fees, balance transactions, payouts: settled already
    if breakdown is not None and breakdown.dimension != "parts":
        return CHARGED, (
            f"Broken down by {breakdown.label.lower()}, this chart is drawn by currency "
            "charged: balance transactions do not carry that detail."
        )
    return SETTLEMENT, ""


_ORDER = list(Granularity)


def series_names(resolved: ResolvedSpec) -> dict[str, str]:
    names = {"": _default_name(resolved.metric, resolved.measure)}
    for measure in resolved.metric.measures:
        for part in measure.parts:
            if part.series_key:
                names[part.series_key] = measure.label
    return names


def _default_name(metric: Metric, measure: Measure) -> str:
    if measure.label in ("Amount", "Count"):
        return f"{metric.label} {measure.label.lower()}"
    return measure.label


def _measure_parts(measure: Measure, settled: bool) -> tuple[Part, ...]:
    return measure.settled if settled and measure.settled is not None else measure.parts


def _parts(resolved: ResolvedSpec) -> list[Part]:
    if resolved.breakdown is not None and resolved.breakdown.dimension == "parts":
        return [
            part
            for measure in resolved.metric.measures
            if measure.kind == resolved.measure.kind
            for part in _measure_parts(measure, resolved.settled)
        ]
    return list(_measure_parts(resolved.measure, resolved.settled))


def _quantity(part: Part, lifted: bool) -> Quantity:
    if lifted:
        return Quantity(part.resource, part.column)
    return Quantity(part.resource, part.column, part.where_dim1, part.exclude_dim1)


@dataclass(frozen=True)
class ChartFigures:
    """A chart's numbers: its range, the range it is compared with, and how busy each
    currency was (objects behind the chart), all from one query."""

    current: ChartData
    previous: ChartData | None
    comparison: Compared | Unavailable | None
    # Per (currency, series key): the total up to the comparison's cut (the range without
    # its last, incomplete 15 minutes when it is in progress).
    current_to_cut: dict[tuple[str, str], int]
    activity: dict[str, int]  # upper-case currency -> objects
    any_activity: bool  # did the account have any Stripe activity in the range at all
    pending: dict[str, int] = field(default_factory=dict)  # charts.pending's, per currency
    # The objects behind each value (same series and periods), when asked for: a shared
    # chart hides the values of too few objects (chartivo/sharing/privacy.py).
    counts: ChartData | None = None
    previous_counts: ChartData | None = None


def _windows(resolved: ResolvedSpec) -> list[Window]:
    lo = unix_seconds(resolved.time_range.start)
    hi = unix_seconds(resolved.time_range.end)
    comparison = resolved.comparison
    if not isinstance(comparison, Compared):
        return [Window(lo, hi)]
    cut = unix_seconds(comparison.current.end)
    previous = comparison.previous
    windows = [Window(lo, cut), Window(unix_seconds(previous.start), unix_seconds(previous.end))]
    if cut < hi:
        windows.append(Window(cut, hi))
    return [w for w in windows if w.lo < w.hi]


def chart_figures(
    connection_id: ConnectionIds | None, resolved: ResolvedSpec, *, with_counts: bool = False
) -> ChartFigures:
    parts = _parts(resolved)
    breakdown = resolved.breakdown
    split = breakdown.dimension if breakdown and breakdown.dimension != "parts" else None
    lifted = breakdown is not None and breakdown.lifts_filter
    windows = _windows(resolved)
    groups = (
        sums_by_period_rows(
            connection_id,
            [_quantity(part, lifted) for part in parts],
            windows,
            zone=resolved.zone,
            granularity=resolved.granularity,
            split=split,
        )
        if connection_id is not None
        else []
    )
    lo, hi = unix_seconds(resolved.time_range.start), unix_seconds(resolved.time_range.end)
    rows, activity = figure_rows(groups, parts, split is not None, Window(lo, hi))
    names = series_names(resolved)
    if breakdown is not None and split is not None:
        names.update({key: value_name(breakdown.key, key) for key in {row[2] for row in rows}})
    kind = resolved.measure.kind

    def chart(time_range: TimeRange) -> ChartData:
        return build_chart(
            rows,
            time_range=time_range,
            zone=resolved.zone,
            granularity=resolved.granularity,
            kind=kind,
            series_names=names,
        )

    current = chart(resolved.time_range)
    comparison = resolved.comparison
    previous = chart(comparison.previous) if isinstance(comparison, Compared) else None
    counts = previous_counts = None
    if with_counts:
        counted_rows = count_rows(groups, parts, split is not None)

        def counted(time_range: TimeRange) -> ChartData:
            return build_chart(
                counted_rows,
                time_range=time_range,
                zone=resolved.zone,
                granularity=resolved.granularity,
                kind="count",
            )

        counts = counted(resolved.time_range)
        if isinstance(comparison, Compared):
            previous_counts = counted(comparison.previous)
    to_cut: dict[tuple[str, str], int] = {}
    if isinstance(comparison, Compared):
        cut = unix_seconds(comparison.current.end)
        for bucket, currency, series_key, value in rows:
            if lo <= bucket < cut:
                key = (currency, series_key)
                to_cut[key] = to_cut.get(key, 0) + value
    active = bool(current.series) or (
        connection_id is not None and any_activity(connection_id, list(RESOURCES), Window(lo, hi))
    )
    return ChartFigures(
        current,
        previous,
        comparison,
        to_cut,
        activity,
        active,
        counts=counts,
        previous_counts=previous_counts,
    )
