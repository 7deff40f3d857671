"""Who gets which digest, when, and which digests went out.

``MailPreference`` is a user's own (not an organisation's): their time zone, shown in
their profile, and how often they want the digest. ``DigestDelivery`` is one digest of one
user for one period; its row is inserted before anything is queued and claimed before
anything is sent, so however many workers tick or restart, a digest goes out at most once.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

NONE, DAILY, WEEKLY, MONTHLY = "none", "daily", "weekly", "monthly"
FREQUENCY_CHOICES = [
    (DAILY, "Daily"),
    (WEEKLY, "Weekly, on Monday"),
    (MONTHLY, "Monthly, on the 1st"),
    (NONE, "None"),
]
FREQUENCIES = (DAILY, WEEKLY, MONTHLY)


class MailPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preference"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    digest = models.CharField(max_length=8, choices=FREQUENCY_CHOICES, default=WEEKLY)
    # Digests are due from this instant on (made, or the frequency changed): a period that
    # ended before someone subscribed is not sent to them out of the blue.
    digest_since = models.DateTimeField(default=timezone.now)
    # Alert e-mails of the organisations' rules (chartivo/alerts): on until turned off here
    # or by an alert's one-click unsubscribe link.
    # db_default: the previous release, still serving during a deploy, inserts without it.
    alerts = models.BooleanField(default=True, db_default=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["digest", "time_zone"])]

    def __str__(self) -> str:
        return f"mail preference of {self.user_id}"


QUEUED, SENDING, SENT, FAILED, SKIPPED = "queued", "sending", "sent", "failed", "skipped"
STATE_CHOICES = [(s, s) for s in (QUEUED, SENDING, SENT, FAILED, SKIPPED)]


class DigestDelivery(models.Model):
    """One user's digest for one period (its first local date, in the user's zone)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    frequency = models.CharField(max_length=8)
    period_start = models.DateField()
    time_zone = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=STATE_CHOICES, default=QUEUED)
    # Which scheduler tick inserted the row: that tick, and only it, queues its task.
    batch = models.CharField(max_length=32, blank=True)
    attempts = models.IntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When its task was last queued: one lost from the queue is queued again after a while.
    queued_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_start"], name="one_digest_per_period"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["state", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.frequency} digest of {self.user_id} from {self.period_start}"
