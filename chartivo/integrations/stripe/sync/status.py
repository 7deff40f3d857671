"""What the Integrations card and the charts say about a connection's sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import F, Sum
from django.utils import timezone

from chartivo.integrations.stripe.catalogue import (
    METRICS,
    RESOURCES,
    Availability,
    availability,
    missing_reads,
)
from chartivo.integrations.stripe.models import ResourceState, StripeConnection, SyncRange
from chartivo.integrations.stripe.sync import schedule

State = Literal["syncing", "synced", "error"]
NOT_ANSWERING = (
    "Stripe is not answering. Chartivo keeps trying; the figures shown are from the last sync."
)


@dataclass(frozen=True)
class ResourceStatus:
    key: str
    label: str
    readable: bool
    message: str
    backfilled: bool
    percent: int


@dataclass(frozen=True)
class SyncStatus:
    state: State
    percent: int  # of the first sync
    eta_seconds: int | None
    last_synced_at: datetime | None
    error: str
    resources: dict[str, ResourceStatus]

    @property
    def availability(self) -> Availability:
        return availability({key: r.readable for key, r in self.resources.items()})

    def metric_problem(self, metric_key: str) -> str:
        """Why a metric cannot be drawn ("Disputes: needs Read on Disputes"), or ""."""
        metric = METRICS[metric_key]
        readable = {key: r.readable for key, r in self.resources.items()}
        # A resource the first sync has not recorded yet is not a missing permission.
        readable.update({key: True for key in metric.resources if key not in readable})
        missing = missing_reads(metric, readable)
        return f"{metric.label}: {missing}" if missing else ""

    def metric_syncing(self, metric_key: str) -> int | None:
        """The first sync's percentage for a metric still waiting for it, else None."""
        parts = [self.resources[r] for r in METRICS[metric_key].resources if r in self.resources]
        if all(p.backfilled or not p.readable for p in parts):
            return None
        return min(p.percent for p in parts if not p.backfilled)


def _percent(done: int, total: int) -> int:
    if total <= 0:
        return 0
    return max(0, min(99, int(100 * done / total)))


def status_of(connection: StripeConnection) -> SyncStatus:
    states: list[ResourceState] = list(connection.resource_states.all())
    left = dict(
        SyncRange.objects.filter(connection=connection, purpose="backfill")
        .values_list("resource")
        .annotate(seconds=Sum(F("end") - F("start")))
        .values_list("resource", "seconds")
    )
    resources: dict[str, ResourceStatus] = {}
    total = remaining = 0
    for state in states:
        label = RESOURCES[state.resource].label if state.resource in RESOURCES else state.resource
        span = state.backfill_span
        # Not planned yet (the task has not started): nothing done of a whole window.
        todo = left.get(state.resource, 0) if state.window_start is not None else 1
        percent = 100 if state.backfilled else _percent(span - todo, span)
        resources[state.resource] = ResourceStatus(
            state.resource, label, state.readable, state.message, state.backfilled, percent
        )
        if state.readable and not state.backfilled:
            total += span or 1
            remaining += todo if span else 1
        elif state.readable:
            total += span
    percent = 100 if remaining == 0 else _percent(total - remaining, total)
    eta = None
    started = connection.sync_started_at
    if remaining and started and 0 < percent < 100:
        elapsed = (timezone.now() - started).total_seconds()
        eta = int(elapsed * (100 - percent) / percent)
    overall: State
    error = connection.sync_error
    if not error and schedule.stalled(connection, timezone.now()):
        error = NOT_ANSWERING
    if error:
        overall = "error"
    elif connection.backfill_done_at is None:
        overall = "syncing"
    # Once the first sync is done the connection stays synced: a resource that arrives
    # later (a permission added, or one a new release reads) fills in beside the figures
    # already there, each metric still waiting for it saying so (``metric_syncing``).
    else:
        overall = "synced"
    return SyncStatus(
        state=overall,
        percent=percent,
        eta_seconds=eta,
        last_synced_at=connection.last_synced_at,
        error=error,
        resources=resources,
    )
