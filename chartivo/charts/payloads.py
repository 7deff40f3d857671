"""A chart's payload (its numbers, or why there are none), computed once per sync.

Every view of a chart between two syncs shows the same numbers, yet computing them reads
and adds up thousands of 15-minute aggregates, and Home does it for every card. So payloads
are cached, under a key that changes whenever the payload could:

- the connection's last finished sync: aggregates change only when a sync writes them, and
  a sync that finishes moves ``last_synced_at``;
- the chart's definition, and the periods its range covers (the range's start and its last
  period's start; a custom range's end). A range that ends "now" holds no data after the
  last sync, so until the next sync only a new period (the next hour, the next day) can
  change what it shows.

A cached payload is exact but for its range's end, which shows the moment it was computed.
While a first sync is filling in, or a sync is failing, nothing is cached. Entries outlive
the refresh interval by nothing: the next sync makes them unreachable anyway. The cache is
Redis when ``REDIS_URL`` is set (shared by every web process), otherwise each process's
memory; if it is unreachable, charts are computed as if it were empty.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import astuple
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from chartivo.charts.presentation import currency_order
from chartivo.charts.query import (
    ChartSpec,
    ResolvedSpec,
    SpecError,
    chart_data,
    currency_activity,
    resolve,
)
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.metrics.export import chart_json
from chartivo.metrics.periods import RangePreset, unix_seconds, utc_period_starts

logger = logging.getLogger(__name__)

KEY_VERSION = 2  # bump when a payload's shape changes, so old entries are never read


def render_payload(
    spec: ChartSpec,
    resolved: ResolvedSpec | SpecError,
    connection: StripeConnection | None,
    sync: SyncStatus | None,
) -> dict[str, Any]:
    """Everything a chart's script needs: the numbers, or why there are none yet."""
    payload: dict[str, Any] = {
        "state": "ready",
        "message": "",
        "mode": connection.mode_label if connection else None,
        "last_synced_at": sync.last_synced_at.isoformat() if sync and sync.last_synced_at else None,
        "zone": spec.time_zone,
        "chart": None,
    }
    if isinstance(resolved, SpecError):
        payload.update(state="invalid", message=str(resolved))
        return payload
    payload["zone"] = resolved.zone.key
    if connection is None or sync is None:
        payload.update(state="not_configured", message="Stripe is not configured yet.")
        return payload
    problem = sync.metric_problem(spec.metric)
    if problem:
        payload.update(state="forbidden", message=problem)
        return payload
    percent = sync.metric_syncing(spec.metric)
    data = chart_data(connection.pk, resolved)
    payload["chart"] = chart_json(data)
    payload["chart"]["activity"] = currency_activity(connection.pk, resolved)
    payload["currencies"] = currency_order(payload["chart"])
    if percent is not None:
        payload.update(
            state="syncing",
            percent=percent,
            message=f"Syncing… {percent}%. The first sync can take up to 5 minutes.",
        )
    elif data.is_empty:
        payload.update(
            state="empty",
            message=(
                "No Data. Check that the date range covers a period with activity in your "
                "Stripe account."
            ),
        )
    if sync.error:
        payload["warning"] = sync.error
    return payload


def payloads(
    specs: Sequence[ChartSpec], connection: StripeConnection | None, sync: SyncStatus | None
) -> list[dict[str, Any]]:
    """The payloads of ``specs``, from the cache where it has them (one round trip)."""
    now = timezone.now()
    resolved = [_resolve(spec, now) for spec in specs]
    keys = [cache_key(*pair, connection, sync) for pair in zip(specs, resolved, strict=True)]
    found = _cached([key for key in keys if key is not None])
    results: list[dict[str, Any]] = []
    computed: dict[str, dict[str, Any]] = {}
    for spec, resolution, key in zip(specs, resolved, keys, strict=True):
        payload = found.get(key) if key is not None else None
        if payload is None:
            payload = render_payload(spec, resolution, connection, sync)
            if key is not None:
                computed[key] = payload
        results.append(payload)
    _store(computed)
    return results


def payload(
    spec: ChartSpec, connection: StripeConnection | None, sync: SyncStatus | None
) -> dict[str, Any]:
    return payloads([spec], connection, sync)[0]


def _resolve(spec: ChartSpec, now: datetime) -> ResolvedSpec | SpecError:
    try:
        return resolve(spec, now=now)
    except SpecError as error:
        return error


def cache_key(
    spec: ChartSpec,
    resolved: ResolvedSpec | SpecError,
    connection: StripeConnection | None,
    sync: SyncStatus | None,
) -> str | None:
    """The key a payload is kept under, or None when it must be computed each time."""
    if connection is None or sync is None or sync.state != "synced" or not sync.last_synced_at:
        return None
    if isinstance(resolved, SpecError):
        return None
    parts = [
        KEY_VERSION,
        connection.pk,
        connection.created_at.isoformat(),  # a new key is a new connection, even if ids repeat
        sync.last_synced_at.isoformat(),
        *astuple(spec),
        *_periods(spec, resolved),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"chart-payload:{connection.pk}:{digest}"


def _periods(spec: ChartSpec, resolved: ResolvedSpec) -> tuple[int, int, int | None]:
    """The periods a range covers: its start, its last period's start, a fixed end."""
    start = unix_seconds(resolved.time_range.start)
    end = unix_seconds(resolved.time_range.end)
    last = utc_period_starts(end - 1, end, resolved.zone, resolved.granularity)[0]
    return start, last, end if spec.range_preset == RangePreset.CUSTOM else None


def _cached(keys: list[str]) -> dict[str, Any]:
    if not keys:
        return {}
    try:
        return cache.get_many(keys)
    except Exception:  # an unreachable cache must not take the charts down with it
        logger.warning("charts.cache_unavailable", exc_info=True)
        return {}


def _store(computed: dict[str, dict[str, Any]]) -> None:
    if not computed:
        return
    try:
        # The next refresh makes these keys unreachable: keep them no longer than that.
        cache.set_many(computed, timeout=settings.REFRESH_SECONDS)
    except Exception:
        logger.warning("charts.cache_unavailable", exc_info=True)
