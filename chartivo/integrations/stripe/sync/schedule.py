"""When each connection syncs next, and who is syncing it now: the one owner of both.

Two columns of ``StripeConnection`` hold the state:

- ``next_run_at``: when the connection is due. A scheduler *claims* a due connection by
  moving it to ``claim_until(now)`` with a conditional UPDATE, so among workers ticking at
  once exactly one queues it; a run then moves it on after success or after an error.
- ``lease_until``/``lease_token``: the worker syncing it now. Taken with a conditional
  UPDATE and renewed at every write; a worker that dies stops renewing, its lease runs out
  and the next one takes over.

Works the same on SQLite and PostgreSQL and across machines: the database decides.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chartivo.integrations.stripe.models import StripeConnection

# After Stripe was unreachable or rate limited, the next try comes sooner than a refresh.
RETRY_SOON_SECONDS = 60
SOON_KINDS = frozenset({"unavailable", "rate_limited", ""})


class LeaseLostError(Exception):
    """Another worker holds the connection now, or it was removed: stop writing."""


def lease_free(now: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def claim_until(now: datetime) -> datetime:
    """Until a queued task starts (or if it is lost), the connection is not due again."""
    return now + timedelta(seconds=2 * settings.SYNC_LEASE_SECONDS)


def due(now: datetime, limit: int) -> list[tuple[int, bool]]:
    """(connection id, first sync done) of connections due and not being synced: fair
    between organisations (``by_turns``), and within each the oldest first."""
    rows = (
        StripeConnection.objects.filter(lease_free(now), next_run_at__lte=now)
        .order_by("next_run_at", "pk")
        .values_list("pk", "backfill_done_at", "organisation_id")[:limit]
    )
    return [(pk, done is not None) for pk, done, _ in by_turns(list(rows))]


Row = tuple[int, datetime | None, int | None]


def by_turns(rows: list[Row]) -> list[Row]:
    """The due connections queued in turns of organisations: each organisation's oldest
    one, then each one's second, and so on (organisations in the order of their oldest).
    Tasks run in the order queued, so an organisation with fifty accounts due does not
    put all fifty ahead of another organisation's one; each account still syncs on its
    own Stripe budget, as each is a Stripe account of its own."""
    turns: dict[int | None, list[Row]] = {}
    for row in rows:
        turns.setdefault(row[2], []).append(row)
    queued: list[Row] = []
    depth = max((len(group) for group in turns.values()), default=0)
    for turn in range(depth):
        queued.extend(group[turn] for group in turns.values() if turn < len(group))
    return queued


def claim(connection_id: int, now: datetime) -> bool:
    return bool(
        StripeConnection.objects.filter(pk=connection_id, next_run_at__lte=now).update(
            next_run_at=claim_until(now)
        )
    )


def acquire(connection_id: int, *, queued_at: datetime | None = None) -> str | None:
    """Takes the lease; None when another worker holds it, or when a run queued at
    ``queued_at`` has nothing left to do.

    A task can wait in the queue longer than its claim (a long queue of first syncs); the
    connection then becomes due again and a second task is queued. Whichever starts first
    syncs; when the other starts, a run has finished since it was queued and the
    connection is not due: it ends without asking Stripe anything.
    """
    now = timezone.now()
    token = secrets.token_hex(16)
    needed = Q()
    if queued_at is not None:
        needed = (
            Q(last_synced_at__isnull=True)
            | Q(last_synced_at__lte=queued_at)
            | Q(next_run_at__lte=now)
        )
    taken = StripeConnection.objects.filter(lease_free(now), needed, pk=connection_id).update(
        lease_until=now + timedelta(seconds=settings.SYNC_LEASE_SECONDS), lease_token=token
    )
    return token if taken else None


def renew(connection_id: int, token: str) -> None:
    """Call first in every write transaction of a run: it locks the connection's row before
    any of its children, the same order as deleting a connection (connect.py), so the two
    cannot deadlock; and a removed or taken-over connection stops the run here."""
    until = timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    if not StripeConnection.objects.filter(pk=connection_id, lease_token=token).update(
        lease_until=until
    ):
        raise LeaseLostError


def release(connection_id: int, token: str) -> None:
    StripeConnection.objects.filter(pk=connection_id, lease_token=token).update(
        lease_until=None, lease_token=""
    )


def after_success(
    connection_id: int, *, finished: bool, backfill_done: bool, now: datetime
) -> None:
    """A run read what it could. ``finished``: nothing left to read, the next run is the
    regular refresh; otherwise its continuation is queued by the task, and this only
    catches a lost one."""
    fields: dict[str, object] = {"sync_error": "", "sync_error_at": None, "progress_at": now}
    if finished:
        fields["last_synced_at"] = now
        fields["next_run_at"] = now + timedelta(seconds=settings.REFRESH_SECONDS)
        if backfill_done:
            fields["backfill_done_at"] = now
    else:
        fields["next_run_at"] = claim_until(now)
    StripeConnection.objects.filter(pk=connection_id).update(**fields)


def after_error(connection_id: int, message: str, *, kind: str, now: datetime) -> None:
    """A run stopped on ``message`` (shown on the card); Stripe being away is tried again
    soon, anything the user must fix at the next refresh."""
    retry = RETRY_SOON_SECONDS if kind in SOON_KINDS else settings.REFRESH_SECONDS
    StripeConnection.objects.filter(pk=connection_id).update(
        sync_error=message,
        sync_error_at=now,
        next_run_at=now + timedelta(seconds=retry),
    )


def progressed(connection_id: int, now: datetime) -> None:
    StripeConnection.objects.filter(pk=connection_id).update(progress_at=now)


def stalled(connection: StripeConnection, now: datetime) -> bool:
    """A run holds the connection, and nothing came from Stripe for the configured time."""
    held = connection.lease_until is not None and connection.lease_until >= now
    since = connection.progress_at
    limit = timedelta(seconds=settings.SYNC_STALL_SECONDS)
    return held and since is not None and now - since > limit
