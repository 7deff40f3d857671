"""Sending one digest: claim its row, build the message, hand it to the SMTP server.

The claim is a conditional UPDATE (queued → sending), so of two tasks for one row only one
sends. A row left "sending" by a worker that died mid-send is never sent again: whether
the SMTP server had accepted the message cannot be known, and a digest sent twice is worse
than one missed. A refusal or an unreachable server before the message was accepted is a
"failed" row, tried again later (``schedule._requeued``).
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from chartivo.digests.compose import digest_message
from chartivo.digests.models import FAILED, QUEUED, SENDING, SENT, SKIPPED, DigestDelivery
from chartivo.digests.periods import period_starting

logger = logging.getLogger(__name__)


def _finish(delivery_id: int, state: str, error: str = "") -> None:
    DigestDelivery.objects.filter(pk=delivery_id, state=SENDING).update(
        state=state, error=error[:200], sent_at=timezone.now() if state == SENT else None
    )


def deliver(delivery_id: int, *, as_scheduled: bool = True) -> str:
    """Sends the digest of row ``delivery_id`` if no one else has; returns the row's state
    as this call left it ("" when another task had it). A scheduled digest is not sent to
    a user who turned it off since it was queued; ``as_scheduled=False`` (the operator's
    command) sends it whatever the user's schedule."""
    now = timezone.now()
    claimed = DigestDelivery.objects.filter(pk=delivery_id, state=QUEUED).update(
        state=SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return ""
    delivery = DigestDelivery.objects.select_related("user", "user__mail_preference").get(
        pk=delivery_id
    )
    user = delivery.user
    preference = getattr(user, "mail_preference", None)
    if not settings.EMAIL_ENABLED:
        _finish(delivery_id, SKIPPED, "e-mail is off")
        return SKIPPED
    subscribed = preference is not None and preference.digest == delivery.frequency
    if not user.is_active or (as_scheduled and not subscribed):
        _finish(delivery_id, SKIPPED, "no longer subscribed")
        return SKIPPED
    period = period_starting(delivery.frequency, delivery.period_start)
    try:
        message = digest_message(user, period, delivery.time_zone, now)
    except Exception as error:  # nothing was sent: the row is tried again (``_requeued``)
        _finish(delivery_id, FAILED, type(error).__name__)
        logger.exception("digests.build_failed", extra={"delivery": delivery_id})
        return FAILED
    if message is None:
        _finish(delivery_id, SKIPPED, "no Stripe account")
        return SKIPPED
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        # The exception's class only: its text may quote the server's reply.
        _finish(delivery_id, FAILED, type(error).__name__)
        logger.warning(
            "digests.failed", extra={"delivery": delivery_id, "error": type(error).__name__}
        )
        return FAILED
    _finish(delivery_id, SENT)
    return SENT
