"""Background tasks. They carry a connection id, never a key: the worker opens the sealed
key itself, only for the calls it makes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django_tasks import TaskContext, task

from chartivo.alerts.evaluate import after_sync as evaluate_alerts
from chartivo.charts.warm import after_sync
from chartivo.integrations.stripe.sync import reconcile
from chartivo.integrations.stripe.sync.engine import RunReport, run_sync
from chartivo.metrics import store

logger = logging.getLogger(__name__)
REFRESH_PRIORITY = 10
BACKFILL_PRIORITY = 0


@contextmanager
def _logged(connection_id: int) -> Iterator[None]:
    """Logs ``sync.task`` once the task is done: its database statements (the sync and
    what follows it) and seconds, what an operator sizing workers needs per run."""
    statements = 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(*args)

    started = time.monotonic()
    with connection.execute_wrapper(count):
        yield
    extra = {"queries": statements, "seconds": round(time.monotonic() - started, 3)}
    logger.info("sync.task", extra={"connection": connection_id, **extra})


def sync_finished(connection_id: int) -> None:
    """Called once each time a connection's sync has read everything it had to (the end of
    a first sync, or a refresh), with its aggregates committed: the one place for work
    that follows a successful sync."""
    after_sync(connection_id)  # Home's figures computed now, not at its first view
    evaluate_alerts(connection_id)  # the organisation's alert rules, on the new figures


def _after(connection_id: int, report: RunReport | None) -> None:
    if report is None or report.error:
        return
    if report.more_to_do:
        continue_sync.enqueue(connection_id)
        return
    if report.first_sync_done:
        store.keep_statistics_current(connection_id)
    sync_finished(connection_id)


def _queued_at(context: TaskContext) -> datetime | None:
    """When the task was queued, aware (RQ records it in UTC without a zone)."""
    queued = context.task_result.enqueued_at
    if queued is not None and queued.tzinfo is None:
        queued = queued.replace(tzinfo=UTC)
    return queued


@task(queue_name="refresh", priority=REFRESH_PRIORITY, takes_context=True)
def sync_connection(context: TaskContext, connection_id: int) -> None:
    """First sync after a key is saved, and each periodic refresh.

    A run reads for at most ``CHARTIVO_SYNC_SLICE_SECONDS`` and reconciles at most a round
    of payouts. What is left of a large first sync, and of the payouts to reconcile, goes
    to the back of the lower-priority ``backfill`` queue, so one huge account or a burst of
    first syncs never holds up the refreshes of the others.
    """
    refresh_now(connection_id, queued_at=_queued_at(context))


def refresh_now(connection_id: int, *, queued_at: datetime | None = None) -> None:
    """What ``sync_connection`` does, in the calling thread (its task, and benchmarks)."""
    with _logged(connection_id):
        report = run_sync(connection_id, queued_at=queued_at, payouts_to_check=reconcile.ON_REFRESH)
        _after(connection_id, report)


@task(queue_name="backfill", priority=BACKFILL_PRIORITY, takes_context=True)
def continue_sync(context: TaskContext, connection_id: int) -> None:
    with _logged(connection_id):
        _after(connection_id, run_sync(connection_id, queued_at=_queued_at(context)))
