"""Saving, replacing and removing an organisation's Stripe keys: checked before they are
saved, sealed when stored, and replaced or removed with everything synced from them.

An organisation connects any number of Stripe accounts, each once per mode: a key of an
account (and mode) already connected is refused, naming the account, unless it replaces
that very connection.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from chartivo.accounts.models import User
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.catalogue import RESOURCES
from chartivo.integrations.stripe.client import seal_key
from chartivo.integrations.stripe.keys import KeyFormatError, parse_key
from chartivo.integrations.stripe.models import ResourceState, StripeConnection
from chartivo.integrations.stripe.probe import EVENTS, ProbeResult, probe_key
from chartivo.integrations.stripe.sync import schedule
from chartivo.integrations.stripe.sync.plan import EVENTS_OVERLAP
from chartivo.integrations.stripe.tasks import sync_connection
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import Organisation

SECRET_KEY_WARNING = (
    "You saved a full secret key (sk_…). Chartivo only reads, so a restricted key with Read "  # noqa: S105
    "permissions is safer: create one in the Stripe Dashboard and save it here instead."
)


class AlreadyConnectedError(KeyFormatError):
    """The key's Stripe account is connected already, in the same mode."""


def already_connected(connection: StripeConnection) -> str:
    named = connection.account_id
    if connection.display_name:
        named = f"{connection.display_name} ({connection.account_id})"
    return (
        f"The Stripe account {named} is already connected in {connection.mode_label} mode. "
        "Use Replace on its row to save a new key for it."
    )


def _same_account(
    organisation: Organisation, probe: ProbeResult, mode: str, replacing: int | None
) -> StripeConnection | None:
    if not probe.account_id:
        return None  # Stripe did not name it: nothing to compare
    twins = StripeConnection.objects.filter(
        organisation=organisation, account_id=probe.account_id, mode=mode
    )
    return twins.exclude(pk=replacing).first() if replacing else twins.first()


@sensitive_variables("raw_key", "parsed")
def connect(
    user: User,
    raw_key: str,
    *,
    organisation: Organisation | None = None,
    replacing: StripeConnection | None = None,
    add: bool = False,
) -> StripeConnection:
    """Checks the key with Stripe, then stores it sealed for ``organisation`` (by default
    the user's first): as a new account when ``add``, in place of ``replacing``, or else
    in place of the organisation's only connection (as the Save of the first account
    always did).

    Raises ``KeyFormatError`` (``AlreadyConnectedError`` for an account connected already)
    or ``StripeCallError``, with a message for the form, before anything is stored.
    """
    organisation = organisation or home_organisation(user).organisation
    parsed = parse_key(raw_key)
    probe = probe_key(parsed.secret)
    with transaction.atomic():
        # Saves in one organisation take turns (a double-clicked Save sends several at
        # once): without its row locked, two could each find no connection of the account
        # and both insert one.
        list(
            Organisation.objects.select_for_update()
            .filter(pk=organisation.pk)
            .values_list("pk", flat=True)
        )
        # The connections' rows are locked before their children, as a sync's writes do.
        current = list(
            StripeConnection.objects.select_for_update()
            .filter(organisation=organisation)
            .order_by("pk")
        )
        old = _replaced(current, replacing, add=add)
        twin = _same_account(organisation, probe, parsed.mode, old.pk if old else None)
        if twin is not None:
            raise AlreadyConnectedError(already_connected(twin))
        charts: list[int] = []
        if old is not None:
            # Charts of the replaced account draw the new key's: the same place on the card.
            charts = list(Chart.objects.filter(connection=old).values_list("pk", flat=True))
            # A new key replaces the old one, and the old key's aggregates go with it.
            StripeConnection.objects.filter(pk=old.pk).delete()
        connection = StripeConnection.objects.create(
            organisation=organisation,
            owner=user,
            sealed_key=seal_key(parsed.secret, owner_id=user.pk),
            restricted=parsed.restricted,
            mode=parsed.mode,
            key_last4=parsed.last4,
            account_id=probe.account_id,
            display_name=probe.display_name,
            settlement_currencies=",".join(probe.settlement_currencies),
            settlement_source=probe.settlement_source,
            events_readable=probe.readable.get(EVENTS, False),
            events_since=int(time.time()) - EVENTS_OVERLAP,
            # Queued below: claimed, so the scheduler does not queue it again.
            next_run_at=schedule.claim_until(timezone.now()),
        )
        Chart.objects.filter(pk__in=charts).update(connection=connection)
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


def _replaced(
    current: list[StripeConnection], replacing: StripeConnection | None, *, add: bool
) -> StripeConnection | None:
    if add:
        return None
    if replacing is not None:
        return next((c for c in current if c.pk == replacing.pk), None)
    return current[0] if len(current) == 1 else None


def disconnect(
    user: User, *, organisation: Organisation | None = None, connection_id: int | None = None
) -> bool:
    """Removes one connection (``connection_id``), or every one of the organisation."""
    organisation = organisation or home_organisation(user).organisation
    with transaction.atomic():
        chosen = StripeConnection.objects.filter(organisation=organisation)
        if connection_id is not None:
            chosen = chosen.filter(pk=connection_id)
        list(chosen.select_for_update().values("pk"))
        deleted, _ = chosen.delete()
    return deleted > 0
