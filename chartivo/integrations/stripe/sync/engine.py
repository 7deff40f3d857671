"""One sync run of one connection: plan, read, aggregate, write, record the outcome.

The only part of the sync that reads and writes the database (aggregates through
``metrics/store.py``, scheduling state through ``schedule.py``). Runs inside a task
(``tasks.py``) that holds the connection's lease. The reading is asynchronous
(``walker``, ``events``); the database is reached only from the calling thread
(``sync_to_async``), in short transactions that write completed spans together with the
ranges still left, so a run can be killed at any moment and resumed. docs/sync.md walks
through it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec, TypeVar

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chartivo.integrations.stripe.catalogue import RESOURCES
from chartivo.integrations.stripe.client import (
    NOT_ANSWERING,
    REVOKED,
    StripeCallError,
    StripeSession,
)
from chartivo.integrations.stripe.models import ResourceState, StripeConnection, SyncRange
from chartivo.integrations.stripe.sync import checkpoints, plan, schedule
from chartivo.integrations.stripe.sync.budget import Budget, budget_for
from chartivo.integrations.stripe.sync.events import scan_events
from chartivo.integrations.stripe.sync.reconcile import check_payouts
from chartivo.integrations.stripe.sync.walker import Chain, Walker, WalkStats
from chartivo.lib.secretbox import DecryptionError
from chartivo.metrics import store
from chartivo.metrics.aggregation import Span, bucket_of

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
FLUSH_SECONDS = 1.0
PROGRESS_LOG_SECONDS = 10.0
SAVE_AGAIN = (
    "Chartivo can no longer open the saved key (its encryption key was removed). "
    "Save your key again."
)
Remaining = list[tuple[str, int, int, str]]


def _db(fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``fn`` run in the thread that owns the database connection, its types kept."""
    return sync_to_async(fn, thread_sensitive=True)


@dataclass
class RunReport:
    connection_id: int
    more_to_do: bool = False
    first_sync_done: bool = False  # this run completed the connection's first sync
    error: str = ""
    stats: WalkStats = field(default_factory=WalkStats)
    seconds: float = 0.0


def run_sync(
    connection_id: int,
    *,
    slice_seconds: float | None = None,
    queued_at: datetime | None = None,
    payouts_to_check: int | None = None,
) -> RunReport | None:
    """Syncs one connection if no other worker is; returns None when one is, when a run
    finished since this one was queued (``queued_at``) and nothing is due, or when the
    connection was removed meanwhile (which ends the run quietly). ``payouts_to_check``:
    at most so many payouts reconciled, the rest left for a continuation."""
    token = schedule.acquire(connection_id, queued_at=queued_at)
    if token is None:
        logger.info("sync.skipped", extra={"connection": connection_id})
        return None
    try:
        run = _Run(
            connection_id, token, slice_seconds or settings.SYNC_SLICE_SECONDS, payouts_to_check
        )
        return async_to_sync(run.run)()
    except schedule.LeaseLostError:
        logger.info("sync.lease_lost", extra={"connection": connection_id})
        return None
    except Exception:
        # Logged here, with the connection, whatever the task queue does with it.
        logger.exception("sync.failed", extra={"connection": connection_id})
        raise
    finally:
        schedule.release(connection_id, token)


class _Run:
    def __init__(self, connection_id: int, token: str, seconds: float, payouts: int | None) -> None:
        self.connection_id = connection_id
        self.token = token
        self.deadline = time.monotonic() + seconds
        self.report = RunReport(connection_id)
        self.spans: list[Span] = []
        self.resources: set[str] = set()
        self.answered = 0  # requests answered at the last flush
        self.event_requests = 0
        self.payouts_to_check = payouts  # at most so many reconciled (None: all)
        self.payouts_left = False  # paid payouts this run left unchecked

    async def run(self) -> RunReport:
        started = time.monotonic()
        now = int(time.time())
        prepared = await _db(self._prepare)(now)
        if prepared is not None:
            connection, states = prepared
            await self._run_with_key(connection, states, now)
        self.report.seconds = time.monotonic() - started
        stats = self.report.stats
        logger.info(
            "sync.run",
            extra={
                "connection": self.connection_id,
                "objects": stats.objects,
                "requests": stats.requests,
                "rate_limited": stats.rate_limited,
                "seconds": round(self.report.seconds, 2),
                "more_to_do": self.report.more_to_do,
                "error": self.report.error,
            },
        )
        return self.report

    async def _run_with_key(
        self, connection: StripeConnection, states: list[ResourceState], now: int
    ) -> None:
        budget = budget_for(mode=connection.mode, account_key=f"connection-{connection.pk}")
        # Enough connections for the requests the budget keeps in flight (rate × latency),
        # and no more: httpx scans its whole pool for every request.
        pool = math.ceil(budget.rates.total * 0.6) + 4
        try:
            session = StripeSession.for_connection(connection, max_connections=pool)
        except DecryptionError:
            await budget.aclose()
            logger.error("sync.key_unreadable", extra={"connection": self.connection_id})
            await self._failed(SAVE_AGAIN, "key")
            return
        try:
            async with session:
                walker = await self._read(session, budget, connection, states, now)
                self.payouts_left = await check_payouts(
                    session,
                    budget,
                    walker,
                    connection_id=self.connection_id,
                    token=self.token,
                    payouts_read="payouts" in self.resources,
                    seconds_left=self.deadline - time.monotonic(),
                    now=now,
                    most=self.payouts_to_check,
                )
        except StripeCallError as error:  # while planning: the events list
            extra = {"connection": self.connection_id, "kind": error.kind, "error": str(error)}
            logger.warning("sync.stripe_error", exc_info=True, extra=extra)
            await self._failed(REVOKED if error.kind == "rejected" else error.message, error.kind)
            return
        finally:
            await budget.aclose()
        walker.stats.requests += self.event_requests
        self.report.stats = walker.stats
        await _db(self._finish)(states, walker)

    async def _read(
        self,
        session: StripeSession,
        budget: Budget,
        connection: StripeConnection,
        states: list[ResourceState],
        now: int,
    ) -> Walker:
        ranges = await _db(checkpoints.pending_ranges)(self.connection_id, states)
        if not ranges:
            await self._plan_refresh(session, budget, connection, states, now)
            ranges = await _db(checkpoints.pending_ranges)(
                self.connection_id, states, retry_all=True
            )
        walker = Walker(session, budget, self.spans.append, connection_id=self.connection_id)
        for r in ranges:
            self.resources.add(r.resource)
            walker.add(Chain(RESOURCES[r.resource], r.start, r.end, r.purpose))
        await self._drive(walker)
        return walker

    async def _failed(self, message: str, kind: str) -> None:
        self.report.error = message
        await _db(self._record_error)(message, kind)

    async def _drive(self, walker: Walker) -> None:
        try:
            await self._read_and_flush(walker)
        except BaseException:
            # The database went away, the lease was lost, or the task was cancelled: stop
            # reading. What was committed stays, and is where the next run resumes.
            walker.stop()
            await walker.wait()
            raise

    async def _read_and_flush(self, walker: Walker) -> None:
        next_log = time.monotonic() + PROGRESS_LOG_SECONDS
        while not await walker.wait(FLUSH_SECONDS):
            if time.monotonic() >= self.deadline:
                walker.stop()
                await walker.wait()
                if not walker.stats.answered and walker.fatal is None:
                    # A whole slice without one answer: an outage, said as one.
                    walker.fatal = StripeCallError("unavailable", NOT_ANSWERING)
                break
            await self._flush(walker)
            if time.monotonic() >= next_log:
                next_log += PROGRESS_LOG_SECONDS
                stats, chains = walker.stats, sum(1 for c in walker.chains if not c.finished)
                extra = {"requests": stats.requests, "objects": stats.objects, "chains": chains}
                logger.info("sync.progress", extra={"connection": self.connection_id, **extra})
        await self._flush(walker)

    async def _flush(self, walker: Walker) -> None:
        # Taken together, between two awaits: the spans and the ranges match exactly.
        spans, self.spans[:] = list(self.spans), []
        remaining = walker.remaining()
        answered, self.answered = self.answered < walker.stats.answered, walker.stats.answered
        await _db(self._commit)(spans, remaining, answered)

    async def _plan_refresh(
        self,
        session: StripeSession,
        budget: Budget,
        connection: StripeConnection,
        states: list[ResourceState],
        now: int,
    ) -> None:
        tails = {s.resource: s.synced_until for s in states if s.backfilled and s.synced_until}
        dirty: dict[str, set[int]] = {}
        newest: int | None = None
        since = connection.events_since
        # A checkpoint too old to trust restarts now; the key may still read events.
        events_readable, readable = connection.events_readable, False
        if plan.events_trusted(readable=events_readable, since=since, now=now):
            assert since is not None
            scan = await scan_events(session, budget, since=since)
            self.event_requests += scan.requests
            events_readable = readable = scan.readable
            newest = scan.newest
            dirty = plan.changed_buckets(scan.changes)
        if not readable:
            dirty = await _db(checkpoints.unsettled_buckets)(self.connection_id, tails)
        ranges = plan.refresh_ranges(
            tails,
            dirty,
            now=now,
            history_days=settings.HISTORY_DAYS,
            from_events=readable,
            tail_every=settings.SYNC_TAIL_SECONDS,
        )
        events_since = plan.next_events_since(
            since=since if readable else None, newest=newest, now=now
        )
        await _db(self._write_plan)(ranges, events_readable, events_since, now)

    # --- database side (runs in the calling thread) -----------------------------------------
    def _prepare(self, now: int) -> tuple[StripeConnection, list[ResourceState]] | None:
        with transaction.atomic():
            try:
                schedule.renew(self.connection_id, self.token)
            except schedule.LeaseLostError:
                return None  # removed meanwhile
            connection = StripeConnection.objects.get(pk=self.connection_id)
            fields: dict[str, object] = {"progress_at": timezone.now()}
            if connection.sync_started_at is None:
                fields["sync_started_at"] = fields["progress_at"]
            StripeConnection.objects.filter(pk=self.connection_id).update(**fields)
            start, end = plan.backfill_range(now, settings.HISTORY_DAYS)
            new = list(connection.resource_states.filter(window_start__isnull=True))
            SyncRange.objects.bulk_create(
                SyncRange(
                    connection=connection,
                    resource=s.resource,
                    start=start,
                    end=end,
                    purpose="backfill",
                )
                for s in new
            )
            ResourceState.objects.filter(pk__in=[s.pk for s in new]).update(
                window_start=start, backfill_span=end - start, synced_until=bucket_of(now)
            )
            return connection, list(connection.resource_states.all())

    def _write_plan(
        self,
        ranges: list[plan.PlannedRange],
        events_readable: bool,
        events_since: int,
        now: int,
    ) -> None:
        with transaction.atomic():
            schedule.renew(self.connection_id, self.token)
            SyncRange.objects.bulk_create(
                SyncRange(
                    connection_id=self.connection_id,
                    resource=r.resource,
                    start=r.start,
                    end=r.end,
                    purpose=r.purpose,
                )
                for r in ranges
            )
            read_tail = [r.resource for r in ranges if r.purpose == "tail"]
            ResourceState.objects.filter(
                connection_id=self.connection_id, resource__in=read_tail
            ).update(synced_until=bucket_of(now))
            start = plan.window_start(now, settings.HISTORY_DAYS)
            pruned = store.prune_before(self.connection_id, start - plan.DAY)
            StripeConnection.objects.filter(pk=self.connection_id).update(
                events_readable=events_readable,
                events_since=events_since,
                **({"figures_changed_at": timezone.now()} if pruned else {}),
            )

    def _commit(self, spans: list[Span], remaining: Remaining, answered: bool) -> None:
        with transaction.atomic():
            schedule.renew(self.connection_id, self.token)
            if answered:
                schedule.progressed(self.connection_id, timezone.now())
            if store.replace_spans(self.connection_id, spans):
                StripeConnection.objects.filter(pk=self.connection_id).update(
                    figures_changed_at=timezone.now()
                )
            SyncRange.objects.filter(
                connection_id=self.connection_id, resource__in=self.resources
            ).delete()
            SyncRange.objects.bulk_create(
                SyncRange(
                    connection_id=self.connection_id,
                    resource=res,
                    start=lo,
                    end=hi,
                    purpose=purpose,
                )
                for res, lo, hi, purpose in remaining
            )

    def _finish(self, states: list[ResourceState], walker: Walker) -> None:
        with transaction.atomic():
            schedule.renew(self.connection_id, self.token)
            connection = StripeConnection.objects.get(pk=self.connection_id)
            left = set(
                SyncRange.objects.filter(connection_id=self.connection_id).values_list(
                    "resource", "purpose"
                )
            )
            checkpoints.update_states(states, walker, self.resources, left)
            blocked = {s.resource for s in states if not s.readable}
            outstanding = {res for res, _ in left} - blocked
            self.report.more_to_do = bool(outstanding or self.payouts_left) and walker.fatal is None
            if walker.fatal is not None:
                # A key that passed the check when saved and is refused now was revoked.
                fatal = walker.fatal
                logger.warning(
                    "sync.stripe_error",
                    extra={
                        "connection": self.connection_id,
                        "kind": fatal.kind,
                        "error": str(fatal),
                    },
                )
                self.report.error = REVOKED if fatal.kind == "rejected" else fatal.message
                self._record_error(self.report.error, fatal.kind)
                return
            backfill_done = connection.backfill_done_at is None and all(
                s.backfilled for s in states if s.readable
            )
            self.report.first_sync_done = backfill_done and not outstanding
            schedule.after_success(
                self.connection_id,
                finished=not outstanding,
                backfill_done=backfill_done,
                now=timezone.now(),
            )

    def _record_error(self, message: str, kind: str) -> None:
        schedule.after_error(self.connection_id, message, kind=kind, now=timezone.now())
