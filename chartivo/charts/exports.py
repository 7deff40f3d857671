"""Exports that keep what is on screen: a chart as PNG or SVG (the payload its page draws,
with title, range, zone and currency in the image) and Home's headline figures as CSV.
Every file is named for what it holds: chart or figures, metric, range, zone."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from chartivo.charts.accounts import status_of_source
from chartivo.charts.dashboard import HEADLINES, cached_figures, dashboard_range
from chartivo.charts.forms import ViewRangeForm
from chartivo.charts.headlines import _total, currencies_of, in_view
from chartivo.charts.images import CONTENT_TYPES, Format, render
from chartivo.charts.pages import _drawn, _payload
from chartivo.charts.payloads import span_text
from chartivo.charts.presentation import file_name
from chartivo.charts.query import CHARGED, SETTLEMENT, VIEWS, ResolvedSpec
from chartivo.charts.scope import connection_of, owned, user_of
from chartivo.charts.views import preference_of, range_name
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.money import minor_unit_exponent
from chartivo.metrics.periods import RangeError


def _chart_image(request: HttpRequest, chart_id: int, fmt: Format) -> HttpResponse:
    chart = owned(request, chart_id)
    shown, connection, sync, _ = _drawn(request, chart)
    payload = _payload(request, chart, shown, connection, sync)
    resolved = shown.resolved if isinstance(shown.resolved, ResolvedSpec) else None
    metric = METRICS[chart.metric].label
    named_range = range_name(shown.spec.view_range())
    span = span_text(resolved.time_range, resolved.zone) if resolved else ""
    subtitle = " · ".join(
        part
        for part in (
            metric,
            f"{named_range} ({span})" if span else named_range,
            f"Time zone: {payload.zone}",
            payload.currency,
            VIEWS.get(resolved.view, "") if resolved and payload.kind == "amount" else "",
            f"compared with {payload.comparison.label}" if payload.comparison else "",
        )
        if part
    )
    image = render(
        payload,
        title=chart.name,
        subtitle=subtitle,
        footer=f"Chartivo · by {payload.granularity}, periods starting in {payload.zone}",
        chart_type=chart.chart_type,
        fmt=fmt,
    )
    name = file_name(
        chart.name, chart.metric, named_range, payload.zone, payload.currency, extension=fmt
    )
    response = HttpResponse(image, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def chart_png(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_image(request, chart_id, "png")


@login_required
@require_GET
def chart_svg(request: HttpRequest, chart_id: int) -> HttpResponse:
    return _chart_image(request, chart_id, "svg")


def _major(value: int, currency: str) -> str:
    return str(Decimal(value).scaleb(-minor_unit_exponent(currency)))


def _rate(numerator: int, denominator: int) -> str:
    if not denominator:
        return ""
    return f"{float(Fraction(100 * numerator, denominator)):.2f}"


@login_required
@require_GET
def headlines_csv(request: HttpRequest) -> HttpResponse:
    """Home's headline figures for the range, zone, comparison and currency view of its
    address: one row per figure and currency (counts and rates once, in every currency)."""
    view = ViewRangeForm(request.GET).view_range(preference_of(user_of(request)).view())
    try:
        dashboard = dashboard_range(view, now=timezone.now())
    except (RangeError, ValueError) as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    source = connection_of(request)
    if source is None:
        return HttpResponse(
            "No Stripe account to export.", status=409, content_type="text/plain; charset=utf-8"
        )
    figures = cached_figures(source, status_of_source(source), dashboard)
    asked = request.GET.get("view", "")
    settled = asked == SETTLEMENT or (
        asked != CHARGED and len(currencies_of(figures, settled=True)) == 1
    )
    currencies = currencies_of(figures, settled=settled)
    start = dashboard.time_range.start.isoformat()
    end = dashboard.cut.isoformat()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "currency", "value", "previous", "range_start", "range_end", "zone"])
    for headline in (in_view(h, settled) for h in HEADLINES):
        previous = figures.previous
        if headline.kind == "rate":
            now = _rate(
                _total(figures.current, headline.numerator, None),
                _total(figures.current, headline.denominator, None),
            )
            before = (
                _rate(
                    _total(previous, headline.numerator, None),
                    _total(previous, headline.denominator, None),
                )
                if previous is not None
                else ""
            )
            writer.writerow([f"{headline.label} (%)", "", now, before, start, end, view.time_zone])
            continue
        codes = currencies if headline.kind == "amount" else [None]
        for code in codes:
            value = _total(figures.current, headline.numerator, code)
            old = _total(previous, headline.numerator, code) if previous is not None else None
            if code is not None:
                row = [_major(value, code), _major(old, code) if old is not None else ""]
            else:
                row = [str(value), str(old) if old is not None else ""]
            writer.writerow(
                [headline.label, (code or "").upper(), *row, start, end, view.time_zone]
            )
    name = file_name(
        "headline figures",
        range_name(view),
        view.time_zone,
        VIEWS[SETTLEMENT if settled else CHARGED],
        extension="csv",
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
