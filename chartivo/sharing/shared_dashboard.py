"""A shared dashboard: Home's headline figures and chart cards for the link's range, zone,
comparison, currency view and account; small counts withheld where the link asks for it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from chartivo.charts.accounts import Source, choose, status_of_source
from chartivo.charts.dashboard import HEADLINES, cached_figures
from chartivo.charts.headlines import (
    currencies_of,
    currency_choice,
    dashboard_heading,
    headline_views,
    in_view,
)
from chartivo.charts.query import CHARGED, SETTLEMENT, VIEWS, ViewRange
from chartivo.charts.views import locale_of, range_name
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.sharing.models import ShareLink
from chartivo.sharing.privacy import mask_headline
from chartivo.sharing.shared_cards import shared_cards


def source_of(link: ShareLink) -> tuple[Source | None, SyncStatus | None]:
    """The account the link shows (one, or all of the organisation's)."""
    connections = list(
        StripeConnection.objects.filter(organisation_id=link.organisation_id).order_by("pk")
    )
    source = choose(connections, link.account or None)
    return source, status_of_source(source) if source else None


def dashboard_context(link: ShareLink, request: HttpRequest, view: ViewRange) -> dict[str, Any]:
    context: dict[str, Any] = {"title": "Dashboard", "range_name": range_name(view)}
    dashboard = dashboard_heading(view, context)
    if dashboard is None:
        return context
    context["zone"] = dashboard.zone_name
    context["so_far"] = dashboard.time_range.so_far
    source, sync = source_of(link)
    if source is None or sync is None:
        context["dashboard_error"] = "These figures are not available."
        return context
    figures = cached_figures(source, sync, dashboard)
    settles_in = currencies_of(figures, settled=True)
    settled = link.currency_view == SETTLEMENT or (not link.currency_view and len(settles_in) == 1)
    asked = (request.GET.get("currency") or "").upper()
    currencies, currency = currency_choice(figures, asked, settled=settled)
    views = headline_views(figures, currency.lower(), locale_of(request), settled=settled)
    if link.hide_small_counts:
        views = [
            mask_headline(v, in_view(h, settled), figures, currency.lower(), link.min_objects)
            for v, h in zip(views, HEADLINES, strict=True)
        ]
    context.update(
        headlines=views,
        currency=currency,
        currencies=currencies,
        view_label=VIEWS[SETTLEMENT if settled else CHARGED],
        stale=sync.state == "error",
        # A card opens in its own currency, as on Home, unless the visitor picked one.
        cards=shared_cards(link, request, view, asked if asked in currencies else ""),
    )
    return context
