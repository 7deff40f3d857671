"""A connection whose Stripe hangs holds one of a worker's slots, never the queue: the
other connections' refreshes go on beside it. A real ``chartivo worker`` process with two
slots (CHARTIVO_WORKER_SLOTS), its scheduler queuing both refreshes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from chartivo.integrations.stripe.models import StripeConnection
from tests.faults.conftest import synced
from tests.support.worker import worker_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_hung_refresh_does_not_hold_up_another_connections(faulty: Any, tmp_path: Path) -> None:
    hung_account = faulty.control.create_account(seed="faults-slot-hung", charges=50)
    well_account = faulty.control.create_account(seed="faults-slot-well", charges=50)
    hung = synced("hung@example.com", hung_account.keys["restricted"])
    well = synced("well@example.com", well_account.keys["restricted"])
    faulty.control.set_faults(account=hung_account.id, latency="120000")
    StripeConnection.objects.filter(pk=hung.pk).update(next_run_at=timezone.now())
    log = tmp_path / "worker.log"
    with worker_process(log, CHARTIVO_WORKER_SLOTS="2") as worker:
        # The hung connection's refresh is taken first: its run holds one slot.
        deadline = time.monotonic() + 60
        while StripeConnection.objects.get(pk=hung.pk).lease_until is None:
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        before = StripeConnection.objects.get(pk=well.pk).last_synced_at
        StripeConnection.objects.filter(pk=well.pk).update(next_run_at=timezone.now())
        deadline = time.monotonic() + 60
        while StripeConnection.objects.get(pk=well.pk).last_synced_at == before:
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        still_hung = StripeConnection.objects.get(pk=hung.pk)
    faulty.control.clear_faults(account=hung_account.id)
    assert still_hung.lease_until is not None  # the hung run was still waiting meanwhile
