"""Background work on the production queue (CHARTIVO_TASK_BACKEND=rq): the same task code
as the embedded database queue, run by real ``chartivo worker`` processes through Redis.

- A Save queues the first sync in Redis; a worker process takes it and the figures it
  writes are exactly those the database queue's worker writes for the same account.
- Two worker processes, each with its refresh scheduler ticking every second: each due
  connection is queued once per interval (every task a worker took ran a sync; refreshes
  are an interval apart) and never synced twice at once (no two runs of a connection
  overlap, and the sandbox saw exactly one events read per refresh).
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from redis import Redis
from rq import Queue

from chartivo.accounts.models import User
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection
from tests.faults.conftest import aggregates, synced
from tests.production.conftest import (
    rq_worker_environment,
    stop,
    sync_runs,
    tasks_taken,
    use_rq,
    wait_for,
)
from tests.support.worker import worker_process

pytestmark = pytest.mark.django_db(transaction=True)

SAVE = "/integrations/stripe/"


def test_a_save_is_queued_in_redis_and_an_rq_worker_writes_the_same_figures(
    owner: User, owner_client: Client, account: Any, settings: Any, redis_url: str, tmp_path: Path
) -> None:
    key = account.keys["restricted"]
    reference = aggregates(synced("reference@example.com", key))  # the database queue

    use_rq(settings, redis_url)
    assert owner_client.post(SAVE, {"api_key": key}).status_code == 302
    connection = StripeConnection.objects.get(owner=owner)
    redis = Redis.from_url(redis_url)
    queued = Queue("refresh", connection=redis).jobs
    assert [(job.func_name, job.args) for job in queued] == [
        ("chartivo.integrations.stripe.tasks.sync_connection", (connection.pk,))
    ]
    assert connection.sync_started_at is None, "nothing runs the task but a worker"

    log = tmp_path / "worker.log"
    with worker_process(log, **rq_worker_environment(redis_url)) as worker:
        wait_for(
            lambda: StripeConnection.objects.get(pk=connection.pk).backfill_done_at is not None,
            "the RQ worker to finish the first sync",
            worker,
            log,
            timeout=90,
        )
        stop(worker)
    assert aggregates(connection) == reference
    # The Save's task (and the continuation it queued for the payouts left to reconcile).
    taken = tasks_taken([log])
    assert taken[0] == connection.pk and set(taken) == {connection.pk}

    chart = Chart.objects.create(owner=owner, name="Charges", metric="charges", measure="count")
    payload = owner_client.get(f"/charts/{chart.pk}/data.json").json()
    assert payload["state"] == "ready"
    assert sum(sum(s["values"]) for s in payload["series"]) > 0


INTERVAL = 10  # the shortest CHARTIVO_REFRESH_SECONDS allowed
ACCOUNTS = 6
REFRESHES = 1  # of each connection, after its first sync


def test_two_workers_refresh_each_connection_once_per_interval_never_twice_at_once(
    stripe_api: Any, settings: Any, redis_url: str, tmp_path: Path
) -> None:
    use_rq(settings, redis_url)
    control = stripe_api.control
    connections: dict[int, str] = {}
    for n in range(ACCOUNTS):
        account = control.create_account(seed=f"two-workers-{uuid.uuid4().hex}", charges=60)
        # Each request takes a while, so a second run of a connection would overlap the first.
        control.set_faults(account=account.id, latency="100-200")
        user = User.objects.create_user(f"owner{n}@example.com", "a long password 1")
        connections[connect(user, account.keys["restricted"]).pk] = account.id
    control.reset_stats()

    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    environment = rq_worker_environment(
        redis_url, CHARTIVO_REFRESH_SECONDS=str(INTERVAL), CHARTIVO_SCHEDULER_TICK_SECONDS="1"
    )

    def every_connection_refreshed() -> bool:
        # A refresh is a run after one that finished (not a continuation of a first sync).
        runs = sync_runs(logs)
        refreshes = Counter(
            after.connection
            for c in connections
            for before, after in itertools.pairwise(r for r in runs if r.connection == c)
            if not before.more_to_do
        )
        return len(refreshes) == ACCOUNTS and min(refreshes.values()) >= REFRESHES

    try:
        with (
            worker_process(logs[0], **environment) as first,
            worker_process(logs[1], **environment) as second,
        ):
            wait_for(
                every_connection_refreshed,
                f"{REFRESHES} refreshes of every connection",
                first,
                logs[0],
                timeout=90,  # generous: a busy machine starts processes slowly
            )
            stop(first)
            stop(second)
        stats = control.stats()
    finally:
        for account_id in connections.values():
            control.clear_faults(account=account_id)

    runs = sync_runs(logs)  # every line of both logs is checked to be one JSON object
    assert {run.log for run in runs} == {"worker-a.log", "worker-b.log"}, "one worker did all"
    for connection_id, account_id in connections.items():
        own = [run for run in runs if run.connection == connection_id]
        for before, after in itertools.pairwise(own):
            assert after.start >= before.end, f"connection {connection_id} synced twice at once"
            if before.more_to_do:  # its continuation (payouts left to reconcile), at once
                continue
            # Due one interval after a run ends; claimed at the next tick of either worker.
            assert INTERVAL - 0.5 <= after.start - before.end < 2 * INTERVAL, (before, after)
        # Every task taken ran a sync: none was queued again while one was pending.
        assert tasks_taken(logs).count(connection_id) == len(own)
        # Stripe's view: one events read per refresh (a first sync reads none), so no
        # hidden run of this connection read the account.
        events = sum(
            row["count"]
            for row in stats["rows"]
            if row["account"] == account_id and row["endpoint"].endswith("/v1/events")
        )
        assert events == len(own) - 1, (connection_id, events, len(own))
