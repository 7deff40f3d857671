"""Home's chart cards, rendered once per change of what they show.

A warm Home spent most of its time unpacking a dozen charts' figures and rendering their
cards, although the cards change only when a sync changes the figures or the user changes
a chart. The rendered list is cached (``chartivo.charts.cache``) under a key made of every
input the cards are drawn from: each chart's figures key (the chart's spec, the periods its
range covers and the last change of the connection's aggregates: ``figures.cache_key``),
each chart's id, name, width and whether it follows the dashboard's range, the page's
place among the pages, the reader's locale and the connection's mode. Nothing is cached
unless every chart's figures are (a first sync filling in, a failing sync, a range that
does not resolve: rendered each time).

The cards' forms carry the reader's CSRF token, which must never be stored or shown to
anyone else: the list is rendered with a placeholder, replaced by the request's own token
at every view.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from chartivo.charts import cache
from chartivo.charts.figures import Drawing, drawings, figure_keys
from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.status import SyncStatus

KEY_VERSION = 1  # bump when cards.html or what a card shows changes

# Per process and random, so no chart name can contain it.
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

CardBuilder = Callable[[list[Drawing]], list[dict[str, Any]]]


def cards_html(
    request: HttpRequest,
    *,
    charts: Sequence[Chart],
    specs: Sequence[ChartSpec],
    page: Page[Chart],
    connection: StripeConnection | None,
    sync: SyncStatus | None,
    locale: str,
    build: CardBuilder,
) -> SafeString:
    """The ``<ol>`` of Home's cards for ``charts`` drawn over ``specs``; ``build`` turns
    their drawings into the cards' context (called only when the list is rendered)."""
    if not charts:
        return SafeString("")
    now = timezone.now()
    keys = figure_keys(specs, connection, sync, now=now)
    key = _key(request, charts, keys, page, connection, locale)
    html = cache.get_many([key]).get(key) if key is not None else None
    if not isinstance(html, str):
        shown = drawings(specs, connection, sync, now=now)
        context = {
            "cards": build(shown),
            "page": page,
            "connection": connection,
            "csrf_token": _TOKEN_PLACEHOLDER,
        }
        html = render_to_string("charts/cards.html", context)
        if key is not None:
            cache.set_many({key: html})
    # Rendered by the template engine, which escaped every value; read from our own cache.
    return mark_safe(html.replace(_TOKEN_PLACEHOLDER, get_token(request)))  # noqa: S308


def _key(
    request: HttpRequest,
    charts: Sequence[Chart],
    keys: list[str | None],
    page: Page[Chart],
    connection: StripeConnection | None,
    locale: str,
) -> str | None:
    if connection is None or any(k is None for k in keys):
        return None
    parts = [
        KEY_VERSION,
        request.user.pk,
        connection.mode,
        locale,
        page.has_previous(),
        page.has_next(),
        [(chart.pk, chart.name, chart.width, chart.range_preset) for chart in charts],
        keys,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"home-cards:{connection.pk}:{digest}"
