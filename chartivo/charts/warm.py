"""Figures computed by the worker as soon as a sync finishes, before anyone asks for them.

Figures are cached per sync (``chartivo.charts.figures``): the first view after each sync
would otherwise compute every chart of Home and its headline figures while its reader
waits. The worker that ran the sync computes them instead, for the dashboard each owner of
the connection last looked at (its range, zone and comparison), so that view is read from
the cache. The keys are the ones a request makes (same spec, same resolved periods), so
nothing here can show other numbers than a request would.

Only with ``REDIS_URL``, where the cache is shared by the worker and every web process.
Warming is best effort: a failure is logged and the figures are computed at the first
view, as they would have been.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chartivo.charts import cache, figures
from chartivo.charts.accounts import choose, status_of_source
from chartivo.charts.dashboard import cached_figures, dashboard_range
from chartivo.charts.models import Chart, DashboardPreference
from chartivo.charts.query import ChartSpec, ViewRange, with_range
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.periods import RangeError

logger = logging.getLogger(__name__)

# Home draws its first page of charts; the warm-up computes the same ones.
HOME_CHARTS = 24
QUARTER_HOUR = 900  # the buckets figures are kept in, and where "so far" ends


def home_specs(charts: list[Chart], view: ViewRange) -> list[ChartSpec]:
    """The specs Home draws for ``charts`` over the dashboard's ``view``."""
    specs = []
    for chart in charts:
        spec = chart.spec()
        specs.append(with_range(spec, view) if spec.follows_dashboard else spec)
    return specs


def _warmed_marker(connections: list[StripeConnection], now: datetime) -> str:
    """A cache key that exists once Home was warmed for these figures in this quarter hour.

    What Home computes depends on the aggregates (each account's last change) and on where
    "so far" ends (the last whole 15 minutes). Most refreshes find nothing new: until either
    moves, the figures the last warm-up cached are still the ones a view would ask for, and
    computing their keys again costs a quiet refresh a third of its CPU. A member who
    changes Home's range meanwhile gets it computed at their first view, as without warming.
    """
    parts = [int(now.timestamp()) // QUARTER_HOUR] + [
        f"{c.pk}:{c.figures_changed_at.isoformat() if c.figures_changed_at else ''}"
        for c in connections
    ]
    return "warmed:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def after_sync(connection_id: int) -> int:
    """Computes and caches Home's figures for ``connection_id``'s owner after a sync;
    returns how many charts were warmed (0 when there is nothing to cache yet)."""
    try:
        return _warm(connection_id)
    except Exception:  # the sync succeeded; a cold first view is the worst outcome
        logger.warning("charts.warm_failed", extra={"connection": connection_id}, exc_info=True)
        return 0


def _warm(connection_id: int) -> int:
    if not settings.REDIS_URL:
        # Without Redis each web process keeps its own figures: the worker's would be read
        # by no one.
        return 0
    connection = StripeConnection.objects.filter(pk=connection_id).first()
    if connection is None or connection.organisation_id is None:
        return 0
    # What Home shows by default: the organisation's one account, or all of them.
    connections = list(
        StripeConnection.objects.filter(organisation_id=connection.organisation_id).order_by("pk")
    )
    source = choose(connections, None)
    if source is None:
        return 0
    now = timezone.now()
    unchanged = _warmed_marker(connections, now)
    if cache.get_many([unchanged]).get(unchanged):
        return 0  # nothing new since the last warm-up: its figures are in the cache
    sync = status_of_source(source)
    if sync.state != "synced" or not sync.last_synced_at:
        return 0  # nothing is cached while a first sync fills in or a sync fails
    started = time.monotonic()
    preference = DashboardPreference.objects.filter(user_id=connection.owner_id).first()
    view = preference.view() if preference is not None else DashboardPreference().view()
    # The organisation's shared charts and those of the member who saved the key, as
    # Home shows them to that member.
    charts = list(
        Chart.objects.filter(
            organisation_id=connection.organisation_id, deleted_at__isnull=True
        ).filter(Q(personal=False) | Q(owner_id=connection.owner_id))[:HOME_CHARTS]
    )
    # The headline figures first: they head the page.
    # A remembered range that no longer resolves: Home says so, there is nothing to warm.
    with contextlib.suppress(RangeError, ValueError):
        cached_figures(source, sync, dashboard_range(view, now=now))
    figures.drawings(home_specs(charts, view), source, sync, now=now)
    cache.set_many({unchanged: True})
    logger.info(
        "charts.warmed",
        extra={
            "connection": connection_id,
            "charts": len(charts),
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return len(charts)
