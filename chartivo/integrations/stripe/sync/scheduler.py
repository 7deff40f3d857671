"""Queues a sync for every connection that is due, once, however many workers tick.

Each worker process runs ``tick()`` every few seconds. Claiming a connection is a
conditional UPDATE of its ``next_run_at``: among workers ticking at the same moment
exactly one wins it, so each connection is queued once per interval.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from chartivo.integrations.stripe.models import StripeConnection

logger = logging.getLogger(__name__)
BATCH = 500


def tick(now: datetime | None = None) -> int:
    from chartivo.integrations.stripe.tasks import continue_sync, sync_connection

    now = now or timezone.now()
    # Until the queued task starts (or if it is lost), the connection is not due again.
    claim_until = now + timedelta(seconds=2 * settings.SYNC_LEASE_SECONDS)
    due = StripeConnection.objects.filter(next_run_at__lte=now).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    queued = 0
    rows = due.order_by("next_run_at").values_list("pk", "backfill_done_at")[:BATCH]
    for connection_id, backfill_done_at in rows:
        claimed = StripeConnection.objects.filter(pk=connection_id, next_run_at__lte=now).update(
            next_run_at=claim_until
        )
        if claimed:
            # A first sync whose continuation was lost (its worker died) resumes behind
            # the other tenants' refreshes, as its continuation would have.
            task = sync_connection if backfill_done_at else continue_sync
            task.enqueue(connection_id)
            queued += 1
    return queued


def run_forever(stop: threading.Event) -> None:
    while not stop.wait(settings.SCHEDULER_TICK_SECONDS):
        try:
            close_old_connections()
            queued = tick()
            if queued:
                logger.info("scheduler.queued", extra={"connections": queued})
        except Exception:  # keep ticking: a database restart must not end the scheduler
            logger.exception("scheduler.tick_failed")
        finally:
            close_old_connections()
