"""Scheduling state (sync/schedule.py): due, claim, lease and outcomes, on the test
database only; a connection removed mid-run ends the run quietly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.integrations.stripe.models import ResourceState, StripeConnection
from chartivo.integrations.stripe.sync import schedule
from chartivo.integrations.stripe.sync.engine import run_sync
from chartivo.integrations.stripe.sync.status import NOT_ANSWERING, status_of

pytestmark = pytest.mark.django_db


def _connection(email: str = "schedule@example.com") -> StripeConnection:
    owner = User.objects.create_user(email, "a long password 1")
    return StripeConnection.objects.create(
        owner=owner, sealed_key="x", restricted=True, mode="test", key_last4="abcd"
    )


def test_a_due_connection_is_claimed_once_and_not_due_again_until_the_claim_ends(
    settings: Any,
) -> None:
    settings.SYNC_LEASE_SECONDS = 60
    connection = _connection()
    now = timezone.now()
    assert schedule.due(now, 10) == [(connection.pk, False)]
    assert schedule.claim(connection.pk, now)
    assert not schedule.claim(connection.pk, now)
    assert schedule.due(now + timedelta(seconds=119), 10) == []
    assert schedule.due(now + timedelta(seconds=121), 10) == [(connection.pk, False)]


def test_a_leased_connection_is_not_due_and_its_lease_is_held_by_one_worker() -> None:
    connection = _connection()
    token = schedule.acquire(connection.pk)
    assert token is not None and schedule.acquire(connection.pk) is None
    assert schedule.due(timezone.now(), 10) == []
    schedule.renew(connection.pk, token)
    with pytest.raises(schedule.LeaseLostError):
        schedule.renew(connection.pk, "someone else's")
    schedule.release(connection.pk, token)
    assert schedule.acquire(connection.pk) is not None


def test_a_task_queued_twice_syncs_once(settings: Any) -> None:
    # A first task waits in the queue past its claim; the scheduler queues a second one.
    settings.REFRESH_SECONDS = 300
    connection = _connection()
    first_queued = timezone.now()
    second_queued = first_queued + timedelta(seconds=130)
    token = schedule.acquire(connection.pk, queued_at=first_queued)
    assert token is not None  # never synced: the run is needed
    schedule.release(connection.pk, token)
    schedule.after_success(
        connection.pk, finished=True, backfill_done=True, now=second_queued + timedelta(seconds=1)
    )
    assert schedule.acquire(connection.pk, queued_at=second_queued) is None
    # Queued after the last run, or due again (the next refresh): it syncs.
    token = schedule.acquire(connection.pk, queued_at=second_queued + timedelta(seconds=2))
    assert token is not None
    schedule.release(connection.pk, token)
    StripeConnection.objects.filter(pk=connection.pk).update(next_run_at=timezone.now())
    assert schedule.acquire(connection.pk, queued_at=second_queued) is not None


def test_outcomes_set_the_next_run_and_what_the_card_says(settings: Any) -> None:
    settings.REFRESH_SECONDS = 300
    connection = _connection()
    now = timezone.now()
    schedule.after_error(connection.pk, "Stripe is down.", kind="unavailable", now=now)
    connection.refresh_from_db()
    assert connection.sync_error == "Stripe is down."
    assert connection.next_run_at == now + timedelta(seconds=schedule.RETRY_SOON_SECONDS)
    schedule.after_error(connection.pk, "Rejected.", kind="rejected", now=now)
    connection.refresh_from_db()
    assert connection.next_run_at == now + timedelta(seconds=300)
    schedule.after_success(connection.pk, finished=True, backfill_done=True, now=now)
    connection.refresh_from_db()
    assert connection.sync_error == "" and connection.last_synced_at == now
    assert connection.backfill_done_at == now
    assert connection.next_run_at == now + timedelta(seconds=300)


def test_a_run_that_hears_nothing_for_the_stall_time_is_shown_as_not_answering(
    settings: Any,
) -> None:
    settings.SYNC_STALL_SECONDS = 60
    connection = _connection()
    now = timezone.now()
    StripeConnection.objects.filter(pk=connection.pk).update(
        lease_until=now + timedelta(seconds=30), progress_at=now - timedelta(seconds=61)
    )
    connection.refresh_from_db()
    assert schedule.stalled(connection, now)
    assert status_of(connection).error == NOT_ANSWERING
    StripeConnection.objects.filter(pk=connection.pk).update(lease_until=None)
    connection.refresh_from_db()
    assert not schedule.stalled(connection, now)  # no run going: nothing is waiting


def test_a_connection_removed_before_its_run_ends_the_run_quietly() -> None:
    connection = _connection()
    connection_id = connection.pk
    connection.delete()
    assert run_sync(connection_id) is None


def test_due_connections_are_queued_in_turns_of_organisations() -> None:
    # An agency's three accounts come due before a founder's one: the founder's is queued
    # second, not fourth.
    agency = [_connection("agency@example.com")]
    for _ in range(2):
        agency.append(
            StripeConnection.objects.create(
                owner=agency[0].owner,
                sealed_key="x",
                restricted=True,
                mode="test",
                key_last4="abcd",
            )
        )
    founder = _connection("founder@example.com")
    now = timezone.now()
    for offset, connection in enumerate([*agency, founder]):
        StripeConnection.objects.filter(pk=connection.pk).update(
            next_run_at=now - timedelta(minutes=10 - offset)
        )
    queued = [pk for pk, _ in schedule.due(now, 10)]
    assert queued == [agency[0].pk, founder.pk, agency[1].pk, agency[2].pk]
    assert schedule.by_turns([]) == []


def test_a_resource_added_after_the_first_sync_fills_in_without_unsyncing_the_rest() -> None:
    # An upgrade that reads a new resource, or a permission added later: the figures
    # already there stay "synced" (and cached); only the new resource's metrics wait.
    connection = _connection("later@example.com")
    StripeConnection.objects.filter(pk=connection.pk).update(
        backfill_done_at=timezone.now(), last_synced_at=timezone.now()
    )
    ResourceState.objects.create(
        connection=connection, resource="charges", backfilled=True, window_start=0
    )
    ResourceState.objects.create(
        connection=connection, resource="payouts", window_start=0, backfill_span=86400
    )
    connection.refresh_from_db()
    status = status_of(connection)
    assert status.state == "synced"
    assert status.metric_syncing("charges") is None
    assert status.metric_syncing("payouts") is not None
