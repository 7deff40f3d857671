"""The background worker: runs sync, digest and alert tasks and, in threads, their
schedulers (refreshes, digests, the alert sweep: ``chartivo.ops.ticking``).

The same command on every machine. The queue is the database (django-tasks-db) or Redis
(RQ) depending on ``CHARTIVO_TASK_BACKEND``; the task code is the same on both. Refreshes
(queue ``refresh``) are always taken before the rest of large first syncs (``backfill``).

``CHARTIVO_WORKER_SLOTS`` task runners work side by side (this process and child
processes of its own), so a connection whose run waits on a Stripe that hangs holds one
slot, never the queue; each run is cut at ``CHARTIVO_SYNC_SLICE_SECONDS`` besides.

On RQ each slot runs its tasks in its own process (RQ's ``SimpleWorker``), not in a process
forked per task as RQ does by default: a refresh of a quiet account costs tens of
milliseconds of CPU, and a fork with its new database connection cost ten times that,
which is what limited how many accounts a machine can refresh. Isolation is kept where it
matters: a slot is a process of its own, a task that hangs is still cut by the job's
timeout, and database connections are checked before and after every task, as Django does
around each web request.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks.signals import task_finished, task_started

from chartivo.alerts import sweep as alert_sweep
from chartivo.digests import schedule as digest_schedule
from chartivo.integrations.stripe.sync.scheduler import run_forever

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child slot: killed with its parent, however the parent ends (even SIGKILL)."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _start_slots(count: int) -> list[subprocess.Popen[bytes]]:
    argv = [sys.executable, "-m", "chartivo.cli", "worker", "--no-scheduler", "--slots", "1"]
    # Started before any thread of this process: a fork with threads running is unsafe.
    return [
        subprocess.Popen(argv, preexec_fn=_die_with_parent)  # noqa: S603  (our own command)
        for _ in range(count)
    ]


def _stop_slots(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=settings.SYNC_SLICE_SECONDS + 10)
        except subprocess.TimeoutExpired:
            child.kill()


def _fresh_connections(**kwargs: Any) -> None:
    """Around each task: a connection the database closed (a restart) or that outlived
    ``CONN_MAX_AGE`` is replaced, as for a web request."""
    close_old_connections()


class Command(BaseCommand):
    help = "Run a background worker (its tasks and the schedulers that queue them)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run tasks; queue no refreshes, digests or alert retries.",
        )
        parser.add_argument(
            "--slots",
            type=int,
            default=None,
            help="Task runners side by side (default: CHARTIVO_WORKER_SLOTS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slots = max(1, options["slots"] or settings.WORKER_SLOTS)
        task_started.connect(_fresh_connections, dispatch_uid="chartivo-worker-started")
        task_finished.connect(_fresh_connections, dispatch_uid="chartivo-worker-finished")
        children = _start_slots(slots - 1)
        stop = threading.Event()
        if not options["no_scheduler"]:
            threading.Thread(
                target=run_forever, args=(stop,), name="scheduler", daemon=True
            ).start()
            # Digests due at 08:00 in each user's zone, queued once whatever the workers.
            threading.Thread(
                target=digest_schedule.run_forever, args=(stop,), name="digests", daemon=True
            ).start()
            # Alert deliveries due for another try, or lost from the queue, queued again.
            threading.Thread(
                target=alert_sweep.run_forever, args=(stop,), name="alerts", daemon=True
            ).start()
        try:
            if settings.TASK_BACKEND == "rq":
                # Listed in order: a worker always empties ``refresh`` before ``backfill``.
                # No RQ scheduler process: Chartivo never queues a task to run later.
                call_command(
                    "rqworker", *settings.TASK_QUEUES, worker_class="rq.worker.SimpleWorker"
                )
            else:
                call_command(
                    "db_worker",
                    queue_name=",".join(settings.TASK_QUEUES),
                    interval=0.5,
                    reload=False,
                )
        finally:
            stop.set()
            _stop_slots(children)
