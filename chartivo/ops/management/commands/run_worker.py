"""The background worker: runs sync tasks and, in a thread, the refresh scheduler.

The same command on every machine. The queue is the database (django-tasks-db) or Redis
(RQ) depending on ``CHARTIVO_TASK_BACKEND``; the task code is the same on both. Refreshes
(queue ``refresh``) are always taken before the rest of large first syncs (``backfill``).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from chartivo.integrations.stripe.sync.scheduler import run_forever


class Command(BaseCommand):
    help = "Run a background worker (sync tasks and the refresh scheduler)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Only run tasks; queue no refreshes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["no_scheduler"]:
            threading.Thread(
                target=run_forever, args=(stop,), name="scheduler", daemon=True
            ).start()
        try:
            if settings.TASK_BACKEND == "rq":
                # Listed in order: a worker always empties ``refresh`` before ``backfill``.
                # No RQ scheduler process: Chartivo never queues a task to run later.
                call_command("rqworker", *settings.TASK_QUEUES)
            else:
                call_command(
                    "db_worker",
                    queue_name=",".join(settings.TASK_QUEUES),
                    interval=0.5,
                    reload=False,
                )
        finally:
            stop.set()
