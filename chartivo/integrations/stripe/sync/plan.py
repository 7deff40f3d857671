"""Deciding which ``created`` ranges a sync run must read.

- First sync (backfill): the whole history window of each resource.
- Refresh: the *tail* of each resource (from the bucket the last run reached, to now), and
  the buckets holding objects that changed since: found in Stripe's events where the key
  may read them; otherwise the buckets whose aggregates still hold unsettled objects
  (pending charges, open disputes, pending refunds), which are the only ones that can
  change without a new object appearing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from chartivo.integrations.stripe.catalogue import EVENTS_DASHBOARD_ROW, EVENTS_PATH, RESOURCES
from chartivo.integrations.stripe.client import StripeCallError, StripeSession
from chartivo.integrations.stripe.models import ResourceState, StripeConnection, SyncRange
from chartivo.integrations.stripe.sync.budget import Budget
from chartivo.metrics.aggregation import BUCKET_SECONDS, bucket_of
from chartivo.metrics.models import Aggregate

DAY = 86_400
# Stripe keeps events for 30 days; a checkpoint older than this is not trusted to be whole.
EVENTS_TRUSTED_FOR = 25 * DAY
# Re-reading the last minute of events again each time costs nothing (re-reads are
# idempotent) and covers events that become visible a little after their ``created``.
EVENTS_OVERLAP = 60
# Two changed buckets this close are read as one range: one request instead of two.
MERGE_GAP_BUCKETS = 4

_OBJECT_TO_RESOURCE = {r.object_name: r.key for r in RESOURCES.values() if r.object_name}
_CHANGE_EVENTS = sorted({t for r in RESOURCES.values() for t in r.change_events})


def window_start(now: int) -> int:
    return bucket_of(now - settings.HISTORY_DAYS * DAY)


def plan_backfills(connection: StripeConnection, now: int) -> None:
    """Creates the first-sync range of every resource that never had one (DB, in a transaction)."""
    start, end = window_start(now), bucket_of(now) + BUCKET_SECONDS
    for state in connection.resource_states.filter(window_start__isnull=True):
        SyncRange.objects.create(
            connection=connection, resource=state.resource, start=start, end=end, purpose="backfill"
        )
        state.window_start, state.backfill_span = start, end - start
        state.synced_until = bucket_of(now)
        state.save(update_fields=["window_start", "backfill_span", "synced_until"])


@dataclass
class ChangeScan:
    """What a refresh found changed, before it is written down."""

    dirty: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    events_since: int | None = None
    events_readable: bool = True


async def scan_events(
    session: StripeSession, budget: Budget, *, since: int, now: int, tails: dict[str, int]
) -> ChangeScan:
    """Reads every change event since ``since``; marks the buckets of the objects changed."""
    scan = ChangeScan()
    params: dict[str, Any] = {"limit": 100, "created": {"gte": since}, "types": _CHANGE_EVENTS}
    newest = since
    while True:
        await budget.acquire(EVENTS_PATH)
        try:
            page = await session.list(EVENTS_PATH, params, dashboard_row=EVENTS_DASHBOARD_ROW)
        except StripeCallError as error:
            if error.kind != "forbidden":
                raise
            scan.events_readable = False
            return scan
        for event in page.data:
            newest = max(newest, int(event.get("created", since)))
            obj = (event.get("data") or {}).get("object") or {}
            resource = _OBJECT_TO_RESOURCE.get(str(obj.get("object")))
            if resource is None or "created" not in obj:
                continue
            bucket = bucket_of(int(obj["created"]))
            if bucket < tails.get(resource, 0):  # newer buckets are read as the tail anyway
                scan.dirty[resource].add(bucket)
        if not page.has_more or not page.data:
            break
        params["starting_after"] = page.data[-1]["id"]
    scan.events_since = max(min(newest, now - EVENTS_OVERLAP), since)
    return scan


def events_trusted(connection: StripeConnection, now: int) -> bool:
    since = connection.events_since
    return connection.events_readable and since is not None and since >= now - EVENTS_TRUSTED_FOR


def unsettled_buckets(connection: StripeConnection, tails: dict[str, int]) -> ChangeScan:
    """Without events: the buckets that still hold objects whose state can change."""
    scan = ChangeScan(events_readable=False)
    for key, resource in RESOURCES.items():
        if not resource.unsettled or key not in tails:
            continue
        buckets = Aggregate.objects.filter(
            connection=connection,
            resource=key,
            dim1__in=resource.unsettled,
            bucket__lt=tails[key],
        ).values_list("bucket", flat=True)
        scan.dirty[key].update(buckets)
    return scan


def merge_buckets(buckets: Iterable[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for bucket in sorted(set(buckets)):
        if ranges and bucket - ranges[-1][1] <= MERGE_GAP_BUCKETS * BUCKET_SECONDS:
            ranges[-1] = (ranges[-1][0], bucket + BUCKET_SECONDS)
        else:
            ranges.append((bucket, bucket + BUCKET_SECONDS))
    return ranges


def tails_of(states: Iterable[ResourceState]) -> dict[str, int]:
    return {s.resource: s.synced_until for s in states if s.backfilled and s.synced_until}


def write_refresh_plan(
    connection: StripeConnection, states: list[ResourceState], scan: ChangeScan, now: int
) -> None:
    """Records the refresh's ranges and moves the checkpoints (DB, in a transaction)."""
    end = bucket_of(now) + BUCKET_SECONDS
    ranges: list[SyncRange] = []
    for state in states:
        if not (state.backfilled and state.synced_until):
            continue
        earliest = window_start(now)
        for low, high in merge_buckets(scan.dirty.get(state.resource, ())):
            if high > earliest:
                ranges.append(
                    SyncRange(
                        connection=connection,
                        resource=state.resource,
                        start=max(low, earliest),
                        end=high,
                        purpose="reread",
                    )
                )
        ranges.append(
            SyncRange(
                connection=connection,
                resource=state.resource,
                start=state.synced_until,
                end=end,
                purpose="tail",
            )
        )
        state.synced_until = bucket_of(now)
    # One statement each, however many resources: a refresh should cost a few queries.
    ResourceState.objects.bulk_update(states, ["synced_until"])
    SyncRange.objects.bulk_create(ranges)
    connection.events_readable = scan.events_readable
    if scan.events_since is not None:
        connection.events_since = scan.events_since
    elif connection.events_since is None or not scan.events_readable:
        # Start (or restart) the events checkpoint now, so the next refresh can use it.
        connection.events_since = now - EVENTS_OVERLAP
    connection.save(update_fields=["events_readable", "events_since"])
