"""Two schedulers ticking at once and two worker processes draining a queue that holds
every digest twice: each member gets each digest exactly once, and one who turned digests
off while theirs waited in the queue gets none. Then the operator's
command sends one digest at once, which the scheduler does not send again; a month the
history does not cover is said so."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.digests.models import NONE, SENT, SKIPPED, DigestDelivery, MailPreference
from chartivo.digests.schedule import tick
from chartivo.digests.tasks import send_digest
from chartivo.integrations.stripe.connect import connect
from chartivo.orgs.models import VIEWER, Membership
from tests.conftest import run_worker
from tests.digests.conftest import subscribe
from tests.support.mail import SmtpServer
from tests.support.worker import ROOT, worker_environment

pytestmark = pytest.mark.django_db(transaction=True)
ZONES = ("Asia/Kathmandu", "America/New_York", "Europe/Paris", "Pacific/Chatham", "UTC")


def _tick_in_thread(now: Any, results: list[int], start: threading.Barrier) -> None:
    try:
        start.wait()
        results.append(tick(now))
    finally:
        connection.close()


def test_two_schedulers_and_two_workers_send_each_digest_exactly_once(
    owner: Any, stripe_api: Any, smtp_server: SmtpServer, settings: Any
) -> None:
    smtp_server.use_in_django(settings)
    # An account that settles in USD, as most do: the digest opens in that currency, as Home.
    account = stripe_api.control.create_account(
        seed="digests-once", charges=150, days=30, settlement_currencies=["usd"]
    )
    connect(owner, account.keys["restricted"])
    run_worker()
    organisation = Membership.objects.get(user=owner).organisation
    now = timezone.now()
    members = [owner]
    for index, zone in enumerate(ZONES):
        member = User.objects.create_user(f"member{index}@example.com", "a long password 1")
        Membership.objects.create(organisation=organisation, user=member, role=VIEWER)
        members.append(member)
        subscribe(member, zone=zone, since=now - timedelta(days=20))
    subscribe(owner, zone="Asia/Kathmandu", since=now - timedelta(days=20))

    results: list[int] = []
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_tick_in_thread, args=(now, results, start)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(members) == DigestDelivery.objects.count() == 6
    for delivery_id in DigestDelivery.objects.values_list("pk", flat=True):
        send_digest.enqueue(delivery_id)  # as if a lost task had been queued again
    # One member turns digests off while theirs waits in the queue: it is not sent.
    quitter = members.pop()
    MailPreference.objects.filter(user=quitter).update(digest=NONE)

    command = [sys.executable, "-m", "chartivo.cli", "db_worker", "--queue-name", "digest"]
    command += ["--batch", "--no-startup-delay", "--interval", "0"]
    env = worker_environment(**smtp_server.environment())
    workers = [subprocess.Popen(command, env=env, cwd=ROOT) for _ in range(2)]
    assert [worker.wait(timeout=240) for worker in workers] == [0, 0]

    for member in members:
        assert len(smtp_server.to(member.email)) == 1, member.email
    assert smtp_server.to(quitter.email) == []
    states = dict(DigestDelivery.objects.values_list("user__email", "state"))
    assert states == {**{m.email: SENT for m in members}, quitter.email: SKIPPED}
    assert len(smtp_server.messages) == len(members)
    assert "Amounts in USD, your settlement currency." in smtp_server.messages[0].text

    # The operator's command: at once, whatever the schedule; recorded, so not sent again.
    call_command("send_digests", user=members[1].email, period="daily")
    daily = smtp_server.wait_for(to=members[1].email, count=2)
    assert "daily digest" in str(daily["Subject"])
    assert tick(now + timedelta(minutes=1)) == 0
    assert len(smtp_server.to(members[1].email)) == 2
    # A month is longer than the 30 days kept: the digest says so, as Home does, and shows
    # no part of the month as if it were all of it.
    call_command("send_digests", user=members[2].email, period="monthly")
    monthly = smtp_server.wait_for(to=members[2].email, count=2).text
    assert "Chartivo keeps only the last 30 days" in monthly
    assert "Gross volume" not in monthly and "Open the dashboard" not in monthly
    with pytest.raises(CommandError, match="No user"):
        call_command("send_digests", user="nobody@example.com", period="weekly")
