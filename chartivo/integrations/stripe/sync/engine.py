"""One sync run of one connection: plan, read, aggregate, write, record the outcome.

Runs inside a task (``tasks.py``) that holds the connection's lease. The reading is
asynchronous (``walker``); the database is reached only from the calling thread
(``sync_to_async``), in short transactions that write completed spans together with
the ranges still left, so a run can be killed at any moment and resumed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chartivo.integrations.stripe.catalogue import RESOURCES
from chartivo.integrations.stripe.client import REVOKED, StripeCallError, StripeSession, needs_read
from chartivo.integrations.stripe.models import ResourceState, StripeConnection, SyncRange
from chartivo.integrations.stripe.sync import lease, plan
from chartivo.integrations.stripe.sync.budget import Budget, RedisBudget, budget_for
from chartivo.integrations.stripe.sync.walker import Chain, Walker, WalkStats
from chartivo.metrics import store
from chartivo.metrics.aggregation import Span

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
FLUSH_SECONDS = 1.0
PROGRESS_LOG_SECONDS = 10.0
RETRY_SOON_SECONDS = 60  # after Stripe was unreachable


def _db(fn: Callable[P, R]) -> Callable[P, Any]:
    return sync_to_async(fn, thread_sensitive=True)


@dataclass
class RunReport:
    connection_id: int
    more_to_do: bool = False
    error: str = ""
    stats: WalkStats = field(default_factory=WalkStats)
    seconds: float = 0.0


def run_sync(connection_id: int, *, slice_seconds: float | None = None) -> RunReport | None:
    """Syncs one connection if no other worker is; returns None when one is."""
    token = lease.acquire(connection_id)
    if token is None:
        return None
    try:
        run = _Run(connection_id, token, slice_seconds or settings.SYNC_SLICE_SECONDS)
        return async_to_sync(run.run)()
    except lease.LeaseLostError:
        logger.warning("sync.lease_lost", extra={"connection": connection_id})
        return None
    finally:
        lease.release(connection_id, token)


class _Run:
    def __init__(self, connection_id: int, token: str, slice_seconds: float) -> None:
        self.connection_id = connection_id
        self.token = token
        self.deadline = time.monotonic() + slice_seconds
        self.report = RunReport(connection_id)
        self.spans: list[Span] = []
        self.resources: set[str] = set()

    async def run(self) -> RunReport:
        started = time.monotonic()
        now = int(time.time())
        prepared = await _db(self._prepare)(now)
        if prepared is None:  # removed or replaced meanwhile
            return self.report
        connection, states = prepared
        walker: Walker | None = None
        error_kind = ""
        budget = budget_for(mode=connection.mode, account_key=f"connection-{connection.pk}")
        # Enough connections for the requests the budget keeps in flight (rate × latency),
        # and no more: httpx scans its whole pool for every request.
        pool = math.ceil(budget.rates.total * 0.6) + 4
        async with StripeSession.for_connection(connection, max_connections=pool) as session:
            try:
                ranges = await _db(self._pending_ranges)(connection, states)
                if not ranges:
                    await self._plan_refresh(session, budget, connection, states, now)
                    ranges = await _db(self._pending_ranges)(connection, states, retry_all=True)
                walker = Walker(session, budget, self.spans.append)
                for r in ranges:
                    self.resources.add(r.resource)
                    walker.add(Chain(RESOURCES[r.resource], r.start, r.end, r.purpose))
                await self._drive(walker)
            except StripeCallError as error:  # while planning
                walker = None
                self.report.error = REVOKED if error.kind == "rejected" else error.message
                error_kind = error.kind
            finally:
                if isinstance(budget, RedisBudget):
                    await budget.aclose()
        if walker is not None:
            self.report.stats = walker.stats
            await _db(self._finish)(connection, states, walker)
        else:
            await _db(self._record_error)(connection, self.report.error, error_kind)
        self.report.seconds = time.monotonic() - started
        logger.info(
            "sync.run",
            extra={
                "connection": self.connection_id,
                "objects": self.report.stats.objects,
                "requests": self.report.stats.requests,
                "rate_limited": self.report.stats.rate_limited,
                "seconds": round(self.report.seconds, 2),
                "more_to_do": self.report.more_to_do,
                "error": self.report.error,
            },
        )
        return self.report

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
        while not await walker.wait(timeout=FLUSH_SECONDS):
            if time.monotonic() >= self.deadline:
                walker.stop()
                await walker.wait()
                break
            await self._flush(walker)
            if time.monotonic() >= next_log:
                next_log += PROGRESS_LOG_SECONDS
                logger.info(
                    "sync.progress",
                    extra={
                        "connection": self.connection_id,
                        "requests": walker.stats.requests,
                        "objects": walker.stats.objects,
                        "chains": sum(1 for c in walker.chains if not c.finished),
                    },
                )
        await self._flush(walker)

    async def _flush(self, walker: Walker) -> None:
        # Taken together, between two awaits: the spans and the ranges match exactly.
        spans, self.spans[:] = list(self.spans), []
        remaining = walker.remaining()
        await _db(self._commit)(spans, remaining)

    # --- database side (runs in the calling thread) -----------------------------------------
    def _prepare(self, now: int) -> tuple[StripeConnection, list[ResourceState]] | None:
        with transaction.atomic():
            connection = StripeConnection.objects.filter(pk=self.connection_id).first()
            if connection is None:
                return None
            if connection.sync_started_at is None:
                connection.sync_started_at = timezone.now()
                connection.save(update_fields=["sync_started_at"])
            plan.plan_backfills(connection, now)
        return connection, list(connection.resource_states.all())

    def _pending_ranges(
        self, connection: StripeConnection, states: list[ResourceState], *, retry_all: bool = False
    ) -> list[SyncRange]:
        readable = {s.resource for s in states if s.readable or retry_all}
        return [r for r in connection.sync_ranges.all() if r.resource in readable]

    async def _plan_refresh(
        self,
        session: StripeSession,
        budget: Budget,
        connection: StripeConnection,
        states: list[ResourceState],
        now: int,
    ) -> None:
        tails = plan.tails_of(states)
        if plan.events_trusted(connection, now):
            assert connection.events_since is not None
            scan = await plan.scan_events(
                session, budget, since=connection.events_since, now=now, tails=tails
            )
            if not scan.events_readable:
                scan = await _db(plan.unsettled_buckets)(connection, tails)
        else:
            scan = await _db(plan.unsettled_buckets)(connection, tails)
        await _db(self._write_plan)(connection, states, scan, now)

    def _write_plan(
        self,
        connection: StripeConnection,
        states: list[ResourceState],
        scan: plan.ChangeScan,
        now: int,
    ) -> None:
        with transaction.atomic():
            lease.renew(self.connection_id, self.token)
            plan.write_refresh_plan(connection, states, scan, now)
            store.prune_before(self.connection_id, plan.window_start(now) - plan.DAY)

    def _commit(self, spans: list[Span], remaining: list[tuple[str, int, int, str]]) -> None:
        with transaction.atomic():
            lease.renew(self.connection_id, self.token)
            store.replace_spans(self.connection_id, spans)
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

    def _finish(
        self, connection: StripeConnection, states: list[ResourceState], walker: Walker
    ) -> None:
        now = timezone.now()
        left = set(
            SyncRange.objects.filter(connection=connection).values_list("resource", "purpose")
        )
        with transaction.atomic():
            for state in states:
                if state.resource in walker.forbidden:
                    state.readable = False
                    state.message = needs_read(RESOURCES[state.resource].dashboard_row)
                elif state.resource in self.resources:
                    state.readable, state.message = True, ""
                state.backfilled = (
                    state.window_start is not None and (state.resource, "backfill") not in left
                )
            ResourceState.objects.bulk_update(states, ["readable", "message", "backfilled"])
            blocked = {s.resource for s in states if not s.readable}
            outstanding = {res for res, _ in left} - blocked
            self.report.more_to_do = bool(outstanding) and walker.fatal is None
            if walker.fatal is not None:
                # A key that passed the check when saved and is refused now was revoked.
                message = REVOKED if walker.fatal.kind == "rejected" else walker.fatal.message
                self.report.error = message
                self._record_error(connection, message, kind=walker.fatal.kind)
                return
            fields: dict[str, Any] = {"sync_error": "", "sync_error_at": None}
            if not outstanding:
                fields["last_synced_at"] = now
                if connection.backfill_done_at is None and all(
                    s.backfilled for s in states if s.readable
                ):
                    fields["backfill_done_at"] = now
                fields["next_run_at"] = now + timedelta(seconds=settings.REFRESH_SECONDS)
            else:
                # The continuation is queued by the task; this only catches a lost one.
                fields["next_run_at"] = now + timedelta(seconds=2 * settings.SYNC_LEASE_SECONDS)
            StripeConnection.objects.filter(pk=connection.pk).update(**fields)

    def _record_error(self, connection: StripeConnection, message: str, kind: str = "") -> None:
        retry = (
            RETRY_SOON_SECONDS
            if kind in ("unavailable", "rate_limited", "")
            else (settings.REFRESH_SECONDS)
        )
        StripeConnection.objects.filter(pk=connection.pk).update(
            sync_error=message,
            sync_error_at=timezone.now(),
            next_run_at=timezone.now() + timedelta(seconds=retry),
        )
