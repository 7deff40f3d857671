"""Two real worker processes draining a queue that holds every alert delivery twice: the
webhook receiver gets each event exactly once, and each member each e-mail once. On the
embedded database queue (two ``db_worker`` processes) and on the production queue (two
``chartivo worker`` processes on Redis, each with its sweep ticking every second)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chartivo.accounts.models import User
from chartivo.alerts.delivery import queue_event, send_alert
from chartivo.alerts.models import RECOVERED, SENT, WEBHOOK, AlertDelivery
from tests.alerts.delivery_rows import event_of, webhook_rule
from tests.production.conftest import rq_worker_environment, stop, use_rq, wait_for
from tests.support.mail import SmtpServer
from tests.support.receiver import WebhookReceiver
from tests.support.worker import ROOT, worker_environment, worker_process

pytestmark = pytest.mark.django_db(transaction=True)
ORGANISATIONS = 3
EVENTS_PER_RULE = 3


def _events_told_twice(receiver: WebhookReceiver) -> set[str]:
    """Rules of several organisations, Slack and signed, each with a few events, and one
    by e-mail too, all queued; then every delivery's task queued once more (as a sweep
    that found it lost would). Returns the webhooks' idempotency ids to expect."""
    for number in range(ORGANISATIONS):
        user = User.objects.create_user(f"owner{number}@example.com", "a long password 1")
        for signed in (False, True):
            rule, _ = webhook_rule(user, receiver.url, signed=signed, name=f"Rule {number}")
            rule.notify_email = signed
            rule.save(update_fields=["notify_email"])
            for index in range(EVENTS_PER_RULE):
                queue_event(event_of(rule, kind=RECOVERED if index % 2 else "fired"))
    for delivery_id in AlertDelivery.objects.values_list("pk", flat=True):
        send_alert.enqueue(delivery_id)
    ids = set(
        AlertDelivery.objects.filter(channel=WEBHOOK).values_list("idempotency_id", flat=True)
    )
    assert len(ids) == ORGANISATIONS * 2 * EVENTS_PER_RULE
    return ids


def _each_exactly_once(
    receiver: WebhookReceiver, expected: set[str], smtp_server: SmtpServer
) -> None:
    told = Counter(r.headers["Idempotency-Key"] for r in receiver.received)
    assert set(told) == expected
    assert max(told.values()) == 1, "an event was sent twice"
    for number in range(ORGANISATIONS):
        assert len(smtp_server.to(f"owner{number}@example.com")) == EVENTS_PER_RULE
    assert len(smtp_server.messages) == ORGANISATIONS * EVENTS_PER_RULE
    assert set(AlertDelivery.objects.values_list("state", flat=True)) == {SENT}
    assert set(AlertDelivery.objects.values_list("attempts", flat=True)) == {1}


def test_two_database_queue_workers_send_each_event_exactly_once(mail: SmtpServer) -> None:
    with WebhookReceiver() as receiver:
        expected = _events_told_twice(receiver)
        command = [sys.executable, "-m", "chartivo.cli", "db_worker", "--queue-name", "alerts"]
        command += ["--batch", "--no-startup-delay", "--interval", "0"]
        env = worker_environment(**mail.environment())
        workers = [subprocess.Popen(command, env=env, cwd=ROOT) for _ in range(2)]
        assert [worker.wait(timeout=240) for worker in workers] == [0, 0]
    _each_exactly_once(receiver, expected, mail)


def test_two_rq_workers_send_each_event_exactly_once(
    settings: Any, redis_url: str, tmp_path: Path, mail: SmtpServer
) -> None:
    use_rq(settings, redis_url)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    # One task runner each: the work takes a second, and a child slot still starting when
    # SIGTERM comes can outlast ``stop``'s 30 s (seen once on a busy machine).
    environment = rq_worker_environment(redis_url, CHARTIVO_WORKER_SLOTS="1", **mail.environment())
    with WebhookReceiver() as receiver:
        expected = _events_told_twice(receiver)
        with (
            worker_process(logs[0], **environment) as first,
            worker_process(logs[1], **environment) as second,
        ):
            wait_for(
                lambda: AlertDelivery.objects.exclude(state=SENT).count() == 0,
                "every delivery sent",
                first,
                logs[0],
                timeout=120,  # generous: a busy machine starts processes slowly
            )
            stop(first)
            stop(second)
    _each_exactly_once(receiver, expected, mail)
    worked = [log.name for log in logs if '"alerts.sent"' in log.read_text()]
    assert worked, "no worker logged a delivery"
