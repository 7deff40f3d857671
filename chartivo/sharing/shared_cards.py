"""A shared dashboard's chart cards, and the payload a visitor gets for any shared chart.

The cards are the organisation's charts Home shows (never a member's personal ones), in
Home's order, each drawn over the dashboard's range as Home draws it (``drawn_spec``,
``home_cards.per_source``): the same figures, so the same numbers as the owner's chart.
Each card's payload is the one a shared chart's page gets (``visitor_payload``): nothing
of the key, the account or its sync, and small counts withheld as the link asks. A card is
read-only: no form, no link into the app.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from chartivo.charts.accounts import Source, choose, status_of_source
from chartivo.charts.figures import Drawing, drawings
from chartivo.charts.home_cards import Drawn, per_source
from chartivo.charts.models import Chart
from chartivo.charts.payloads import ChartPayload, build_payload
from chartivo.charts.query import VIEWS, ViewRange
from chartivo.charts.views import HOME_PAGE_SIZE, drawn_spec, locale_of, range_name
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.sharing.models import ShareLink
from chartivo.sharing.privacy import mask_payload

NOT_UP_TO_DATE = "These figures may not be up to date."
NOT_AVAILABLE = "These figures are not available."


def for_visitor(payload: ChartPayload) -> ChartPayload:
    """A visitor is told nothing of the key, the account or its sync."""
    message = payload.message
    if payload.state in ("forbidden", "not_configured", "invalid"):
        message = NOT_AVAILABLE if payload.state != "invalid" else payload.message
    elif payload.state == "syncing":
        message = "These figures are being updated."
    return replace(
        payload, mode=None, warning=NOT_UP_TO_DATE if payload.warning else "", message=message
    )


def visitor_payload(
    link: ShareLink,
    shown: Drawing,
    drawn: Drawn,
    *,
    locale: str,
    chart_type: str,
    currency: str | None,
) -> ChartPayload:
    """A shared chart's payload: as its owner's, told nothing of the account, with the
    values of too few objects withheld where the link hides small counts."""
    source, sync = drawn
    payload = build_payload(
        shown, source, sync, locale=locale, chart_type=chart_type, currency=currency
    )
    payload = for_visitor(payload)
    if link.hide_small_counts:
        payload = mask_payload(payload, shown.figures, link.min_objects)
    return payload


def _sources(link: ShareLink, charts: list[Chart]) -> list[Drawn]:
    """Each chart's account as Home picks it: the link's when it names one, else the
    chart's own, else all of the organisation's (one object per account, so that each
    account's charts are read together)."""
    connections = list(
        StripeConnection.objects.filter(organisation_id=link.organisation_id).order_by("pk")
    )
    found: dict[str | int | None, Drawn] = {}
    for chart in charts:
        wanted = link.account or chart.connection_id
        if wanted not in found:
            source: Source | None = choose(connections, wanted)
            found[wanted] = (source, status_of_source(source) if source else None)
    return [found[link.account or chart.connection_id] for chart in charts]


def shared_cards(
    link: ShareLink, request: HttpRequest, view: ViewRange, currency: str
) -> list[dict[str, Any]]:
    """Home's first page of the organisation's charts, drawn for a visitor."""
    charts = list(
        Chart.objects.filter(
            organisation_id=link.organisation_id, deleted_at__isnull=True, personal=False
        )[:HOME_PAGE_SIZE]
    )
    specs = [drawn_spec(chart, view) for chart in charts]
    if link.currency_view in VIEWS:
        specs = [replace(spec, view=link.currency_view) for spec in specs]
    sources = _sources(link, charts)
    now = timezone.now()
    shown = per_source(
        specs,
        sources,
        lambda group, source, sync: drawings(
            group, source, sync, now=now, with_counts=link.hide_small_counts
        ),
    )
    locale = locale_of(request)
    cards = []
    for index, (chart, drawing, drawn) in enumerate(zip(charts, shown, sources, strict=True)):
        payload = visitor_payload(
            link,
            drawing,
            drawn,
            locale=locale,
            chart_type=chart.chart_type,
            currency=currency or None,
        )
        cards.append(
            {
                "title": chart.name,
                "metric": METRICS[chart.metric].label,
                "range_name": range_name(drawing.spec.view_range()),
                "chart_type": chart.chart_type,
                "wide": chart.width == "wide",
                "payload": payload,
                "payload_json": payload.to_json(),
                "payload_id": f"card-payload-{index}",
            }
        )
    return cards
