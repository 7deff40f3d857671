"""Home's chart cards, rendered once per change of what they show.

A warm Home spent most of its time unpacking a dozen charts' figures and rendering their
cards, although the cards change only when a sync changes the figures or the user changes
a chart. The rendered list is cached (``chartivo.charts.cache``) under a key made of every
input the cards are drawn from: each chart's figures key (the chart's spec, the periods its
range covers and the last change of the connection's aggregates: ``figures.cache_key``),
each chart's id, name, width and whether it follows the dashboard's range, the account
it draws (one Stripe account or all of them) and its mode, the page's place among the
pages, the reader's locale, and the reader's organisation and role (a viewer's cards hold
no link to Integrations and no tools for charts they may not change). Nothing is cached
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
from datetime import datetime
from typing import Any, TypeVar

from django.core.paginator import Page
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from chartivo.charts import cache
from chartivo.charts.accounts import Source, key_part
from chartivo.charts.figures import Drawing, drawings, figure_keys
from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.orgs.access import membership_of

KEY_VERSION = 2  # bump when cards.html or what a card shows changes

# Per process and random, so no chart name can contain it.
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

CardBuilder = Callable[[list[Drawing]], list[dict[str, Any]]]
# Each chart's account (one, or all of the organisation's) and that account's sync.
Drawn = tuple[Source | None, SyncStatus | None]
T = TypeVar("T")


def cards_html(
    request: HttpRequest,
    *,
    charts: Sequence[Chart],
    specs: Sequence[ChartSpec],
    sources: Sequence[Drawn],
    page: Page[Chart],
    locale: str,
    build: CardBuilder,
) -> SafeString:
    """The ``<ol>`` of Home's cards for ``charts`` drawn over ``specs`` from ``sources``
    (one per chart); ``build`` turns their drawings into the cards' context (called only
    when the list is rendered)."""
    if not charts:
        return SafeString("")
    now = timezone.now()
    keys = per_source(specs, sources, lambda group, *pair: figure_keys(group, *pair, now=now))
    key = _key(request, charts, keys, page, sources, locale)
    html = cache.get_many([key]).get(key) if key is not None else None
    if not isinstance(html, str):
        context = {
            "cards": build(_drawn(specs, sources, now)),
            "page": page,
            "membership": membership_of(request),
            "csrf_token": _TOKEN_PLACEHOLDER,
        }
        html = render_to_string("charts/cards.html", context)
        if key is not None:
            cache.set_many({key: html})
    # Rendered by the template engine, which escaped every value; read from our own cache.
    return mark_safe(html.replace(_TOKEN_PLACEHOLDER, get_token(request)))  # noqa: S308


def _drawn(specs: Sequence[ChartSpec], sources: Sequence[Drawn], now: datetime) -> list[Drawing]:
    return per_source(specs, sources, lambda group, *pair: drawings(group, *pair, now=now))


def per_source(
    specs: Sequence[ChartSpec],
    sources: Sequence[Drawn],
    each: Callable[[list[ChartSpec], Source | None, SyncStatus | None], list[T]],
) -> list[T]:
    """``each`` called once per account with the specs of its charts (one round trip to
    the cache for their keys, their currency view or their figures), results in the
    charts' order."""
    groups: dict[int, list[int]] = {}
    for index, pair in enumerate(sources):
        groups.setdefault(id(pair[0]), []).append(index)
    found: dict[int, T] = {}
    for indexes in groups.values():
        source, sync = sources[indexes[0]]
        found.update(zip(indexes, each([specs[i] for i in indexes], source, sync), strict=True))
    return [found[i] for i in range(len(specs))]


def _key(
    request: HttpRequest,
    charts: Sequence[Chart],
    keys: list[str | None],
    page: Page[Chart],
    sources: Sequence[Drawn],
    locale: str,
) -> str | None:
    if any(source is None for source, _ in sources) or any(k is None for k in keys):
        return None
    membership = membership_of(request)
    accounts = [(key_part(s), s.mode_label) for s, _ in sources if s is not None]
    parts = [
        KEY_VERSION,
        request.user.pk,
        membership.organisation_id,
        membership.role,
        accounts,
        locale,
        page.has_previous(),
        page.has_next(),
        [(chart.pk, chart.name, chart.width, chart.range_preset) for chart in charts],
        keys,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"home-cards:{membership.organisation_id}:{digest}"
