"""Telling an alert event: one ``AlertDelivery`` per channel and recipient, each sent once.

``queue_event`` writes the rows in one transaction and, once it commits, queues one task
per row carrying the row's id alone (``send_alert``). ``deliver`` claims the row with
a conditional UPDATE (queued → sending), so of two tasks for one row, in one worker or two,
only one sends. A failed try is recorded (``DeliveryAttempt``) and the row waits
("retrying") for ``retry_delay``; the sweep (``sweep.tick``) queues it again when due.

A row left "sending" by a worker that died mid-send (``sweep``): a webhook is tried again,
with the same idempotency id, so a receiver that keeps the ids it saw drops the copy (a
webhook never told is worse than one told twice to a receiver that can tell); an e-mail is
not sent again, as digests are not: whether the SMTP server had taken it cannot be known
and a mailbox cannot drop a copy. docs/alerts-delivery.md gives the reasons at length.
"""

from __future__ import annotations

import logging
import random
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from chartivo.alerts.email import alert_email
from chartivo.alerts.models import (
    EMAIL,
    FAILED,
    QUEUED,
    RETRYING,
    SENDING,
    SENT,
    SIGNED,
    SKIPPED,
    WEBHOOK,
    AlertDelivery,
    AlertEvent,
    DeliveryAttempt,
    new_idempotency_id,
)
from chartivo.alerts.recipients import alert_recipients
from chartivo.alerts.signing import open_secret
from chartivo.alerts.webhooks import post, request_for
from chartivo.lib.secretbox import DecryptionError

logger = logging.getLogger(__name__)

# How long after each failed try the next one is made (the first try is at once): about
# 9 hours in all, so a receiver down for a night's deploy still gets the news.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MOST_ATTEMPTS = len(RETRY_DELAYS) + 1
# Each wait is stretched or shrunk by up to this fraction, at random, so that deliveries
# that failed together (a receiver's outage) do not all come back in the same second.
JITTER = 0.2
E_MAIL_OFF = "e-mail is off on this server"


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta | None:
    """How long to wait after try number ``attempts`` failed; None: it was the last."""
    if attempts >= MOST_ATTEMPTS:
        return None
    spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return RETRY_DELAYS[max(attempts, 1) - 1] * spread


# --- queueing ---------------------------------------------------------------------------


def _rows_for(event: AlertEvent) -> list[AlertDelivery]:
    rule = event.rule
    rows: list[AlertDelivery] = []
    if rule.notify_email:
        if not settings.EMAIL_ENABLED:
            rows.append(
                AlertDelivery(event=event, channel=EMAIL, state=SKIPPED, last_error=E_MAIL_OFF)
            )
        else:
            recipients = alert_recipients(rule)
            rows += [
                AlertDelivery(event=event, channel=EMAIL, recipient=user) for user in recipients
            ]
            if not recipients:
                rows.append(
                    AlertDelivery(
                        event=event, channel=EMAIL, state=SKIPPED, last_error="no one to e-mail"
                    )
                )
    if rule.webhook_url:
        rows.append(AlertDelivery(event=event, channel=WEBHOOK))
    return rows


def queue_event(event: AlertEvent) -> None:
    """Queues the messages that tell ``event`` through its rule's channels.

    Safe to call inside the caller's transaction (the tasks are queued when it commits)
    and more than once for one event (a row that exists is not made or queued again). A
    capped event (``event.capped``) is told to no one: the event itself is its log entry.
    """
    if event.capped:
        return
    with transaction.atomic():
        existing = set(
            AlertDelivery.objects.filter(event=event).values_list("channel", "recipient_id")
        )
        rows = [r for r in _rows_for(event) if (r.channel, r.recipient_id) not in existing]
        try:
            with transaction.atomic():
                created = AlertDelivery.objects.bulk_create(rows)
        except IntegrityError:  # another call for this event made them meanwhile
            return
        ids = [row.pk for row in created if row.state == QUEUED]
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    for delivery_id in ids:
        try:
            send_alert.enqueue(delivery_id)
        except Exception:  # the queue is down: the sweep queues the row again later
            logger.exception("alerts.enqueue_failed", extra={"delivery": delivery_id})


# --- sending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one try went: ``state`` is SENT, SKIPPED, or FAILED (tried again if it may help,
    unless ``final``); ``error`` in a few words, never a reply's or an exception's text."""

    state: str
    error: str = ""
    http_status: int | None = None
    final: bool = False


def _send_email(delivery: AlertDelivery) -> Outcome:
    if not settings.EMAIL_ENABLED:
        return Outcome(SKIPPED, E_MAIL_OFF)
    rule = delivery.event.rule
    recipient = delivery.recipient
    if not rule.notify_email:
        return Outcome(SKIPPED, "e-mail was turned off for this rule")
    if recipient is None or recipient.pk not in {u.pk for u in alert_recipients(rule)}:
        return Outcome(SKIPPED, "no longer a recipient")
    try:
        message = alert_email(delivery)
    except Exception as error:  # nothing was sent: tried again later
        logger.exception("alerts.email_build_failed", extra={"delivery": delivery.pk})
        return Outcome(FAILED, type(error).__name__)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        # Refused or unreachable before the server took it: nothing was sent. The class
        # only: the text may quote the server's reply.
        return Outcome(FAILED, type(error).__name__)
    return Outcome(SENT)


def _send_webhook(delivery: AlertDelivery) -> Outcome:
    rule = delivery.event.rule
    if not rule.webhook_url:
        return Outcome(SKIPPED, "the webhook was removed from the rule")
    secret = None
    if rule.webhook_format == SIGNED:
        try:
            secret = open_secret(rule)
        except (DecryptionError, ValueError):
            return Outcome(FAILED, "the signing secret cannot be read: set a new one", final=True)
    if not delivery.idempotency_id:  # a row older than the field
        delivery.idempotency_id = new_idempotency_id()
        AlertDelivery.objects.filter(pk=delivery.pk).update(idempotency_id=delivery.idempotency_id)
    body, headers = request_for(delivery, secret)
    del secret
    answer = post(rule.webhook_url, body, headers)
    if answer.accepted:
        return Outcome(SENT, http_status=answer.status)
    return Outcome(FAILED, answer.error, http_status=answer.status, final=answer.final)


SENDERS: dict[str, Callable[[AlertDelivery], Outcome]] = {
    EMAIL: _send_email,
    WEBHOOK: _send_webhook,
}


def record(
    delivery: AlertDelivery, claimed_at: datetime, outcome: Outcome, started: float, kind: str
) -> str:
    """Leaves the row as ``outcome`` says, if it is still this try's (the sweep did not
    take it back meanwhile); returns the state written, or "" when it was not."""
    now = timezone.now()
    changes: dict[str, object] = {"last_error": outcome.error[:200]}
    state = outcome.state
    if state == SENT:
        changes.update(sent_at=now, next_attempt_at=None)
    elif state == FAILED:
        delay = None if outcome.final else retry_delay(delivery.attempts)
        if delay is not None:
            state = RETRYING
            changes["next_attempt_at"] = now + delay
        else:
            changes["next_attempt_at"] = None
    else:
        changes["next_attempt_at"] = None
    with transaction.atomic():
        moved = AlertDelivery.objects.filter(
            pk=delivery.pk, state=SENDING, claimed_at=claimed_at
        ).update(state=state, **changes)
        if not moved:
            return ""
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=claimed_at,
            duration_ms=round((time.monotonic() - started) * 1000),
            outcome=kind,
            http_status=outcome.http_status,
            error=outcome.error[:200],
        )
    return state


def deliver(delivery_id: int) -> str:
    """Sends delivery ``delivery_id`` if no one else has it; returns the state this call
    left it in ("" when another task had it, or it was not due)."""
    claimed_at = timezone.now()
    claimed = AlertDelivery.objects.filter(pk=delivery_id, state=QUEUED).update(
        state=SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    if not claimed:
        return ""
    delivery = (
        AlertDelivery.objects.select_related("event__rule", "recipient")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:  # the rule was deleted meanwhile, and its deliveries with it
        return ""
    started = time.monotonic()
    try:
        outcome = SENDERS[delivery.channel](delivery)
    except Exception as error:  # a bug: recorded and tried again, never left "sending"
        logger.exception("alerts.send_crashed", extra={"delivery": delivery_id})
        outcome = Outcome(FAILED, type(error).__name__)
    kind = {SENT: DeliveryAttempt.SENT, SKIPPED: DeliveryAttempt.SKIPPED}.get(
        outcome.state, DeliveryAttempt.FAILED
    )
    state = record(delivery, claimed_at, outcome, started, kind)
    fields = {
        "delivery": delivery_id,
        "channel": delivery.channel,
        "attempt": delivery.attempts,
        "state": state,
        "error": outcome.error,
        "http_status": outcome.http_status,
    }
    if state == SENT:
        logger.info("alerts.sent", extra=fields)
    elif state in (RETRYING, FAILED):
        logger.warning("alerts.failed", extra=fields)
    return state


# News: after refreshes (a person may be watching a chart fill in), before digests.
ALERT_PRIORITY = 8


# Defined beside ``deliver`` rather than in a module of its own: ``queue_event`` queues it
# and it runs ``deliver``, so two modules would import each other.
@task(queue_name="alerts", priority=ALERT_PRIORITY)
def send_alert(delivery_id: int) -> None:
    """Carries a delivery row's id, nothing else (no address, no secret)."""
    deliver(delivery_id)
