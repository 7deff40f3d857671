"""Working with saved charts: edit, save a view as default, duplicate, delete (asked first,
and undone from Home), reorder and widen Home's cards."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from chartivo.charts.accounts import choices, connections_of
from chartivo.charts.forms import ChartForm
from chartivo.charts.models import Chart
from chartivo.charts.pages import looked_at
from chartivo.charts.scope import (
    connection_of,
    editable,
    may_edit,
    owned,
    shown_charts,
    user_of,
    visible_charts,
)
from chartivo.charts.views import chart_form_context, preference_of
from chartivo.orgs.access import membership_of

UNDO_DAYS = 7  # a deleted chart can be brought back for this long


@login_required
@require_http_methods(["GET", "POST"])
def chart_edit(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = editable(request, chart_id)
    user = user_of(request)
    form = ChartForm(
        request.POST or None,
        instance=chart,
        dashboard=preference_of(user).view(),
        accounts=choices(connections_of(request)),
    )
    if request.method == "POST" and form.is_valid():
        if "account" in form.fields:
            form.instance.connection_id = form.account_id()
        form.save()
        messages.success(request, f"Chart “{chart.name}” saved.")
        return redirect("chart_detail", chart_id=chart.pk)
    context = {
        **chart_form_context(form, connection_of(request)),
        "chart": chart,
        "source": "stripe",
    }
    return render(
        request, "charts/edit.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def chart_save_view(request: HttpRequest, chart_id: int) -> HttpResponse:
    """Makes the range, zone, comparison and granularity in the address the chart's own."""
    chart = editable(request, chart_id)
    spec, _ = looked_at(chart, request)
    chart.range_preset = spec.range_preset
    chart.custom_start, chart.custom_end = spec.custom_start, spec.custom_end
    chart.time_zone, chart.compare, chart.granularity = (
        spec.time_zone,
        spec.compare,
        spec.granularity,
    )
    asked = request.GET.get("account")
    if asked:  # the account looked at becomes the chart's ("all": no account of its own)
        chosen = next((c for c in connections_of(request) if str(c.pk) == asked), None)
        chart.connection = chosen
    chart.save(
        update_fields=[
            "connection",
            "range_preset",
            "custom_start",
            "custom_end",
            "time_zone",
            "compare",
            "granularity",
        ]
    )
    messages.success(request, f"This view is now the default of “{chart.name}”.")
    return redirect("chart_detail", chart_id=chart.pk)


@login_required
@require_POST
def chart_duplicate(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = owned(request, chart_id)
    copy = Chart.objects.get(pk=chart.pk)
    copy.pk = None
    copy.name = f"{chart.name} (copy)"[:120]
    # The copy is its maker's: a viewer's copy is personal, as every chart they make.
    copy.owner = user_of(request)
    copy.personal = chart.personal or not membership_of(request).manages
    copy.position = chart.position
    copy.save()
    messages.success(request, f"Duplicated as “{copy.name}”.")
    return redirect("chart_detail", chart_id=copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def chart_delete(request: HttpRequest, chart_id: int) -> HttpResponse:
    """GET asks first (the page's dialog asks without leaving the chart); POST deletes."""
    chart = editable(request, chart_id)
    if request.method == "GET":
        return render(request, "charts/confirm_delete.html", {"chart": chart})
    chart.deleted_at = timezone.now()
    chart.save(update_fields=["deleted_at"])
    visible_charts(request).filter(
        deleted_at__lt=timezone.now() - timedelta(days=UNDO_DAYS)
    ).delete()
    request.session["undo_chart"] = chart.pk
    return redirect("home")


@login_required
@require_POST
def chart_restore(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = get_object_or_404(visible_charts(request), pk=chart_id, deleted_at__isnull=False)
    if not may_edit(request, chart):
        raise PermissionDenied
    chart.deleted_at = None
    chart.save(update_fields=["deleted_at"])
    messages.success(request, f"Chart “{chart.name}” is back.")
    return redirect(reverse("home") + f"#card-{chart.pk}")


def _renumber(ordered: list[int], user_charts: dict[int, Chart]) -> None:
    with transaction.atomic():
        for position, chart_id in enumerate(ordered):
            chart = user_charts[chart_id]
            if chart.position != position:
                Chart.objects.filter(pk=chart_id).update(position=position)


@login_required
@require_POST
def chart_move(request: HttpRequest, chart_id: int) -> HttpResponse:
    """Moves a card one place earlier or later on Home (the keyboard's way to reorder)."""
    chart = editable(request, chart_id)
    charts = list(shown_charts(request))
    ids = [c.pk for c in charts]
    index = ids.index(chart.pk)
    step = -1 if request.POST.get("direction") == "earlier" else 1
    target = min(max(0, index + step), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    _renumber(ids, {c.pk: c for c in charts})
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"position": target + 1, "of": len(ids)})
    return redirect(reverse("home") + f"#card-{chart.pk}")


@login_required
@require_POST
def charts_order(request: HttpRequest) -> HttpResponse:
    """Home's cards in the order they were dragged into (a JSON list of chart ids)."""
    try:
        wanted = [int(x) for x in json.loads(request.body or b"[]")]
    except (ValueError, TypeError):
        return JsonResponse({"error": "Send the chart ids in order."}, status=400)
    charts = list(shown_charts(request))
    ids = [c.pk for c in charts]
    if len(set(wanted)) != len(wanted) or not set(wanted) <= set(ids):
        return JsonResponse({"error": "Name each of your charts at most once."}, status=400)
    if not all(may_edit(request, c) for c in charts if c.pk in set(wanted)):
        raise PermissionDenied
    # The charts named (one page of Home) take their places in the order given; the
    # others keep theirs.
    places = iter(wanted)
    ordered = [next(places) if chart_id in set(wanted) else chart_id for chart_id in ids]
    _renumber(ordered, {c.pk: c for c in charts})
    return JsonResponse({"ok": True})


@login_required
@require_POST
def chart_width(request: HttpRequest, chart_id: int) -> HttpResponse:
    chart = editable(request, chart_id)
    width = request.POST.get("width")
    if width in dict(Chart.WIDTH_CHOICES):
        chart.width = width
        chart.save(update_fields=["width"])
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"width": chart.width})
    return redirect(reverse("home") + f"#card-{chart.pk}")
