"""The sync engine's own bookkeeping, read and written in its transactions: which resources
a key may read and how far each is synced (``ResourceState``), and the ranges still to read
(``SyncRange``). Called by ``engine.py`` only, from the thread that owns the connection."""

from __future__ import annotations

from chartivo.integrations.stripe.catalogue import RESOURCES
from chartivo.integrations.stripe.client import needs_read
from chartivo.integrations.stripe.models import ResourceState, SyncRange
from chartivo.integrations.stripe.sync.walker import Walker
from chartivo.metrics import store


def update_states(
    states: list[ResourceState],
    walker: Walker,
    read: set[str],
    left: set[tuple[str, str]],
) -> None:
    """After a run: which resources the key may read, and which are fully backfilled.
    Only the states that changed are written (a refresh usually changes none)."""
    fields = ("readable", "message", "backfilled")
    changed = []
    for state in states:
        before = [getattr(state, name) for name in fields]
        if state.resource in walker.forbidden:
            state.readable = False
            state.message = needs_read(RESOURCES[state.resource].dashboard_row)
        elif state.resource in read:
            state.readable, state.message = True, ""
        state.backfilled = (
            state.window_start is not None and (state.resource, "backfill") not in left
        )
        if [getattr(state, name) for name in fields] != before:
            changed.append(state)
    if changed:
        ResourceState.objects.bulk_update(changed, fields)


def pending_ranges(
    connection_id: int, states: list[ResourceState], *, retry_all: bool = False
) -> list[SyncRange]:
    """The ranges left to read, of the resources the key may read (all with ``retry_all``)."""
    readable = {s.resource for s in states if s.readable or retry_all}
    return [
        r for r in SyncRange.objects.filter(connection_id=connection_id) if r.resource in readable
    ]


def unsettled_buckets(connection_id: int, tails: dict[str, int]) -> dict[str, set[int]]:
    """Without events: the buckets below each tail that hold objects whose state can change."""
    return {
        key: store.buckets_holding(
            connection_id,
            key,
            RESOURCES[key].unsettled,
            before=tail,
            # A charge not yet captured can be captured at any time.
            unconverted=RESOURCES[key].unconverted is not None,
        )
        for key, tail in tails.items()
        if RESOURCES[key].unsettled or RESOURCES[key].unconverted
    }
