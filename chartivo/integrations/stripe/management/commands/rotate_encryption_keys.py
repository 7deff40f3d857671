"""Re-seals every stored Stripe key under the newest operator key, so an old
operator key can be retired.

Run after putting a new key first in ``CHARTIVO_ENCRYPTION_KEYS``; once it reports that
nothing is left under an older key, that key can be removed from the list.

Each row is re-sealed in its own short transaction, under a row lock, so the command can
run while the app serves and syncs, and can be interrupted and run again. A row that does
not open (its key id was already removed from the list, or it was tampered with) is left
as it is and named by id; the command then fails, so a deployment script notices.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from chartivo.integrations.stripe.client import open_key, seal_key
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.lib.secretbox import DecryptionError, Keyring


class Command(BaseCommand):
    help = "Re-encrypt every stored Stripe key under the newest encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        keyring: Keyring = settings.CHARTIVO_KEYRING
        rotated = current = 0
        unopened: list[int] = []
        for pk in StripeConnection.objects.values_list("pk", flat=True).iterator():
            outcome = _reseal(pk, keyring)
            if outcome == "rotated":
                rotated += 1
            elif outcome == "current":
                current += 1
            elif outcome == "unopened":
                unopened.append(pk)
        self.stdout.write(
            f"Re-encrypted {rotated} stored key(s) under {keyring.current_id!r}; "
            f"{current} already were."
        )
        if unopened:
            ids = ", ".join(str(pk) for pk in unopened)
            raise CommandError(
                f"{len(unopened)} stored key(s) could not be opened with the configured "
                f"encryption keys (connections {ids}): put back the key they were sealed "
                "under and run this again, or ask their owners to save their Stripe key anew."
            )


@sensitive_variables("secret")
def _reseal(pk: int, keyring: Keyring) -> str:
    """``rotated``, ``current``, ``unopened``, or ``gone`` (removed meanwhile)."""
    with transaction.atomic():
        connection = StripeConnection.objects.select_for_update().filter(pk=pk).first()
        if connection is None:
            return "gone"
        if keyring.key_id_of(connection.sealed_key) == keyring.current_id:
            return "current"
        try:
            secret = open_key(connection)
        except DecryptionError:
            return "unopened"
        connection.sealed_key = seal_key(secret, owner_id=connection.owner_id)
        connection.save(update_fields=["sealed_key"])
        return "rotated"
