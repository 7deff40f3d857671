"""The Reconciliation page: whether every paid payout of the history window ties out to the
cent with the transactions it paid out, and which do not, by how much — of one Stripe
account, or of all of them (payouts counted together, each amount in its own currency).
Reads the checks the sync stored (``chartivo.metrics.payout_checks``); never Stripe."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chartivo.charts.accounts import Combined
from chartivo.charts.scope import account_links, connection_of
from chartivo.charts.views import locale_of
from chartivo.metrics.money import format_money
from chartivo.metrics.payout_checks import combined, window_summary


@dataclass(frozen=True)
class Mismatch:
    """A payout that does not tie out, named as the Stripe Dashboard lists it."""

    account: str  # the Stripe account it was paid from
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
    # The address's ``account`` (an id, or "all"); by default all of the organisation's.
    connection = connection_of(request)
    locale = locale_of(request)
    context: dict[str, object] = {
        "connection": connection,
        "history_days": settings.HISTORY_DAYS,
        **account_links(request, connection, ""),
    }
    if connection is not None:
        each = connection.connections if isinstance(connection, Combined) else (connection,)
        names = {c.pk: c.name for c in each}
        now = int(time.time())
        result = combined(
            window_summary(c.pk, now=now, history_days=settings.HISTORY_DAYS) for c in each
        )
        context["reconciliation"] = result
        context["several"] = len(each) > 1
        context["mismatches"] = [
            Mismatch(
                account=names[check.connection_id],
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
