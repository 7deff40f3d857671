"""What of its organisation a request may see and change: its charts, its Stripe
accounts (one, or "All accounts"), and what a viewer is told about them.

A viewer never learns a key's or an account's state: where a manager reads why a chart
cannot be drawn (a permission the key lacks, a sync that fails), a viewer reads that an
owner or admin can see why.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from chartivo.accounts.models import User
from chartivo.charts.accounts import ALL, Combined, Source, choices, choose, connections_of
from chartivo.charts.models import Chart
from chartivo.charts.payloads import ChartPayload
from chartivo.charts.query import VIEWS
from chartivo.orgs.access import membership_of, organisation_of

ASK_A_MANAGER = "An owner or admin of this organisation can see why."
NOT_AVAILABLE = "This metric cannot be read from this organisation's Stripe account. "
NOT_UP_TO_DATE = "Figures may not be up to date. "


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def connection_of(request: HttpRequest, saved: int | None = None) -> Source | None:
    """The account the request reads: the address's ``account`` (an id, or "all"), else
    the chart's ``saved`` one, else all of the organisation's accounts."""
    return choose(connections_of(request), request.GET.get("account") or saved)


def account_links(request: HttpRequest, source: Source | None, query: str) -> dict[str, Any]:
    """The account picker ("All accounts" and each account, the current one marked), which
    keeps the currency view the address chose, and the page's view query, which keeps an
    account the address chose."""
    current = ALL if isinstance(source, Combined) else str(source.pk) if source else ""
    asked = request.GET.get("account", "")
    view = request.GET.get("view", "")
    kept = "view" in dict(parse_qsl(query)) or not view
    return {
        "accounts": choices(connections_of(request)),
        "account": current,
        "picker_query": query if kept else f"{query}&{urlencode({'view': view})}",
        "view_query": f"{query}&{urlencode({'account': asked})}" if asked else query,
    }


def switched(request: HttpRequest, query: str, **changes: str) -> str:
    """``query`` with ``changes``, keeping every other parameter of the request's address
    (the account, a currency, a page…): switching a view changes only the view."""
    params = dict(parse_qsl(query))
    for name in request.GET:
        params.setdefault(name, str(request.GET.get(name, "")))
    return urlencode({**params, **changes})


def view_links(request: HttpRequest, query: str, drawn: str) -> list[dict[str, Any]]:
    """The two currency views, each a link to this page drawn so (``drawn`` is current)."""
    return [
        {"label": label, "href": "?" + switched(request, query, view=key), "current": key == drawn}
        for key, label in VIEWS.items()
    ]


def visible_charts(request: HttpRequest) -> QuerySet[Chart]:
    """The organisation's charts and the member's own personal ones (deleted ones too)."""
    return Chart.objects.filter(organisation=organisation_of(request)).filter(
        Q(personal=False) | Q(owner=user_of(request))
    )


def shown_charts(request: HttpRequest) -> QuerySet[Chart]:
    return visible_charts(request).filter(deleted_at__isnull=True)


def owned(request: HttpRequest, chart_id: int) -> Chart:
    # A chart of another organisation, or another member's personal chart, is a 404,
    # exactly like one that does not exist.
    return get_object_or_404(shown_charts(request), pk=chart_id)


def may_edit(request: HttpRequest, chart: Chart) -> bool:
    """Owners and admins change the organisation's charts; anyone their personal ones."""
    return membership_of(request).manages or (chart.personal and chart.owner_id == request.user.pk)


def editable(request: HttpRequest, chart_id: int) -> Chart:
    """A chart the member may change; one they may only look at is the 403 page."""
    chart = owned(request, chart_id)
    if not may_edit(request, chart):
        raise PermissionDenied
    return chart


def for_member(request: HttpRequest, payload: ChartPayload) -> ChartPayload:
    """The payload as the member may read it: a viewer gets no key or sync state."""
    if membership_of(request).manages:
        return payload
    changes: dict[str, Any] = {}
    if payload.warning:
        changes["warning"] = NOT_UP_TO_DATE + ASK_A_MANAGER
    if payload.state == "forbidden":
        changes["message"] = NOT_AVAILABLE + ASK_A_MANAGER
    return replace(payload, **changes) if changes else payload


def card_for_member(request: HttpRequest, card: dict[str, Any]) -> dict[str, Any]:
    if card.get("state") == "forbidden" and not membership_of(request).manages:
        return {**card, "message": NOT_AVAILABLE + ASK_A_MANAGER}
    return card
