"""Home, New Chart and the chart page (SPEC §1.4–1.6). Views read aggregates only."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chartivo.accounts.models import User
from chartivo.charts.forms import ChartForm
from chartivo.charts.models import Chart
from chartivo.charts.payloads import payload, payloads
from chartivo.charts.presentation import figure_tables, headline, series_by_currency
from chartivo.charts.query import ChartSpec, SpecError, chart_data, resolve
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.status import status_of
from chartivo.metrics.export import csv_rows
from chartivo.metrics.periods import zone_names

HOME_PAGE_SIZE = 24


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _connection(user: User) -> StripeConnection | None:
    return StripeConnection.objects.filter(owner=user).first()


def spec_of(chart: Chart) -> ChartSpec:
    return ChartSpec(
        metric=chart.metric,
        measure=chart.measure,
        breakdown=chart.breakdown,
        range_preset=chart.range_preset,
        custom_start=chart.custom_start,
        custom_end=chart.custom_end,
        granularity=chart.granularity,
        time_zone=chart.time_zone,
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    connection = _connection(user)
    sync = status_of(connection) if connection else None
    page = Paginator(user.charts.all(), HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    charts = list(page.object_list)
    cards = [
        {
            "chart": chart,
            "payload": card,
            "headline": headline(card["chart"]) if card["chart"] else None,
            "trend_id": f"trend-{chart.pk}",
        }
        for chart, card in zip(
            charts, payloads([spec_of(c) for c in charts], connection, sync), strict=True
        )
    ]
    return render(
        request,
        "charts/home.html",
        {"page": page, "cards": cards, "connection": connection, "sync": sync},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_chart(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    connection = _connection(user)
    source = request.POST.get("source") or request.GET.get("source", "")
    form = ChartForm(request.POST or None, initial={"metric": request.GET.get("metric")})
    if request.method == "POST" and connection is not None and form.is_valid():
        chart = form.save(commit=False)
        chart.owner = user
        chart.source = "stripe"
        chart.save()
        return redirect("chart_detail", chart_id=chart.pk)
    sync = status_of(connection) if connection else None
    unavailable = dict(sync.availability.unavailable) if sync else {}
    metrics = [
        {
            "key": m.key,
            "label": m.label,
            "description": m.description,
            "problem": unavailable.get(m.label, ""),
        }
        for m in METRICS.values()
    ]
    catalogue = {
        m.key: {
            "measures": [[x.key, x.label] for x in m.measures],
            "breakdowns": [[b.key, b.label] for b in m.breakdowns],
        }
        for m in METRICS.values()
    }
    return render(
        request,
        "charts/new.html",
        {
            "form": form,
            "source": source,
            "connection": connection,
            "metrics": metrics,
            "catalogue": catalogue,
            "zones": zone_names(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    connection = _connection(_user(request))
    form = ChartForm(request.GET)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse({"state": "invalid", "message": " ".join(errors)}, status=400)
    sync = status_of(connection) if connection else None
    return JsonResponse(payload(form.spec(), connection, sync))


def _owned(request: HttpRequest, chart_id: int) -> Chart:
    # Someone else's chart is a 404, exactly like one that does not exist.
    return get_object_or_404(Chart, pk=chart_id, owner=_user(request))


@login_required
@require_GET
def chart_detail(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = _owned(request, chart_id)
    connection = _connection(_user(request))
    sync = status_of(connection) if connection else None
    shown = payload(spec_of(chart), connection, sync)
    return render(
        request,
        "charts/detail.html",
        {
            "chart": chart,
            "payload": shown,
            "tables": figure_tables(shown["chart"], chart.name) if shown["chart"] else [],
            "totals": series_by_currency(shown["chart"]) if shown["chart"] else [],
            "connection": connection,
            "sync": sync,
            "metric": METRICS[chart.metric],
        },
    )


@login_required
@require_GET
def chart_data_json(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = _owned(request, chart_id)
    connection = _connection(_user(request))
    sync = status_of(connection) if connection else None
    return JsonResponse(payload(spec_of(chart), connection, sync))


@login_required
@require_GET
def chart_csv(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = _owned(request, chart_id)
    connection = _connection(_user(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{slugify(chart.name) or 'chart'}-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    try:
        resolved = resolve(spec_of(chart), now=timezone.now())
    except SpecError as error:
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    data = chart_data(connection.pk if connection else None, resolved)
    # Built in memory and written once: HttpResponse.write per row is slow for the
    # ~20,000 rows of a month by the hour.
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_rows(data))
    response.write(buffer.getvalue())
    return response


@login_required
@require_POST
def chart_delete(request: HttpRequest, chart_id: int) -> HttpResponse:
    _owned(request, chart_id).delete()
    return redirect("home")
