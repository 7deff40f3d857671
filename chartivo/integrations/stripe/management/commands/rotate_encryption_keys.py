"""Re-seals every stored Stripe key under the newest operator key (SPEC §4.1).

Run after putting a new key first in ``CHARTIVO_ENCRYPTION_KEYS``; once it reports that
nothing is left under an older key, that key can be removed from the list.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from chartivo.integrations.stripe.models import StripeConnection


class Command(BaseCommand):
    help = "Re-encrypt every stored Stripe key under the newest encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        keyring = settings.CHARTIVO_KEYRING
        rotated = current = 0
        for pk in StripeConnection.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                connection = StripeConnection.objects.select_for_update().filter(pk=pk).first()
                if connection is None:
                    continue
                if keyring.key_id_of(connection.sealed_key) == keyring.current_id:
                    current += 1
                    continue
                secret = keyring.open(connection.sealed_key, context=connection.seal_context)
                connection.sealed_key = keyring.seal(secret, context=connection.seal_context)
                del secret
                connection.save(update_fields=["sealed_key"])
                rotated += 1
        self.stdout.write(
            f"Re-encrypted {rotated} stored key(s) under {keyring.current_id!r}; "
            f"{current} already were."
        )
