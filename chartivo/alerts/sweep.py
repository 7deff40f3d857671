"""Alert deliveries that need a worker again, queued once however many workers sweep.

Each worker's "alerts" thread calls ``tick()`` every ``CHARTIVO_SCHEDULER_TICK_SECONDS``:

- a row "retrying" whose ``next_attempt_at`` has come is queued again;
- a row "queued" whose task has not run for ``REQUEUE_AFTER`` is queued again (its task
  was lost: a queue flushed, a Redis restarted, the enqueue failed);
- a row "sending" for ``INTERRUPTED_AFTER`` was left by a worker that died mid-send: a
  webhook is tried again (its receiver can drop a copy by the idempotency id), an e-mail
  is not (``delivery``'s docstring says why); either way the try is logged "interrupted".

Every change is a conditional UPDATE on what was read, so of several sweeps at once one
moves each row and only that one queues it; ``delivery.deliver`` claims before it sends
besides, so a row queued twice is still sent once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chartivo.alerts.delivery import enqueue, retry_delay
from chartivo.alerts.models import (
    EMAIL,
    FAILED,
    QUEUED,
    RETRYING,
    SENDING,
    AlertDelivery,
    DeliveryAttempt,
)
from chartivo.ops.ticking import tick_forever

logger = logging.getLogger(__name__)
CHUNK = 500
REQUEUE_AFTER = timedelta(minutes=10)
# Far longer than a try can take (a webhook's four 10-second timeouts, an SMTP exchange's),
# so a row this old in "sending" is no longer being sent by anyone.
INTERRUPTED_AFTER = timedelta(minutes=10)
INTERRUPTED = "interrupted while sending"


def _due_retries(now: datetime) -> list[int]:
    ids = []
    due = AlertDelivery.objects.filter(state=RETRYING, next_attempt_at__lte=now)
    for row in due.values("pk", "next_attempt_at")[:CHUNK]:
        if AlertDelivery.objects.filter(
            pk=row["pk"], state=RETRYING, next_attempt_at=row["next_attempt_at"]
        ).update(state=QUEUED, queued_at=now):
            ids.append(row["pk"])
    return ids


def _lost(now: datetime) -> list[int]:
    ids = []
    lost = AlertDelivery.objects.filter(state=QUEUED, queued_at__lt=now - REQUEUE_AFTER)
    for row in lost.values("pk", "queued_at")[:CHUNK]:
        if AlertDelivery.objects.filter(
            pk=row["pk"], state=QUEUED, queued_at=row["queued_at"]
        ).update(queued_at=now):
            ids.append(row["pk"])
    return ids


def _interrupted(now: datetime) -> int:
    """Rows a dead worker left "sending": a webhook to try again, an e-mail given up."""
    moved = 0
    stale = AlertDelivery.objects.filter(state=SENDING, claimed_at__lt=now - INTERRUPTED_AFTER)
    for row in stale.values("pk", "claimed_at", "channel", "attempts")[:CHUNK]:
        changes: dict[str, datetime | None]
        if row["channel"] == EMAIL:
            state, error = FAILED, f"{INTERRUPTED}; not sent again, in case it arrived"
            changes = {"next_attempt_at": None}
        else:
            delay = retry_delay(row["attempts"])
            state, error = (RETRYING, INTERRUPTED) if delay is not None else (FAILED, INTERRUPTED)
            changes = {"next_attempt_at": now if delay is not None else None}
        with transaction.atomic():
            if not AlertDelivery.objects.filter(
                pk=row["pk"], state=SENDING, claimed_at=row["claimed_at"]
            ).update(state=state, last_error=error, **changes):
                continue
            DeliveryAttempt.objects.create(
                delivery_id=row["pk"],
                number=row["attempts"],
                started_at=row["claimed_at"] or now,  # set: the filter requires it
                outcome=DeliveryAttempt.INTERRUPTED,
                error=error,
            )
        moved += 1
        logger.warning(
            "alerts.interrupted",
            extra={"delivery": row["pk"], "channel": row["channel"], "state": state},
        )
    return moved


def tick(now: datetime | None = None) -> int:
    """Queues every delivery that is due again at ``now``; returns how many."""
    now = now or timezone.now()
    _interrupted(now)  # first: a webhook taken back is due at once, in this same tick
    ids = _due_retries(now) + _lost(now)
    enqueue(ids)
    return len(ids)


def run_forever(stop: threading.Event) -> None:
    tick_forever(
        stop,
        settings.SCHEDULER_TICK_SECONDS,
        tick,
        logger=logger,
        name="alerts",
        counted="deliveries",
    )
