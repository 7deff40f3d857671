"""Who is syncing a connection right now: a lease taken with a conditional UPDATE.

Works the same on SQLite and PostgreSQL and across machines: the database decides. A
worker that dies simply stops renewing; its lease runs out and the next one takes over.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chartivo.integrations.stripe.models import StripeConnection


class LeaseLostError(Exception):
    """Another worker holds the connection now; this one must stop writing."""


def _free(now: object) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def acquire(connection_id: int) -> str | None:
    now = timezone.now()
    token = secrets.token_hex(16)
    taken = StripeConnection.objects.filter(_free(now), pk=connection_id).update(
        lease_until=now + timedelta(seconds=settings.SYNC_LEASE_SECONDS), lease_token=token
    )
    return token if taken else None


def renew(connection_id: int, token: str) -> None:
    until = timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    if not StripeConnection.objects.filter(pk=connection_id, lease_token=token).update(
        lease_until=until
    ):
        raise LeaseLostError


def release(connection_id: int, token: str) -> None:
    StripeConnection.objects.filter(pk=connection_id, lease_token=token).update(
        lease_until=None, lease_token=""
    )
