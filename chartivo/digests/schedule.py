"""Which digests are due, queued once however many workers tick.

Each worker's scheduler thread calls ``tick()``. For each (frequency, zone) in use it
finds the newest period due at 08:00 local time (``periods.latest_due``) and inserts one
``DigestDelivery`` row per user who should get it and has none yet; the unique
(user, frequency, period) constraint lets exactly one tick insert each row, and only the
tick that inserted a row queues its task. The task claims the row before it sends
(``send.deliver``), so a task queued twice still sends once.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.digests.models import FAILED, NONE, QUEUED, DigestDelivery, MailPreference
from chartivo.digests.periods import latest_due
from chartivo.digests.tasks import send_digest
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.periods import RangeError, parse_zone
from chartivo.ops.ticking import tick_forever

logger = logging.getLogger(__name__)
TICK_SECONDS = 30
CHUNK = 1000
# A queued digest whose task has not run for this long is queued again (its task was lost:
# a queue flushed, a Redis restarted); a failed one is tried again after this, three times.
REQUEUE_AFTER = timedelta(minutes=30)
RETRY_AFTER = timedelta(minutes=10)
MOST_ATTEMPTS = 3


def _has_stripe(user_field: str) -> Exists:
    return Exists(
        StripeConnection.objects.filter(organisation__memberships__user=OuterRef(user_field))
    )


def ensure_preferences(now: datetime) -> int:
    """Weekly by default once Stripe is connected: members of an organisation with a Stripe
    account who have no preference get one, due from now on."""
    missing = (
        User.objects.filter(is_active=True, mail_preference__isnull=True)
        .filter(_has_stripe("pk"))
        .values_list("pk", "dashboard_preference__time_zone")[:CHUNK]
    )
    rows = [
        MailPreference(user_id=pk, time_zone=zone or "UTC", digest_since=now)
        for pk, zone in missing
    ]
    MailPreference.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _insert_due(frequency: str, zone_name: str, now: datetime, batch: str) -> None:
    try:
        zone = parse_zone(zone_name)
    except RangeError:
        return
    period, due = latest_due(frequency, zone, now)
    sent_already = DigestDelivery.objects.filter(
        user=OuterRef("user"), frequency=frequency, period_start=period.first
    )
    users = (
        MailPreference.objects.filter(
            digest=frequency, time_zone=zone_name, digest_since__lte=due, user__is_active=True
        )
        .filter(_has_stripe("user"), ~Exists(sent_already))
        .values_list("user_id", flat=True)
    )
    rows = [
        DigestDelivery(
            user_id=user_id,
            frequency=frequency,
            period_start=period.first,
            time_zone=zone_name,
            batch=batch,
            created_at=now,
            queued_at=now,
        )
        for user_id in users
    ]
    for start in range(0, len(rows), CHUNK):
        DigestDelivery.objects.bulk_create(rows[start : start + CHUNK], ignore_conflicts=True)


def _requeued(now: datetime) -> list[int]:
    """Deliveries to queue again: lost from the queue, or failed and worth another try."""
    ids = []
    lost = DigestDelivery.objects.filter(state=QUEUED, queued_at__lt=now - REQUEUE_AFTER)
    failed = DigestDelivery.objects.filter(
        state=FAILED, attempts__lt=MOST_ATTEMPTS, queued_at__lt=now - RETRY_AFTER
    )
    for row in [*lost.values("pk", "queued_at")[:CHUNK], *failed.values("pk", "queued_at")[:CHUNK]]:
        # Conditional: of several ticks at once, one moves the row on and queues it.
        if DigestDelivery.objects.filter(pk=row["pk"], queued_at=row["queued_at"]).update(
            state=QUEUED, queued_at=now
        ):
            ids.append(row["pk"])
    return ids


def tick(now: datetime | None = None) -> int:
    """Queues every digest due at ``now``; returns how many were queued."""
    if not settings.EMAIL_ENABLED:
        return 0  # nothing could be sent; the Profile page says e-mail is off
    now = now or timezone.now()
    ensure_preferences(now)
    batch = secrets.token_hex(12)
    groups = (
        MailPreference.objects.exclude(digest=NONE)
        .values_list("digest", "time_zone")
        .distinct()
        .order_by()
    )
    for frequency, zone_name in list(groups):
        _insert_due(frequency, zone_name, now, batch)
    ids = list(DigestDelivery.objects.filter(batch=batch).values_list("pk", flat=True))
    ids += _requeued(now)
    for delivery_id in ids:
        send_digest.enqueue(delivery_id)
    return len(ids)


def run_forever(stop: threading.Event) -> None:
    tick_forever(stop, TICK_SECONDS, tick, logger=logger, name="digests", counted="digests")
