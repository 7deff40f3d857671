"""Sync failures that people and operators can see: garbage from Stripe leaves a logged
exception (the key masked) and a clear card; a Stripe that hangs is shown as not
answering while the run waits; a key that no longer opens asks to be saved again.

The sandbox injects the faults; nothing here is mocked.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection as db
from django.test import Client

from chartivo.accounts.models import User
from chartivo.integrations.stripe.client import GARBLED
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.engine import SAVE_AGAIN, run_sync
from chartivo.integrations.stripe.sync.status import NOT_ANSWERING
from chartivo.lib.secretbox import Keyring, generate_key_entry
from tests.conftest import run_worker
from tests.faults.conftest import aggregates, refresh, synced
from tests.security.conftest import LogCapture

pytestmark = pytest.mark.django_db(transaction=True)


def _card(connection: StripeConnection) -> str:
    client = Client()
    client.force_login(connection.owner, backend="django.contrib.auth.backends.ModelBackend")
    return re.sub(r"\s+", " ", client.get("/integrations/").content.decode())


def test_garbage_from_stripe_is_logged_with_the_connection_and_said_on_the_card(
    faulty: Any, app_logs: LogCapture
) -> None:
    account = faulty.control.create_account(seed="faults-garbage", charges=100)
    key = account.keys["restricted"]
    connection = connect(User.objects.create_user("owner@example.com", "a long password 1"), key)
    faulty.control.set_faults(account=account.id, garbage_rate=1.0)
    run_worker()
    connection.refresh_from_db()

    assert connection.sync_error == GARBLED
    assert GARBLED in _card(connection)
    written = app_logs.written
    assert "sync.chain_failed" in written and "Traceback" in written
    assert f'"connection": {connection.pk}' in written  # the JSON line names it
    assert key not in written and key[-20:] not in written

    faulty.control.clear_faults(account=account.id)
    connection = refresh(connection)
    assert connection.sync_error == "" and connection.backfill_done_at is not None


def test_a_hanging_stripe_is_shown_as_not_answering_while_the_run_waits(
    faulty: Any, settings: Any
) -> None:
    account = faulty.control.create_account(seed="faults-hang", charges=100)
    connection = synced("owner@example.com", account.keys["restricted"])
    before = aggregates(connection)
    settings.SYNC_STALL_SECONDS = 1
    settings.STRIPE_TIMEOUT_SECONDS = 5
    settings.STRIPE_RETRIES = 0
    faulty.control.set_faults(account=account.id, latency="60000")  # a minute: a hang

    def run() -> None:
        try:
            run_sync(connection.pk)
        finally:
            db.close()

    worker = threading.Thread(target=run)
    worker.start()
    seen = False
    while worker.is_alive() and not seen:
        worker.join(0.25)
        seen = NOT_ANSWERING in _card(connection)
    worker.join()
    faulty.control.clear_faults(account=account.id)

    assert seen, "the card never said Stripe was not answering"
    connection.refresh_from_db()
    assert connection.sync_error.startswith("Stripe did not answer in time")
    assert aggregates(connection) == before


def test_a_key_sealed_under_a_removed_encryption_key_asks_to_be_saved_again(
    faulty: Any, settings: Any, app_logs: LogCapture
) -> None:
    account = faulty.control.create_account(seed="faults-keyring", charges=50)
    connection = synced("owner@example.com", account.keys["restricted"])
    settings.CHARTIVO_KEYRING = Keyring.parse([generate_key_entry("newer")])

    connection = refresh(connection)
    assert connection.sync_error == SAVE_AGAIN
    assert "Save your key again" in _card(connection)
    assert "sync.key_unreadable" in app_logs.written
