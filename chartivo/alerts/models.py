"""Alert rules of an organisation, the breaches and recoveries they found, and the
messages that told someone about them.

A rule watches one headline figure (``chartivo.charts.dashboard.HEADLINES``) over a rolling
window that ends where the figures are complete (the last whole 15 minutes), on one of the
organisation's Stripe accounts or on all of them. Its state (``breached``) is what makes it
fire once per breach: an ``AlertEvent`` is written when the state changes, never while it
holds. Each event is told through the rule's channels, one ``AlertDelivery`` per channel
and recipient, claimed before it is sent so that no worker sends it twice.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.orgs.models import Organisation

ABOVE, BELOW, RISES, FALLS, UNUSUAL = "above", "below", "rises", "falls", "unusual"
# Unusual only when high: a spike of failures is news, an unusually quiet hour of them not.
UNUSUALLY_HIGH = "unusually_high"
JUDGED_BY_HISTORY = (UNUSUAL, UNUSUALLY_HIGH)
CONDITION_CHOICES = [
    (ABOVE, "is above"),
    (BELOW, "is below"),
    (RISES, "rises by more than (%) against the window before"),
    (FALLS, "falls by more than (%) against the window before"),
    (UNUSUAL, "is unusual for the weekday and hour"),
    (UNUSUALLY_HIGH, "is unusually high for the weekday and hour"),
]
HOUR, DAY, WEEK, MONTH = "hour", "day", "week", "month"
WINDOW_CHOICES = [
    (HOUR, "Last hour"),
    (DAY, "Last 24 hours"),
    (WEEK, "Last 7 days"),
    (MONTH, "Last 30 days"),
]
SLACK, SIGNED = "slack", "signed"
WEBHOOK_FORMAT_CHOICES = [
    (SLACK, "Slack-compatible incoming webhook"),
    (SIGNED, "JSON signed with HMAC-SHA256"),
]


class AlertRule(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="alert_rules"
    )
    # None: the organisation's accounts added together (each currency on its own).
    connection = models.ForeignKey(
        StripeConnection, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=32)  # a headline's key
    # Amounts are watched in one currency charged (lower case, as Stripe writes it).
    currency = models.CharField(max_length=3, blank=True)
    condition = models.CharField(max_length=16, choices=CONDITION_CHOICES)
    # In the figure's own unit: an amount in the currency's major unit, a count, a rate in
    # percent; for RISES and FALLS a change in percent; none for UNUSUAL and UNUSUALLY_HIGH.
    threshold = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    window = models.CharField(max_length=8, choices=WINDOW_CHOICES, default=DAY)
    # Whose weekday and hour an unusual value is judged by, and how times are written.
    time_zone = models.CharField(max_length=64, default="UTC")
    preset = models.CharField(max_length=32, blank=True)  # the ready-made rule it came from
    notify_email = models.BooleanField(default=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_format = models.CharField(max_length=8, choices=WEBHOOK_FORMAT_CHOICES, blank=True)
    # The signing secret of SIGNED webhooks, sealed (chartivo/lib/secretbox.py).
    webhook_secret_sealed = models.TextField(blank=True)
    daily_cap = models.PositiveSmallIntegerField(default=4)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # State, written only by the evaluation, with the row locked.
    breached = models.BooleanField(default=False)
    breached_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluated_cut = models.BigIntegerField(null=True, blank=True)  # Unix s: window's end
    # The last verdict, for the Alerts page: "breached", "ok", "no_history" (too few weeks
    # to tell what is usual), "no_data" (a rate with nothing to divide by), "" (not yet).
    # db_default: the previous release, still serving during a deploy, inserts without them.
    last_status = models.CharField(max_length=12, blank=True, default="", db_default="")
    last_value = models.CharField(max_length=64, blank=True, default="", db_default="")
    last_expected = models.CharField(max_length=96, blank=True, default="", db_default="")
    last_summary = models.CharField(max_length=300, blank=True, default="", db_default="")

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


FIRED, RECOVERED = "fired", "recovered"
EVENT_CHOICES = [(FIRED, "fired"), (RECOVERED, "recovered")]


class AlertEvent(models.Model):
    """A breach found, or its end: the figures in words, never an object."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=9, choices=EVENT_CHOICES)
    at = models.DateTimeField(default=timezone.now)
    window_start = models.BigIntegerField()  # Unix s
    window_end = models.BigIntegerField()  # Unix s: where the figures were complete
    value = models.CharField(max_length=64)  # "1.20%", "$1,234.00", "17"
    expected = models.CharField(max_length=96)  # "above 0.90%", "between 4 and 19"
    summary = models.CharField(max_length=300)
    # Over the rule's messages-per-day cap: recorded, shown in the log, not sent.
    capped = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["-at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["rule", "at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"


EMAIL, WEBHOOK = "email", "webhook"
CHANNEL_CHOICES = [(EMAIL, "E-mail"), (WEBHOOK, "Webhook")]
QUEUED, SENDING, SENT, RETRYING, FAILED, SKIPPED = (
    "queued",
    "sending",
    "sent",
    "retrying",
    "failed",
    "skipped",
)
STATE_CHOICES = [(s, s) for s in (QUEUED, SENDING, SENT, RETRYING, FAILED, SKIPPED)]


def new_idempotency_id() -> str:
    return secrets.token_hex(16)


class AlertDelivery(models.Model):
    """One event told through one channel to one recipient (a user, or the webhook).

    Written by ``chartivo.alerts.delivery`` only. ``attempt_log`` (``DeliveryAttempt``) holds
    one row per try, oldest first, for the delivery log page; ``idempotency_id`` is the
    random id a webhook body carries (``id``), the same on every retry of this delivery.
    """

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=8, choices=STATE_CHOICES, default=QUEUED)
    attempts = models.IntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # What the last attempt met: "HTTP 500", "timed out", an exception's class; never a
    # reply's text (it may quote what was sent).
    last_error = models.CharField(max_length=200, blank=True)
    # Random, not derived from a database id: a receiver can dedupe on it, and it tells
    # nothing about other organisations' alerts.
    idempotency_id = models.CharField(
        max_length=32, default=new_idempotency_id, db_default="", editable=False
    )

    class Meta:
        ordering: ClassVar = ["pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["event", "channel", "recipient"],
                name="one_delivery_per_recipient",
                nulls_distinct=False,
            )
        ]
        indexes: ClassVar = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} delivery of event {self.event_id}: {self.state}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery, for the delivery log: when, how long, what happened.

    ``outcome`` is "sent", "failed" (``error`` says why: "HTTP 500", "timed out", an
    exception's class, never a reply's text), "skipped" (``error`` says why: "no longer a
    recipient") or "interrupted" (the worker stopped while sending; whether it arrived is
    unknown). ``http_status`` is the webhook's answer, if any.
    """

    SENT, FAILED, SKIPPED, INTERRUPTED = "sent", "failed", "skipped", "interrupted"

    delivery = models.ForeignKey(
        AlertDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()  # 1 for the first try
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=12)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["delivery", "number", "pk"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.outcome}"
