"""A receiver that fails is tried again later, each wait longer than the one before, until
it accepts or the tries run out; what each try met is in the delivery's log. The sweep
queues a delivery again when its time has come (the clock is the sweep's argument: no
test waits), takes back one a dead worker left "sending", and requeues one lost from the
queue; whatever is queued twice is still sent once."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chartivo.alerts import sweep
from chartivo.alerts.delivery import JITTER, MOST_ATTEMPTS, RETRY_DELAYS, queue_event, send_alert
from chartivo.alerts.models import (
    EMAIL,
    FAILED,
    QUEUED,
    RETRYING,
    SENDING,
    SENT,
    AlertDelivery,
)
from tests.alerts.delivery_rows import event_of, run_alert_queue, webhook_rule
from tests.support.receiver import WebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


def _waited(delivery: AlertDelivery) -> timedelta:
    """How long the delivery waits after its last try."""
    assert delivery.next_attempt_at is not None and delivery.claimed_at is not None
    return delivery.next_attempt_at - delivery.claimed_at


def _within_jitter(waited: timedelta, planned: timedelta) -> bool:
    slack = timedelta(seconds=5)  # between the claim and the end of the try
    return planned * (1 - JITTER) <= waited <= planned * (1 + JITTER) + slack


def test_a_receiver_that_fails_twice_gets_the_alert_on_the_third_try(owner: Any) -> None:
    with WebhookReceiver(answers=[500, 500]) as receiver:
        rule, _ = webhook_rule(owner, receiver.url)
        queue_event(event_of(rule))
        run_alert_queue()
        delivery = AlertDelivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_error) == (
            RETRYING,
            1,
            "HTTP 500",
        )
        first_wait = _waited(delivery)
        assert _within_jitter(first_wait, RETRY_DELAYS[0])
        assert delivery.next_attempt_at is not None
        # Not yet due: nothing is queued. Due: queued once, however often swept.
        assert sweep.tick(delivery.next_attempt_at - timedelta(seconds=1)) == 0
        assert sweep.tick(delivery.next_attempt_at) == 1
        assert sweep.tick(delivery.next_attempt_at) == 0
        run_alert_queue()
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (RETRYING, 2)
        second_wait = _waited(delivery)
        assert _within_jitter(second_wait, RETRY_DELAYS[1]) and second_wait > first_wait
        assert delivery.next_attempt_at is not None
        sweep.tick(delivery.next_attempt_at)
        run_alert_queue()

    delivered = AlertDelivery.objects.get(pk=delivery.pk)  # read afresh, as the page does
    assert (delivered.state, delivered.attempts, delivered.last_error) == (SENT, 3, "")
    assert delivered.next_attempt_at is None and delivered.sent_at is not None
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    # The same body each time, with the same id: a receiver can tell a retry from news.
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.headers["Idempotency-Key"] for r in receiver.received}) == 1
    log = [(a.number, a.outcome, a.http_status, a.error) for a in delivered.attempt_log.all()]
    assert log == [
        (1, "failed", 500, "HTTP 500"),
        (2, "failed", 500, "HTTP 500"),
        (3, "sent", 200, ""),
    ]


def test_tries_stop_after_the_last_one_each_wait_longer_than_the_one_before(
    owner: Any,
) -> None:
    with WebhookReceiver(answers=[503] * (MOST_ATTEMPTS + 3)) as receiver:
        rule, _ = webhook_rule(owner, receiver.url)
        queue_event(event_of(rule))
        run_alert_queue()
        waits = []
        delivery = AlertDelivery.objects.get()
        while delivery.state == RETRYING:
            waits.append(_waited(delivery))
            assert delivery.next_attempt_at is not None
            assert sweep.tick(delivery.next_attempt_at) == 1
            run_alert_queue()
            delivery.refresh_from_db()
        assert sweep.tick(timezone.now() + timedelta(days=30)) == 0

    assert (delivery.state, delivery.attempts) == (FAILED, MOST_ATTEMPTS)
    assert delivery.last_error == "HTTP 503" and delivery.next_attempt_at is None
    assert len(receiver.received) == MOST_ATTEMPTS
    assert len(waits) == MOST_ATTEMPTS - 1 == len(RETRY_DELAYS)
    assert all(_within_jitter(w, planned) for w, planned in zip(waits, RETRY_DELAYS, strict=True))
    assert waits == sorted(waits) and len(set(waits)) == len(waits)
    assert waits[-1] >= timedelta(hours=4)


def test_an_unreachable_receiver_or_a_redirect_is_a_failed_try_named_in_a_few_words(
    owner: Any,
) -> None:
    with socket.socket() as probe:  # a port no one listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    rule, _ = webhook_rule(owner, closed)
    queue_event(event_of(rule))
    with WebhookReceiver(answers=[302]) as receiver:
        moved, _ = webhook_rule(owner, receiver.url, name="Moved")
        queue_event(event_of(moved))
        not_http, _ = webhook_rule(owner, "ftp://127.0.0.1/hook", name="FTP")
        queue_event(event_of(not_http))
        run_alert_queue()
    errors = dict(AlertDelivery.objects.values_list("event__rule__name", "last_error"))
    states = dict(AlertDelivery.objects.values_list("event__rule__name", "state"))
    assert errors == {
        "Refund rate watch": "ConnectError",
        "Moved": "HTTP 302 (redirects are not followed)",
        "FTP": "not an http or https address",
    }
    assert states == {"Refund rate watch": RETRYING, "Moved": RETRYING, "FTP": FAILED}
    assert len(receiver.received) == 1, "the redirect was followed"


def test_a_webhook_a_dead_worker_left_sending_is_sent_again_an_email_is_not(
    owner: Any,
) -> None:
    with WebhookReceiver() as receiver:
        rule, _ = webhook_rule(owner, receiver.url)
        event = event_of(rule)
        # As a worker that died mid-send leaves them (claimed, never finished).
        claimed = timezone.now() - sweep.INTERRUPTED_AFTER - timedelta(seconds=1)
        hook = AlertDelivery.objects.create(
            event=event, channel="webhook", state=SENDING, attempts=1, claimed_at=claimed
        )
        mail = AlertDelivery.objects.create(
            event=event,
            channel=EMAIL,
            recipient=owner,
            state=SENDING,
            attempts=1,
            claimed_at=claimed,
        )
        recent = AlertDelivery.objects.create(
            event=event_of(rule),
            channel="webhook",
            state=SENDING,
            attempts=1,
            claimed_at=timezone.now(),
        )
        assert sweep.tick() == 1
        run_alert_queue()

    hook.refresh_from_db()
    mail.refresh_from_db()
    recent.refresh_from_db()
    assert (hook.state, hook.attempts) == (SENT, 2)
    assert [(a.outcome, a.error) for a in hook.attempt_log.all()] == [
        ("interrupted", "interrupted while sending"),
        ("sent", ""),
    ]
    assert (mail.state, mail.last_error) == (
        FAILED,
        "interrupted while sending; not sent again, in case it arrived",
    )
    assert recent.state == SENDING, "a try still within its time was taken from its worker"
    assert [r.headers["Idempotency-Key"] for r in receiver.received] == [hook.idempotency_id]


def test_a_delivery_lost_from_the_queue_is_queued_again_and_sent_once(owner: Any) -> None:
    with WebhookReceiver() as receiver:
        rule, _ = webhook_rule(owner, receiver.url)
        event = event_of(rule)
        # Its row was written but its task never reached the queue (Redis restarted).
        long_ago = timezone.now() - sweep.REQUEUE_AFTER - timedelta(seconds=1)
        lost = AlertDelivery.objects.create(event=event, channel="webhook", queued_at=long_ago)
        assert sweep.tick(long_ago + timedelta(minutes=5)) == 0, "not lost yet"
        assert sweep.tick() == 1
        send_alert.enqueue(lost.pk)  # and the task turns up after all: one send still
        send_alert.enqueue(lost.pk)
        run_alert_queue()
        queue_event(event)  # the same event told again: nothing new to send
        run_alert_queue()
    lost.refresh_from_db()
    assert (lost.state, lost.attempts) == (SENT, 1)
    assert len(receiver.received) == 1
    assert AlertDelivery.objects.filter(state=QUEUED).count() == 0


def test_a_webhook_to_a_private_address_fails_at_once_unless_the_operator_allows_it(
    owner: Any, settings: Any
) -> None:
    settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = False  # production's default
    with WebhookReceiver() as receiver:
        local, _ = webhook_rule(owner, receiver.url, name="This machine")
        by_name, _ = webhook_rule(owner, receiver.url.replace("127.0.0.1", "localhost"))
        metadata, _ = webhook_rule(owner, "http://169.254.169.254/latest", name="Metadata")
        for rule in (local, by_name, metadata):
            queue_event(event_of(rule))
        run_alert_queue()
        assert receiver.received == []
        assert set(AlertDelivery.objects.values_list("state", "attempts", "last_error")) == {
            (FAILED, 1, "the address is on a private network")
        }
        settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = True  # CHARTIVO_WEBHOOKS_TO_PRIVATE_ADDRESSES=1
        queue_event(event_of(local))
        run_alert_queue()
    assert len(receiver.received) == 1
