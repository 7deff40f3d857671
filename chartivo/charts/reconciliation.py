"""The Reconciliation page: whether every paid payout of the history window ties out to the
cent with the transactions it paid out, and which do not, by how much. Reads the checks the
sync stored (``chartivo.metrics.payout_checks``); never Stripe."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chartivo.charts.accounts import connections_of
from chartivo.charts.views import locale_of
from chartivo.metrics.money import format_money
from chartivo.metrics.payout_checks import window_summary


@dataclass(frozen=True)
class Mismatch:
    """A payout that does not tie out, named as the Stripe Dashboard lists it."""

    currency: str
    amount: str
    arrival: str
    created: str
    settled: str
    difference: str  # payout amount − what it paid out
    moved: str  # what its own transaction took from the balance


def _day(unix: int) -> str:
    moment = datetime.fromtimestamp(unix, UTC)
    return f"{moment:%b} {moment.day}, {moment.year}"


@login_required
@require_GET
def reconciliation(request: HttpRequest) -> HttpResponse:
    # One account at a time: the address's ``account``, else the organisation's first.
    connections = connections_of(request)
    asked = request.GET.get("account", "")
    connection = next((c for c in connections if str(c.pk) == asked), None) or (
        connections[0] if connections else None
    )
    locale = locale_of(request)
    context: dict[str, object] = {"connection": connection, "history_days": settings.HISTORY_DAYS}
    if connection is not None:
        result = window_summary(
            connection.pk, now=int(time.time()), history_days=settings.HISTORY_DAYS
        )
        context["reconciliation"] = result
        context["mismatches"] = [
            Mismatch(
                currency=check.currency.upper(),
                amount=format_money(check.amount, check.currency, locale),
                arrival=_day(check.arrival),
                created=f"{datetime.fromtimestamp(check.created, UTC):%b %-d, %Y %H:%M} UTC",
                settled=format_money(check.settled, check.currency, locale),
                difference=format_money(check.difference, check.currency, locale),
                moved=format_money(check.moved, check.currency, locale),
            )
            for check in result.mismatched
        ]
    return render(request, "charts/reconciliation.html", context)
