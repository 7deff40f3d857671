"""An organisation's Stripe connections (one per Stripe account and mode) and their sync
bookkeeping.

What is stored about Stripe: the key, sealed (``chartivo.lib.secretbox``); its mode and
last four characters for display; the Stripe account's own id and display name, to name
it on the card and to refuse the same account twice; which resources it may read; and
time checkpoints. Never a Stripe object, an object id, or anything about the merchant's
customers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from chartivo.orgs.access import home_organisation


class StripeConnection(models.Model):
    MODE_CHOICES: ClassVar = [("live", "Live"), ("test", "Sandbox")]

    # The organisation the connection belongs to. Empty only on rows the previous release
    # inserted during a deploy; ``save`` fills it from the member who saved the key.
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stripe_connections",
    )
    # The member who saved the key. The sealed key is bound to them (``seal_context``), so
    # a sealed key copied into another row does not open there.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_connections"
    )
    # The Stripe account the key belongs to ("acct_…") and its name in the Stripe
    # Dashboard, when Stripe tells them; empty when it does not.
    account_id = models.CharField(max_length=64, blank=True, db_default="")
    display_name = models.CharField(max_length=200, blank=True, db_default="")
    # The currencies the account settles in, lower case and comma-separated ("usd,eur"),
    # as Stripe told them when the key was saved: from the account itself where the key
    # may read it (``settlement_source`` "account"), else from its balance ("balance").
    # Only the codes are kept, never the account or the balance.
    settlement_currencies = models.CharField(max_length=200, blank=True, db_default="")
    settlement_source = models.CharField(max_length=8, blank=True, db_default="")
    sealed_key = models.TextField(editable=False)
    restricted = models.BooleanField()
    mode = models.CharField(max_length=4, choices=MODE_CHOICES)
    key_last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)

    # Sync state, as the Integrations card shows it.
    sync_started_at = models.DateTimeField(null=True, blank=True)
    backfill_done_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    sync_error = models.TextField(blank=True)  # in words a user can act on; never a key
    sync_error_at = models.DateTimeField(null=True, blank=True)
    # When a run started or last heard from Stripe: a run silent for longer than
    # CHARTIVO_SYNC_STALL_SECONDS is shown as "Stripe is not answering".
    progress_at = models.DateTimeField(null=True, blank=True)
    # Events created at or after this Unix second have not been read yet.
    events_since = models.BigIntegerField(null=True, blank=True)
    events_readable = models.BooleanField(default=False)
    # When a sync last changed a stored aggregate: computed figures stay valid until then,
    # however many refreshes found nothing new.
    figures_changed_at = models.DateTimeField(null=True, blank=True)

    # Scheduling: when the connection is next due, and who is syncing it now. A worker
    # takes the lease with a conditional UPDATE, so two never sync one account at once.
    next_run_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["next_run_at", "lease_until"])]

    def __str__(self) -> str:
        return f"Stripe connection {self.pk} ({self.get_mode_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.organisation_id is None and self.owner_id is not None:
            self.organisation_id = home_organisation(self.owner).organisation_id
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        """How the card and the account pickers name the account."""
        return self.display_name or self.account_id or f"Stripe account …{self.key_last4}"

    @property
    def mode_label(self) -> str:
        return "Live" if self.mode == "live" else "Sandbox"

    @property
    def masked_key(self) -> str:
        prefix = f"{'rk' if self.restricted else 'sk'}_{self.mode}_"
        return f"{prefix}{'•' * 8}{self.key_last4}"

    @property
    def seal_context(self) -> str:
        return seal_context(self.owner_id)


def seal_context(owner_id: int) -> str:
    # Binds the sealed key to its owner: copied into another user's row, it does not open.
    return f"stripe-key:user:{owner_id}"


class ResourceState(models.Model):
    """Per Stripe resource: may the key read it, and how far it is synced."""

    connection = models.ForeignKey(
        StripeConnection, on_delete=models.CASCADE, related_name="resource_states"
    )
    resource = models.CharField(max_length=32)
    readable = models.BooleanField(default=True)
    message = models.TextField(blank=True)  # what is wrong with this resource, for the user
    window_start = models.BigIntegerField(null=True, blank=True)
    backfill_span = models.BigIntegerField(default=0)  # seconds the first sync must cover
    backfilled = models.BooleanField(default=False)
    # Buckets at or after this Unix second are re-read at each refresh (the "tail").
    synced_until = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["connection", "resource"], name="one_state_per_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} of connection {self.connection_id}"


class SyncRange(models.Model):
    """A span of ``created`` time still to be read for one resource: [start, end).

    Ranges are aligned to the 15-minute aggregate buckets. ``end`` moves down as buckets
    are completed and their aggregates written, in the same transaction, so a worker that
    dies leaves a range its successor can resume without reading anything twice.
    """

    PURPOSES: ClassVar = [
        ("backfill", "First sync"),
        ("tail", "New objects"),
        ("reread", "Changes"),
    ]

    connection = models.ForeignKey(
        StripeConnection, on_delete=models.CASCADE, related_name="sync_ranges"
    )
    resource = models.CharField(max_length=32)
    start = models.BigIntegerField()
    end = models.BigIntegerField()
    purpose = models.CharField(max_length=8, choices=PURPOSES)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["connection", "resource"])]

    def __str__(self) -> str:
        return f"{self.resource} [{self.start}, {self.end}) {self.purpose}"
