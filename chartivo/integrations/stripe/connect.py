"""Saving, replacing and removing a user's Stripe key: checked before it is saved, sealed
when stored, and replaced or removed with everything synced from it."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from chartivo.accounts.models import User
from chartivo.integrations.stripe.catalogue import RESOURCES
from chartivo.integrations.stripe.client import seal_key
from chartivo.integrations.stripe.keys import parse_key
from chartivo.integrations.stripe.models import ResourceState, StripeConnection
from chartivo.integrations.stripe.probe import EVENTS, probe_key
from chartivo.integrations.stripe.sync import schedule
from chartivo.integrations.stripe.sync.plan import EVENTS_OVERLAP
from chartivo.integrations.stripe.tasks import sync_connection

SECRET_KEY_WARNING = (
    "You saved a full secret key (sk_…). Chartivo only reads, so a restricted key with Read "  # noqa: S105
    "permissions is safer: create one in the Stripe Dashboard and save it here instead."
)


@sensitive_variables("raw_key", "parsed")
def connect(owner: User, raw_key: str) -> StripeConnection:
    """Checks the key with Stripe, then stores it sealed, replacing any previous one.

    Raises ``KeyFormatError`` or ``StripeCallError`` (with a message for the form) before
    anything is stored.
    """
    parsed = parse_key(raw_key)
    probe = probe_key(parsed.secret)
    with transaction.atomic():
        # Saves of one owner take turns (a double-clicked Save sends several at once):
        # without the owner's row locked, two could each find no connection and both
        # insert one, and the second would break the one-connection-per-owner constraint.
        list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
        # One Stripe account per Chartivo account: a new key replaces the old one, and the
        # old key's aggregates go with it (cascade).
        # The connection's row is locked before its children, as a sync's writes do.
        list(StripeConnection.objects.select_for_update().filter(owner=owner).values("pk"))
        StripeConnection.objects.filter(owner=owner).delete()
        connection = StripeConnection.objects.create(
            owner=owner,
            sealed_key=seal_key(parsed.secret, owner_id=owner.pk),
            restricted=parsed.restricted,
            mode=parsed.mode,
            key_last4=parsed.last4,
            events_readable=probe.readable.get(EVENTS, False),
            events_since=int(time.time()) - EVENTS_OVERLAP,
            # Queued below: claimed, so the scheduler does not queue it again.
            next_run_at=schedule.claim_until(timezone.now()),
        )
        ResourceState.objects.bulk_create(
            ResourceState(
                connection=connection,
                resource=key,
                readable=probe.readable[key],
                message=probe.problems.get(key, ""),
            )
            for key in RESOURCES
        )
        transaction.on_commit(lambda: sync_connection.enqueue(connection.pk))
    return connection


def disconnect(owner: User) -> bool:
    with transaction.atomic():
        list(StripeConnection.objects.select_for_update().filter(owner=owner).values("pk"))
        deleted, _ = StripeConnection.objects.filter(owner=owner).delete()
    return deleted > 0
