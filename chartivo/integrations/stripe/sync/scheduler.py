"""Queues a sync for every connection that is due, once, however many workers tick.

Each worker process runs ``tick()`` every few seconds (``run_forever``, in a thread of
``chartivo worker``). Which connections are due and how one is claimed is
``schedule.py``'s; this module only queues the claimed ones.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from chartivo.integrations.stripe.sync import schedule
from chartivo.integrations.stripe.tasks import continue_sync, sync_connection
from chartivo.ops.ticking import tick_forever

logger = logging.getLogger(__name__)
BATCH = 500


def tick(now: datetime | None = None) -> int:
    now = now or timezone.now()
    queued = 0
    for connection_id, backfilled in schedule.due(now, BATCH):
        if schedule.claim(connection_id, now):
            # A first sync whose continuation was lost (its worker died) resumes behind
            # the other tenants' refreshes, as its continuation would have.
            task = sync_connection if backfilled else continue_sync
            task.enqueue(connection_id)
            queued += 1
    return queued


def run_forever(stop: threading.Event) -> None:
    tick_forever(
        stop,
        settings.SCHEDULER_TICK_SECONDS,
        tick,
        logger=logger,
        name="scheduler",
        counted="connections",
    )
