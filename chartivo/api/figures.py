"""The read API's answers, from the very code the pages draw with.

A series is drawn as a chart page draws it (``charts.figures.drawing``, the same cache),
its state and messages are the page's (``charts.payloads.build_payload`` as the member may
read it), and its values are written by the CSV's own code (``metrics.export``). Home's
headline figures come from Home's ``cached_figures`` and are added up by the headline
code itself. Nothing is computed a second way.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from chartivo.api.errors import ApiError
from chartivo.api.schemas import SeriesQuery, ViewQuery
from chartivo.charts.accounts import ALL, Combined, Source, connections_of, status_of_source
from chartivo.charts.figures import drawing
from chartivo.charts.payloads import build_payload
from chartivo.charts.query import CHARGED, SETTLEMENT, ChartSpec, ResolvedSpec, ViewRange
from chartivo.charts.scope import for_member
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.export import plain_total, series_points
from chartivo.metrics.money import DEFAULT_LOCALE, format_major
from chartivo.metrics.periods import Granularity, TimeRange, canonical_zone
from chartivo.metrics.series import ChartData
from chartivo.metrics.windows import COMPARE_LABELS, Compare, Compared, Unavailable

NOT_CONFIGURED = (
    "No Stripe account is connected to this organisation yet: an owner or admin connects "
    "one on Integrations."
)


def source_for(request: HttpRequest, query: ViewQuery) -> Source | None:
    """The account the query names ("all" by default); an unknown one is refused, never
    silently replaced by another."""
    connections = connections_of(request)
    asked = (query.account or "").strip()
    if not connections:
        return None
    if asked and asked != ALL:
        chosen = next((c for c in connections if str(c.pk) == asked), None)
        if chosen is None:
            raise ApiError(
                400,
                "unknown_account",
                f"This organisation has no Stripe account “{asked[:20]}”: use 'all' or an "
                "id listed by /api/v1/metrics.",
            )
        return chosen
    return connections[0] if len(connections) == 1 else Combined(tuple(connections))


def account_id(source: Source | None) -> str:
    if source is None or isinstance(source, Combined):
        return ALL
    return str(source.pk)


def zone_name(query: ViewQuery, default: str = "UTC") -> str:
    if not query.tz:
        return default
    name = canonical_zone(query.tz)
    if name is None:
        raise ApiError(
            400,
            "invalid_parameter",
            f"tz: unknown time zone “{query.tz[:64]}”: use an IANA zone such as Europe/Paris.",
        )
    return name


def view_range(query: ViewQuery, default: ViewRange) -> ViewRange:
    preset = query.range or default.range_preset
    custom = preset == "custom"
    return ViewRange(
        preset,
        (query.from_ or default.custom_start) if custom else None,
        (query.to or default.custom_end) if custom else None,
        zone_name(query, default.time_zone),
        query.compare or default.compare,
    )


def spec_of(query: SeriesQuery) -> ChartSpec:
    metric = METRICS.get(query.metric)
    measure = query.measure or (metric.measures[0].key if metric else "")
    view = view_range(query, ViewRange("last_30_days", None, None, "UTC", "none"))
    return ChartSpec(
        metric=query.metric,
        measure=measure,
        breakdown=query.breakdown or "",
        range_preset=view.range_preset,
        custom_start=view.custom_start,
        custom_end=view.custom_end,
        granularity=query.granularity or Granularity.DAY.value,
        time_zone=view.time_zone,
        compare=view.compare,
        view=query.view or "",
    )


def _range(time_range: TimeRange, zone: ZoneInfo) -> dict[str, str]:
    return {
        "start": time_range.start.astimezone(zone).isoformat(),
        "end": time_range.end.astimezone(zone).isoformat(),
    }


def pending_out(amounts: Mapping[str, int]) -> list[dict[str, str]]:
    """What the settlement view states as pending conversion, per currency charged."""
    return [
        {"currency": code.upper(), "value": format_major(amounts[code], code)}
        for code in sorted(amounts)
        if amounts[code]
    ]


def series_out(chart: ChartData) -> list[dict[str, object]]:
    """Every series of the chart, in every currency, in the CSV's order and spelling."""
    return [
        {
            "key": series.key,
            "name": series.name,
            "currency": series.currency.upper() or None,
            "kind": series.kind,
            "total": plain_total(series),
            "points": [
                {"period_start": start, "value": value}
                for start, value in series_points(series, chart.periods)
            ],
        }
        for series in chart.series
    ]


def comparison_out(
    comparison: Compared | Unavailable | None,
    compare: str,
    zone: ZoneInfo,
    previous: ChartData | None,
) -> dict[str, object] | None:
    if comparison is None:
        return None
    if isinstance(comparison, Unavailable):
        return {"label": "", "message": comparison.message, "range": None, "series": []}
    return {
        "label": COMPARE_LABELS[Compare(compare)],
        "message": "",
        "range": _range(comparison.previous, zone),
        "series": series_out(previous) if previous is not None else [],
    }


def series_answer(request: HttpRequest, query: SeriesQuery) -> dict[str, object]:
    spec = spec_of(query)
    source = source_for(request, query)
    sync = status_of_source(source) if source else None
    shown = drawing(spec, source, sync)
    payload = for_member(request, build_payload(shown, source, sync, locale=DEFAULT_LOCALE))
    if payload.state == "invalid":
        raise ApiError(400, "invalid_parameter", payload.message)
    if payload.state == "not_configured":
        raise ApiError(409, "not_configured", NOT_CONFIGURED)
    if payload.state == "forbidden":
        raise ApiError(409, "metric_unavailable", payload.message)
    resolved = shown.resolved
    assert isinstance(resolved, ResolvedSpec)
    figures = shown.figures
    empty = payload.state == "empty" or figures is None
    notes = [n for n in (resolved.granularity_note, resolved.view_note) if n]
    return {
        "metric": resolved.metric.key,
        "measure": resolved.measure.key,
        "breakdown": resolved.breakdown.key if resolved.breakdown else "",
        "account": account_id(source),
        "state": payload.state,
        "message": payload.message,
        "warning": payload.warning,
        "note": " ".join(notes),
        "zone": resolved.zone.key,
        "granularity": resolved.granularity.value,
        "view": resolved.view,
        "range": _range(resolved.time_range, resolved.zone),
        "last_synced_at": payload.last_synced_at,
        "series": [] if empty or figures is None else series_out(figures.current),
        "pending": [] if figures is None else pending_out(figures.pending),
        "comparison": None
        if figures is None
        else comparison_out(
            resolved.comparison, spec.compare, resolved.zone, None if empty else figures.previous
        ),
    }


def settled_view(asked: str | None, settles_in: list[str]) -> bool:
    """Home's rule: the view asked for, else settlement where money settled in exactly one
    currency."""
    view = asked or (SETTLEMENT if len(settles_in) == 1 else CHARGED)
    return view == SETTLEMENT
