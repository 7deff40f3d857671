"""The page for the guide's troubleshooting line "Metrics don't match Stripe dashboard",
built from the same definitions the charts show next to each figure."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chartivo.charts.dashboard import HEADLINES
from chartivo.charts.definitions import all_definitions


@login_required
@require_GET
def mismatch(request: HttpRequest) -> HttpResponse:
    """The guide's troubleshooting line "Metrics don't match Stripe dashboard", answered
    from the same definitions."""
    return render(
        request,
        "charts/mismatch.html",
        {"figures": all_definitions(), "headlines": HEADLINES},
    )
