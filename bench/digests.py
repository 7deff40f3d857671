"""Weekly digests for 10,000 users due in the same hour: how long until every one has been
handed to a local SMTP server, and the worker's peak memory.

    python bench/digests.py [--users 10000] [--organisations 1000] [--workers 1]

One sandbox account (``--charges`` over 30 days) is saved and synced for real; its synced
state (aggregates, rollups, resource states) is then copied to ``--organisations``
organisations, each with its own connection, and ``--users`` members spread evenly over
them (one organisation's members share one computation of its figures; each organisation
is computed once). Every user gets a weekly digest in one of four zones whose 08:00
Monday is the same UTC hour (Europe/Paris, Europe/Berlin, Africa/Lagos, Europe/Rome in
winter). The scheduler's tick at that hour queues them all; ``--workers`` processes then
run the digest queue (``chartivo db_worker --queue-name digest``, what each worker slot
runs) until it is empty. The SMTP server is aiosmtpd on loopback in this process, counting
what it accepts.

Prints the tick's time, the time from the tick to the last message accepted, messages per
second, and each worker's peak RSS and CPU seconds (``wait4``); every user must have got
exactly one message.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _setup import ROOT, apply_environment, connect, run_child, scratch_environment

sys.path.insert(0, str(ROOT))
from aiosmtpd.controller import Controller

from stripe_sandbox.testing import SandboxProcess
from tests.support.mail import _free_port

ZONES = ("Europe/Paris", "Europe/Berlin", "Africa/Lagos", "Europe/Rome")


class CountingInbox:
    """Accepts every message and counts it by recipient; keeps no text."""

    def __init__(self) -> None:
        self.by_recipient: dict[str, int] = {}
        self.bytes = 0
        self.last_at = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.by_recipient[recipient] = self.by_recipient.get(recipient, 0) + 1
            self.bytes += len(envelope.content)
            self.last_at = time.monotonic()
        return "250 OK"


def _copy_connection(source: Any, organisations: list[Any]) -> None:
    """The synced connection's state, copied to a connection of each organisation: the
    connections made in bulk, then each table's rows for all of them in one statement."""
    from django.db import connection as db

    from chartivo.integrations.stripe.models import ResourceState, StripeConnection
    from chartivo.metrics.models import Aggregate, AggregateRollup

    row = StripeConnection.objects.filter(pk=source.pk).values().get()
    StripeConnection.objects.bulk_create(
        [
            StripeConnection(**{**row, "id": None, "organisation_id": organisation.pk})
            for organisation in organisations
        ],
        batch_size=1000,
    )
    connections = StripeConnection._meta.db_table
    for model in (Aggregate, AggregateRollup, ResourceState):
        columns = [str(f.column) for f in model._meta.concrete_fields if f.column != "id"]
        copied = [c for c in columns if c != "connection_id"]
        sql = (
            f"INSERT INTO {model._meta.db_table} (connection_id, {', '.join(copied)}) "  # noqa: S608
            f"SELECT c.id, {', '.join(f'r.{c}' for c in copied)} FROM {model._meta.db_table} r "
            f"CROSS JOIN {connections} c WHERE r.connection_id = %s AND c.id <> %s"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, [source.pk, source.pk])


def _people(users: int, organisations: int, since: datetime) -> list[Any]:
    from chartivo.accounts.models import User
    from chartivo.digests.models import MailPreference
    from chartivo.orgs.models import VIEWER, Membership, Organisation

    Organisation.objects.bulk_create(
        [Organisation(name=f"Shop {index}") for index in range(organisations)]
    )
    made = list(Organisation.objects.filter(name__startswith="Shop ").order_by("pk"))
    # "!" is Django's unusable password: these users never log in.
    User.objects.bulk_create(
        [User(email=f"user{index}@example.com", password="!") for index in range(users)],  # noqa: S106
        batch_size=2000,
    )
    people = list(User.objects.filter(email__startswith="user").order_by("pk"))
    Membership.objects.bulk_create(
        [
            Membership(organisation=made[index % organisations], user=person, role=VIEWER)
            for index, person in enumerate(people)
        ],
        batch_size=2000,
    )
    MailPreference.objects.bulk_create(
        [
            MailPreference(
                user=person,
                time_zone=ZONES[index % len(ZONES)],
                digest="weekly",
                digest_since=since,
            )
            for index, person in enumerate(people)
        ],
        batch_size=2000,
    )
    return made


def _this_monday_eight_paris(now: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo("Europe/Paris"))
    monday = (local - timedelta(days=local.weekday())).replace(hour=8, minute=0, second=0)
    if monday > local:
        monday -= timedelta(days=7)
    return monday.replace(microsecond=0).astimezone(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--charges", type=int, default=400)
    args = parser.parse_args()

    inbox = CountingInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with SandboxProcess(seed="bench-digests", charges=args.charges, days=30, modes="test") as box:
        env = scratch_environment(
            box.api_base,
            CHARTIVO_EMAIL_URL=f"smtp://127.0.0.1:{port}",
            CHARTIVO_EMAIL_FROM="Chartivo <noreply@chartivo.test>",
            CHARTIVO_SITE_URL="https://app.chartivo.test",
        )
        apply_environment(env)
        connection = connect(box.keys["restricted"])
        run_child([sys.executable, "-m", "chartivo.cli", "sync_now", str(connection.pk)], env)
        started = time.monotonic()
        monday = _this_monday_eight_paris(datetime.now(UTC))
        organisations = _people(args.users, args.organisations, monday - timedelta(days=1))
        _copy_connection(connection, organisations)
        print(
            f"set-up: {args.users} users in {args.organisations} organisations, "
            f"{time.monotonic() - started:.1f} s",
            flush=True,
        )

        from django.db import connection as db

        from chartivo.digests import schedule

        ticked = time.monotonic()
        queued = schedule.tick(monday)
        tick_seconds = time.monotonic() - ticked
        db.close()
        argv = [sys.executable, "-m", "chartivo.cli", "db_worker", "--queue-name", "digest"]
        argv += ["--batch", "--no-startup-delay", "--interval", "0", "--verbosity", "0"]
        results: list[tuple[str, float, float]] = []

        def work() -> None:
            results.append(run_child(argv, env))

        threads = [threading.Thread(target=work) for _ in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent_seconds = inbox.last_at - ticked
    controller.stop()

    counts = inbox.by_recipient
    once = sum(1 for value in counts.values() if value == 1)
    print(f"queued by one tick: {queued} in {tick_seconds:.2f} s")
    print(
        f"accepted by SMTP: {sum(counts.values())} messages to {len(counts)} recipients, "
        f"{inbox.bytes / 1e6:.1f} MB"
    )
    print(
        f"from the tick to the last message: {sent_seconds:.1f} s "
        f"({sum(counts.values()) / sent_seconds:.0f} messages/s)"
    )
    for index, (_, rss, cpu) in enumerate(results):
        print(f"worker {index + 1}: peak RSS {rss:.0f} MB, CPU {cpu:.1f} s")
    print(
        f"RESULT users={args.users} organisations={args.organisations} workers={args.workers} "
        f"tick_s={tick_seconds:.2f} send_all_s={sent_seconds:.1f} "
        f"peak_rss_mb={max(r[1] for r in results):.0f} exactly_once="
        f"{'yes' if once == args.users == sum(counts.values()) else 'no'} "
        f"load={os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
