from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync import scheduler
from chartivo.metrics.models import Aggregate
from tests.conftest import run_worker
from tests.security.conftest import app_logs  # noqa: F401  (the fixture, for these tests too)

FIELDS = (
    "resource",
    "bucket",
    "currency",
    "dim1",
    "dim2",
    "count",
    "amount",
    "captured",
    "fee",
    "net",
)


def aggregates(connection: StripeConnection) -> list[tuple[Any, ...]]:
    """Every stored figure of a connection, in a comparable form."""
    return list(
        Aggregate.objects.filter(connection=connection).order_by(*FIELDS[:5]).values_list(*FIELDS)
    )


def synced(email: str, key: str) -> StripeConnection:
    """A user who saved ``key`` and whose first sync has run to the end."""
    user = User.objects.create_user(email, "a long password 1")
    connection = connect(user, key)
    run_worker()
    connection.refresh_from_db()
    return connection


def refresh(connection: StripeConnection) -> StripeConnection:
    """A refresh the way production runs one: due, queued by the scheduler, run by a worker."""
    StripeConnection.objects.filter(pk=connection.pk).update(next_run_at=timezone.now())
    assert scheduler.tick() >= 1
    run_worker()
    connection.refresh_from_db()
    return connection


@pytest.fixture
def faulty(stripe_api: Any) -> Any:
    """The sandbox; every fault and rate limit set through it is cleared afterwards."""
    yield stripe_api
    stripe_api.control.clear_faults()
    stripe_api.control.clear_rate_limits()
