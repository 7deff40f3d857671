"""The database restarting under a syncing worker: PostgreSQL drops every
connection; the worker reconnects, the sync resumes from its last commit, and the figures
end identical to an uninterrupted sync. (SQLite is a file: it has no server to restart.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection as db

from chartivo.accounts.models import User
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.models import Aggregate
from tests.faults.conftest import aggregates, synced
from tests.faults.test_worker_killed import _wait_for
from tests.support.worker import worker_process

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(db.vendor != "postgresql", reason="needs a database server"),
]


def _drop_every_other_connection() -> int:
    """What a restart does to clients: every session of the database is terminated."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_a_database_restart_mid_sync_is_survived(
    faulty: Any, settings: Any, tmp_path: Path
) -> None:
    account = faulty.control.create_account(seed="faults-db-restart", charges=1500)
    key = account.keys["restricted"]
    reference = aggregates(synced("reference@example.com", key))

    settings.SYNC_LEASE_SECONDS = 3
    faulty.control.set_faults(account=account.id, latency="50-100")
    connection = connect(User.objects.create_user("owner@example.com", "a long password 1"), key)
    log = tmp_path / "worker.log"
    with worker_process(log, CHARTIVO_STRIPE_BUDGET="5") as worker:
        _wait_for(
            lambda: Aggregate.objects.filter(connection=connection).count() > 50,
            "some aggregates to be committed",
            worker,
            log,
        )
        assert _drop_every_other_connection() >= 1
        _wait_for(
            lambda: StripeConnection.objects.get(pk=connection.pk).backfill_done_at is not None,
            "the worker to finish the sync after reconnecting",
            worker,
            log,
        )
    assert aggregates(connection) == reference
