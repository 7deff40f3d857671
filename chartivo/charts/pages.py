"""A chart's page, its data, its figures table and its CSV.

Each takes the chart's saved definition and, from the address, a range, zone, comparison
and granularity to look at it differently (``?range=this_month&granularity=week``), so
any view of a chart can be bookmarked or shared; "Save as this chart's default" keeps it.
Work per request is bounded: at most 744 periods per series, the table a page of periods
at a time, the CSV streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from chartivo.charts.accounts import Source, status_of_source
from chartivo.charts.definitions import definition_of
from chartivo.charts.figures import Drawing, drawing
from chartivo.charts.forms import ViewRangeForm
from chartivo.charts.models import Chart
from chartivo.charts.payloads import ChartPayload, build_payload, state_of
from chartivo.charts.presentation import figure_tables, file_name, totals
from chartivo.charts.query import VIEWS, ChartSpec, ResolvedSpec, ViewRange, with_range
from chartivo.charts.scope import (
    account_links,
    connection_of,
    for_member,
    owned,
    user_of,
    view_links,
)
from chartivo.charts.views import locale_of, preference_of, range_name
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.metrics.export import csv_text
from chartivo.metrics.periods import Granularity, zone_names

VIEW_PARAMS = ("range", "from", "to", "tz", "compare", "granularity", "view")


def _saved_view(chart: Chart, request: HttpRequest) -> ViewRange:
    """The range a chart is drawn over before its address changes anything."""
    if chart.range_preset == "dashboard":
        return preference_of(user_of(request)).view()
    return ViewRange(
        chart.range_preset, chart.custom_start, chart.custom_end, chart.time_zone, chart.compare
    )


def looked_at(chart: Chart, request: HttpRequest) -> tuple[ChartSpec, bool]:
    """The spec drawn for this request, and whether its address changed the saved one."""
    spec = chart.spec()
    form = ViewRangeForm(request.GET)
    view = form.view_range(_saved_view(chart, request))
    spec = with_range(spec, view)
    granularity = request.GET.get("granularity", "")
    if granularity in {g.value for g in Granularity}:
        spec = ChartSpec(**{**spec.__dict__, "granularity": granularity})
    currency_view = request.GET.get("view", "")
    if currency_view in VIEWS:
        spec = ChartSpec(**{**spec.__dict__, "view": currency_view})
    changed = form.given() or bool(granularity and granularity != chart.granularity)
    return spec, changed


def _view_query(spec: ChartSpec) -> str:
    params = {
        "range": spec.range_preset,
        "tz": spec.time_zone,
        "compare": spec.compare,
        "granularity": spec.granularity,
    }
    if spec.range_preset == "custom" and spec.custom_start and spec.custom_end:
        params.update(
            {"from": f"{spec.custom_start:%Y-%m-%d}", "to": f"{spec.custom_end:%Y-%m-%d}"}
        )
    if spec.view:
        params["view"] = spec.view
    return urlencode(params)


def _view_links(
    request: HttpRequest, spec: ChartSpec, resolved: ResolvedSpec | None
) -> list[dict[str, Any]]:
    """The two currency views of a money chart, each a link to this chart drawn so (the
    address's account, currency and the rest kept)."""
    if resolved is None or resolved.measure.kind != "amount":
        return []
    return view_links(request, _view_query(spec), resolved.view)


def _account_changed(request: HttpRequest, chart: Chart) -> bool:
    """The address looks at another account than the chart's own (or all of them)."""
    asked = request.GET.get("account", "")
    return bool(asked) and asked != (str(chart.connection_id) if chart.connection_id else "all")


def _drawn(
    request: HttpRequest, chart: Chart
) -> tuple[Drawing, Source | None, SyncStatus | None, bool]:
    connection = connection_of(request, chart.connection_id)
    sync = status_of_source(connection) if connection else None
    spec, changed = looked_at(chart, request)
    return drawing(spec, connection, sync), connection, sync, changed


def _payload(
    request: HttpRequest,
    chart: Chart,
    shown: Drawing,
    connection: Source | None,
    sync: SyncStatus | None,
) -> ChartPayload:
    """What the chart draws, as this reader may see it (the page and its data alike)."""
    payload = build_payload(
        shown,
        connection,
        sync,
        locale=locale_of(request),
        chart_type=chart.chart_type,
        currency=request.GET.get("currency"),
    )
    return for_member(request, payload)


@login_required
@require_GET
def chart_detail(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = owned(request, chart_id)
    shown, connection, sync, changed = _drawn(request, chart)
    locale = locale_of(request)
    payload = _payload(request, chart, shown, connection, sync)
    resolved = shown.resolved
    state, _, _ = state_of(shown, connection, sync)
    rows = []
    if (
        shown.figures is not None
        and isinstance(resolved, ResolvedSpec)
        and state in ("ready", "syncing")
    ):
        rows = totals(shown.figures, resolved, locale)
    spec = shown.spec
    context: dict[str, Any] = {
        "chart": chart,
        "payload": payload,
        "payload_json": payload.to_json(),
        "totals": rows,
        "connection": connection,
        "sync": sync,
        **account_links(request, connection, _view_query(spec)),
        "metric": METRICS[chart.metric],
        "resolved": resolved if isinstance(resolved, ResolvedSpec) else None,
        "changed": changed or _account_changed(request, chart),
        "range_problems": ViewRangeForm(request.GET).problems(spec.view_range()),
        "range_form": ViewRangeForm(
            {
                "range": spec.range_preset,
                "tz": spec.time_zone,
                "compare": spec.compare,
                **(
                    {"from": f"{spec.custom_start:%Y-%m-%d}", "to": f"{spec.custom_end:%Y-%m-%d}"}
                    if spec.custom_start and spec.custom_end
                    else {}
                ),
            }
        ),
        "granularity": spec.granularity,
        "range_name": range_name(spec.view_range()),
        "follows": chart.range_preset == "dashboard",
        "zones": zone_names(),
        "has_csv": state in ("ready", "zero", "syncing"),
        "currency_view": spec.view,
        "view_links": _view_links(
            request, spec, resolved if isinstance(resolved, ResolvedSpec) else None
        ),
        "definition": definition_of(resolved) if isinstance(resolved, ResolvedSpec) else None,
    }
    return render(request, "charts/detail.html", context)


# The data, the table and the CSV carry no secret (no CSRF token): compressed, as a
# browser asks, they can never help guess one, and a year's CSV shrinks tenfold.
@gzip_page
@login_required
@require_GET
def chart_data_json(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = owned(request, chart_id)
    shown, connection, sync, _ = _drawn(request, chart)
    return JsonResponse(_payload(request, chart, shown, connection, sync).to_json())


@gzip_page
@login_required
@require_GET
def chart_figures(request: HttpRequest, chart_id: int) -> HttpResponse:
    """The table of figures, a page of periods at a time (loaded when it is opened)."""
    chart = owned(request, chart_id)
    shown = _drawn(request, chart)[0]
    page = None
    if shown.figures is not None and shown.figures.current.series:
        try:
            number = int(request.GET.get("page", "1"))
        except ValueError:
            number = 1
        page = figure_tables(shown.figures, chart.name, locale_of(request), number)
    query = account_links(request, None, _view_query(shown.spec))["view_query"]
    return render(
        request,
        "charts/figures.html",
        {"chart": chart, "table_page": page, "view_query": query},
    )


@gzip_page
@login_required
@require_GET
def chart_csv(request: HttpRequest, chart_id: int) -> HttpResponseBase:
    chart = owned(request, chart_id)
    shown, connection, sync, _ = _drawn(request, chart)
    state, message, _ = state_of(shown, connection, sync)
    if shown.figures is None or state in ("invalid", "empty", "forbidden", "not_configured"):
        return HttpResponse(
            message or "No figures to export.", status=409, content_type="text/plain; charset=utf-8"
        )
    zone = shown.resolved.zone.key if isinstance(shown.resolved, ResolvedSpec) else ""
    filename = file_name(
        chart.name, chart.metric, range_name(shown.spec.view_range()), zone, extension="csv"
    )
    response = StreamingHttpResponse(_csv_lines(shown), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_lines(shown: Drawing) -> Iterator[str]:
    assert shown.figures is not None
    # Streamed in chunks of rows: a year's CSV is never held whole.
    return csv_text(shown.figures.current)
