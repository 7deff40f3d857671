"""A worker killed mid-sync: its successor resumes from the checkpoints,
finishes with figures identical to an uninterrupted sync, and re-reads almost nothing.

Both workers are real ``chartivo worker`` processes on the test database; the first one
is killed with SIGKILL, so it gets no chance to clean up.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from chartivo.accounts.models import User
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection, SyncRange
from chartivo.metrics.models import Aggregate
from tests.faults.conftest import aggregates, synced
from tests.support.worker import worker_process

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(condition: Any, what: str, worker: Any, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()}")
        time.sleep(0.1)


def _requests(faulty: Any, account_id: str) -> int:
    return sum(r["count"] for r in faulty.control.stats()["rows"] if r["account"] == account_id)


def test_a_killed_workers_successor_resumes_and_counts_nothing_twice(
    faulty: Any, settings: Any, tmp_path: Path
) -> None:
    account = faulty.control.create_account(seed="faults-killed-worker", charges=1500)
    key = account.keys["restricted"]
    faulty.control.reset_stats()
    reference = aggregates(synced("reference@example.com", key))
    uninterrupted_requests = _requests(faulty, account.id)

    # Slow enough that the first sync takes a while: a tenth of the test-mode budget.
    settings.SYNC_LEASE_SECONDS = 3
    faulty.control.set_faults(account=account.id, latency="50-100")
    user = User.objects.create_user("owner@example.com", "a long password 1")
    connection = connect(user, key)
    faulty.control.reset_stats()
    log = tmp_path / "workers.log"
    with worker_process(log, CHARTIVO_STRIPE_BUDGET="5") as first:
        # Killed once some of its work is committed, and much is left.
        _wait_for(
            lambda: Aggregate.objects.filter(connection=connection).count() > 50,
            "the first worker to commit some aggregates",
            first,
            log,
        )
        first.kill()
        first.wait(timeout=10)
    connection.refresh_from_db()
    assert connection.backfill_done_at is None, "killed too late: the sync had finished"
    assert SyncRange.objects.filter(connection=connection).exists()

    with worker_process(log) as successor:
        # No one re-queues the killed task: the lease runs out, the scheduler notices.
        _wait_for(
            lambda: StripeConnection.objects.get(pk=connection.pk).backfill_done_at is not None,
            "the successor to finish the sync",
            successor,
            log,
        )
    assert aggregates(connection) == reference
    total = _requests(faulty, account.id)
    print(f"uninterrupted sync: {uninterrupted_requests} requests; killed + successor: {total}")
    # Resumed from checkpoints: at most the killed worker's requests in flight are repeated.
    assert total <= uninterrupted_requests + 12
