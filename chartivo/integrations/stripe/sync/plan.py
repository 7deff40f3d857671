"""Deciding which ``created`` ranges a sync run must read: pure functions over plain values.

Nothing here reads the database or Stripe; ``engine.py`` gathers the inputs (checkpoints,
events, unsettled buckets) and writes the ranges returned. docs/sync.md tells the story.

- First sync (backfill): the whole history window of each resource.
- Refresh with events: the buckets of every object the events say was created or changed;
  a resource that emits no creation events (balance transactions) is read at its *tail*,
  from the bucket the last tail read reached to now, and the others too once in a while
  (``CHARTIVO_SYNC_TAIL_SECONDS``). A quiet refresh costs the events page and one tail.
- Refresh without events: every resource's tail, and the buckets whose aggregates still
  hold unsettled objects (pending charges, open disputes, pending refunds), the only ones
  that can change without a new object appearing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chartivo.integrations.stripe.catalogue import RESOURCES
from chartivo.metrics.aggregation import BUCKET_SECONDS, bucket_of

DAY = 86_400
# Stripe keeps events for 30 days; a checkpoint older than this is not trusted to be whole.
EVENTS_TRUSTED_FOR = 25 * DAY
# Re-reading the last minute of events again each time costs nothing (re-reads are
# idempotent) and covers events that become visible a little after their ``created``.
EVENTS_OVERLAP = 60
# Two changed buckets this close are read as one range: one request instead of two.
MERGE_GAP_BUCKETS = 4

OBJECT_TO_RESOURCE = {r.object_name: r.key for r in RESOURCES.values() if r.object_name}
EVENT_TYPES = sorted({t for r in RESOURCES.values() for t in (*r.change_events, *r.created_events)})


@dataclass(frozen=True)
class PlannedRange:
    resource: str
    start: int
    end: int
    purpose: str  # "backfill", "tail" or "reread"


@dataclass(frozen=True)
class Change:
    """One event, reduced to what planning needs: which object, and the time that places
    it in a bucket (its ``created``; a payout's ``arrival_date``)."""

    object_name: str
    created: int


def placed_at(obj: Mapping[str, object]) -> int | None:
    """The time that places an event's object in its resource's buckets, if it has one."""
    resource = RESOURCES.get(OBJECT_TO_RESOURCE.get(str(obj.get("object")), ""))
    value = obj.get(resource.date_field if resource is not None else "created")
    return value if isinstance(value, int) else None


def window_start(now: int, history_days: int) -> int:
    return bucket_of(now - history_days * DAY)


def backfill_range(now: int, history_days: int) -> tuple[int, int]:
    """[start, end) of a first sync: the history window up to the end of the current bucket."""
    return window_start(now, history_days), bucket_of(now) + BUCKET_SECONDS


def events_trusted(*, readable: bool, since: int | None, now: int) -> bool:
    return readable and since is not None and since >= now - EVENTS_TRUSTED_FOR


def changed_buckets(changes: Iterable[Change]) -> dict[str, set[int]]:
    """resource -> the buckets holding an object that an event created or changed."""
    dirty: dict[str, set[int]] = {}
    for change in changes:
        resource = OBJECT_TO_RESOURCE.get(change.object_name)
        if resource is not None:
            dirty.setdefault(resource, set()).add(bucket_of(change.created))
    return dirty


def merge_buckets(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Buckets as few [start, end) ranges: neighbours closer than the gap are read as one."""
    ranges: list[tuple[int, int]] = []
    for bucket in sorted(set(buckets)):
        if ranges and bucket - ranges[-1][1] <= MERGE_GAP_BUCKETS * BUCKET_SECONDS:
            ranges[-1] = (ranges[-1][0], bucket + BUCKET_SECONDS)
        else:
            ranges.append((bucket, bucket + BUCKET_SECONDS))
    return ranges


def refresh_ranges(
    tails: Mapping[str, int],
    dirty: Mapping[str, set[int]],
    *,
    now: int,
    history_days: int,
    from_events: bool,
    tail_every: int,
) -> list[PlannedRange]:
    """The ranges of one refresh.

    ``tails``: resource -> the bucket its last tail read reached (backfilled resources
    only); ``dirty``: resource -> buckets to read again; ``from_events``: whether ``dirty``
    came from the events list. A resource whose creation events are in it then needs its
    tail read only every ``tail_every`` seconds, which catches what no event tells (a
    permission removed from the key).
    """
    earliest = window_start(now, history_days)
    end = bucket_of(now) + BUCKET_SECONDS
    ranges: list[PlannedRange] = []
    for resource, tail in tails.items():
        events_cover_new = from_events and bool(RESOURCES[resource].created_events)
        read_tail = not events_cover_new or now - tail >= tail_every
        buckets = dirty.get(resource, set())
        if read_tail:
            buckets = {b for b in buckets if b < tail}  # the tail reads the newer ones
        for low, high in merge_buckets(buckets):
            # A payout due to arrive later is read once its day has come (its tail).
            if high > earliest and low < end:
                ranges.append(PlannedRange(resource, max(low, earliest), min(high, end), "reread"))
        if read_tail:
            ranges.append(PlannedRange(resource, tail, end, "tail"))
    return ranges


def next_events_since(*, since: int | None, newest: int | None, now: int) -> int:
    """The events checkpoint after a refresh: the newest event read, never ahead of
    ``now - EVENTS_OVERLAP``; started at ``now - EVENTS_OVERLAP`` when there is none."""
    if since is None:
        return now - EVENTS_OVERLAP
    return max(min(now if newest is None else newest, now - EVENTS_OVERLAP), since)
