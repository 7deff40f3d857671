"""A chart's figures (its numbers, or why there are none), computed once per change.

Every view of a chart between two syncs that change its aggregates shows the same numbers,
so figures are cached (``chartivo.charts.cache``) under a key that changes whenever they
could:

- the last time a sync changed the connection's aggregates (``figures_changed_at``): a
  refresh that finds nothing new leaves every figure as it was, and keeps it cached;
- the chart's definition, and the periods its range covers (the range's start and its last
  period's start; a fixed range's end), and the comparison's range and cut. A range that
  ends "now" holds no data after the last sync, so until the next sync only a new period
  (the next hour, the next day) or a new 15-minute cut can change what it shows.

While a first sync is filling in, or a sync is failing, nothing is cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass, replace
from datetime import datetime

from django import db
from django.utils import timezone

from chartivo.charts import cache
from chartivo.charts.accounts import Combined, Source, identity, key_part
from chartivo.charts.pending import pending_conversion
from chartivo.charts.query import (
    ChartFigures,
    ChartSpec,
    ResolvedSpec,
    SpecError,
    chart_figures,
    resolve,
)
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.metrics.periods import unix_seconds, utc_period_starts
from chartivo.metrics.queries import ConnectionIds
from chartivo.metrics.settlement import default_view
from chartivo.metrics.windows import Compared

KEY_VERSION = 7  # bump when the figures' shape changes, so old entries are never read


@dataclass(frozen=True)
class Drawing:
    """One chart as a request sees it: the spec, its resolution (or why it has none), and
    its figures when there is a connection to read them from."""

    spec: ChartSpec
    resolved: ResolvedSpec | SpecError
    figures: ChartFigures | None


def drawings(
    specs: Sequence[ChartSpec],
    connection: Source | None,
    sync: SyncStatus | None,
    *,
    now: datetime | None = None,
    with_counts: bool = False,
) -> list[Drawing]:
    """The figures of ``specs``, from the cache where it has them (one round trip);
    ``with_counts``: with the objects behind each value too (shared charts)."""
    now = now or timezone.now()
    specs = _in_view(specs, connection, sync)
    resolved = [_resolve(spec, now) for spec in specs]
    keys = [cache_key(*pair, connection, sync) for pair in zip(specs, resolved, strict=True)]
    if with_counts:
        keys = [f"{key}:counts" if key is not None else None for key in keys]
    found = cache.get_many([key for key in keys if key is not None])
    missing = [
        index
        for index, (resolution, key) in enumerate(zip(resolved, keys, strict=True))
        if (key is None or key not in found) and isinstance(resolution, ResolvedSpec)
    ]
    fresh: dict[int, ChartFigures] = {}
    if connection is not None:
        pending = {i: resolved[i] for i in missing}
        fresh = _compute(connection.pk, pending, with_counts)  # type: ignore[arg-type]
    results = []
    for index, (spec, resolution, key) in enumerate(zip(specs, resolved, keys, strict=True)):
        figures = fresh.get(index) or (found.get(key) if key is not None else None)
        results.append(Drawing(spec, resolution, figures))
    cache.set_many({keys[i]: f for i, f in fresh.items() if keys[i] is not None})  # type: ignore[misc]
    return results


# Home's first view after a sync computes a dozen charts. On PostgreSQL they are asked
# for a few at a time, each on a connection of its own, so that both cores of the
# database work on them (outside a transaction only: another connection could not see
# what this one has not committed).
PARALLEL_QUERIES = 3


def figures_of(
    connection_id: ConnectionIds, resolved: ResolvedSpec, with_counts: bool = False
) -> ChartFigures:
    """A chart's figures, with what its settlement view states as pending conversion."""
    figures = chart_figures(connection_id, resolved, with_counts=with_counts)
    pending = pending_conversion(connection_id, resolved)
    return replace(figures, pending=pending) if pending else figures


def _compute(
    connection_id: ConnectionIds, pending: dict[int, ResolvedSpec], with_counts: bool = False
) -> dict[int, ChartFigures]:
    if len(pending) < 2 or db.connection.vendor != "postgresql" or db.connection.in_atomic_block:
        return {i: figures_of(connection_id, r, with_counts) for i, r in pending.items()}

    def in_thread(resolved: ResolvedSpec) -> ChartFigures:
        try:
            return figures_of(connection_id, resolved, with_counts)
        finally:
            db.connections.close_all()  # this thread's own connection ends with it

    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
        return dict(zip(pending, pool.map(in_thread, pending.values()), strict=True))


def figure_keys(
    specs: Sequence[ChartSpec],
    connection: Source | None,
    sync: SyncStatus | None,
    *,
    now: datetime,
) -> list[str | None]:
    """The cache key of each spec's figures (None where they are computed each time),
    without reading the figures themselves. A spec its range refuses (a saved range now
    older than the history kept) draws only the refusal, which depends on nothing else:
    it gets a key of the message, so one such chart does not keep Home from its cache."""
    specs = _in_view(specs, connection, sync)
    keys: list[str | None] = []
    for spec in specs:
        resolved = _resolve(spec, now)
        if isinstance(resolved, SpecError) and _kept(connection, sync):
            keys.append("refused:" + hashlib.sha256(str(resolved).encode()).hexdigest()[:40])
        else:
            keys.append(cache_key(spec, resolved, connection, sync))
    return keys


def _in_view(
    specs: Sequence[ChartSpec], connection: Source | None, sync: SyncStatus | None
) -> Sequence[ChartSpec]:
    """Specs without a currency view get the one their account opens in."""
    if connection is None or all(spec.view for spec in specs):
        return specs
    view = currency_view_of(connection, sync)
    return [spec if spec.view else replace(spec, view=view) for spec in specs]


def drawing(
    spec: ChartSpec,
    connection: Source | None,
    sync: SyncStatus | None,
    *,
    with_counts: bool = False,
) -> Drawing:
    return drawings([spec], connection, sync, with_counts=with_counts)[0]


def _resolve(spec: ChartSpec, now: datetime) -> ResolvedSpec | SpecError:
    try:
        return resolve(spec, now=now)
    except SpecError as error:
        return error


def cache_key(
    spec: ChartSpec,
    resolved: ResolvedSpec | SpecError,
    connection: Source | None,
    sync: SyncStatus | None,
) -> str | None:
    """The key figures are kept under, or None when they must be computed each time."""
    if connection is None or sync is None or not _kept(connection, sync):
        return None
    if isinstance(resolved, SpecError):
        return None
    parts = [
        KEY_VERSION,
        *identity(connection),  # a new key is a new connection, even if ids repeat
        figures_version(connection, sync),
        *astuple(spec),
        resolved.granularity.value,
        *_periods(resolved),
        *_comparison(resolved),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"chart-figures:{key_part(connection)}:{digest}"


def _kept(connection: Source | None, sync: SyncStatus | None) -> bool:
    """Whether figures may be kept: not while a first sync fills in or a sync fails."""
    return (
        connection is not None
        and sync is not None
        and sync.state == "synced"
        and bool(sync.last_synced_at)
    )


def currency_view_of(connection: Source, sync: SyncStatus | None) -> str:
    """The currency view a chart or Home opens in (``metrics.settlement.default_view``),
    kept with the figures: it changes only when a sync changes them, and a page drawn from
    cached figures reads no aggregate for it either."""
    if sync is None or sync.state != "synced" or not sync.last_synced_at:
        return default_view(connection.pk)
    # Hashed: the parts hold spaces and quotes, which a cache key must not.
    parts = repr((identity(connection), figures_version(connection, sync))).encode()
    key = f"currency-view:{key_part(connection)}:{hashlib.sha256(parts).hexdigest()[:40]}"
    found = cache.get_many([key]).get(key)
    if isinstance(found, str):
        return found
    view = default_view(connection.pk)
    cache.set_many({key: view})
    return view


def figures_version(connection: Source, sync: SyncStatus) -> str:
    """Changes whenever a sync changes what figures are computed from (call only for a
    synced connection); for all accounts, whenever one of theirs does."""
    if isinstance(connection, Combined):
        return ",".join(
            (
                c.figures_changed_at or c.last_synced_at or sync.last_synced_at or c.created_at
            ).isoformat()
            for c in connection.connections
        )
    changed = connection.figures_changed_at or sync.last_synced_at
    return changed.isoformat() if changed else ""


def _periods(resolved: ResolvedSpec) -> tuple[int, int, int | None]:
    """The periods a range covers: its start, its last period's start, a fixed end."""
    start = unix_seconds(resolved.time_range.start)
    end = unix_seconds(resolved.time_range.end)
    last = utc_period_starts(end - 1, end, resolved.zone, resolved.granularity)
    fixed_end = None if resolved.time_range.so_far else end
    return start, last[0] if last else start, fixed_end


def _comparison(resolved: ResolvedSpec) -> tuple[int, ...]:
    comparison = resolved.comparison
    if not isinstance(comparison, Compared):
        return (0,) if comparison is None else (-1,)
    return (
        unix_seconds(comparison.current.end),
        unix_seconds(comparison.previous.start),
        unix_seconds(comparison.previous.end),
    )
