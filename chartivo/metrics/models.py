"""The aggregate store and the payout checks: the only data Chartivo keeps about a
merchant's payments (totals, never an object)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from chartivo.integrations.stripe.models import StripeConnection


class Aggregate(models.Model):
    """Counts and sums of one resource's objects in one 15-minute UTC bucket.

    Keyed by currency and two breakdown values (e.g. a charge's status and card brand).
    Amounts are integers in the currency's minor unit, exactly as Stripe sends them.
    """

    connection = models.ForeignKey(StripeConnection, on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=32)
    bucket = models.BigIntegerField()  # Unix seconds, a multiple of 900
    currency = models.CharField(max_length=3, blank=True)
    dim1 = models.CharField(max_length=48, blank=True)
    dim2 = models.CharField(max_length=48, blank=True)
    count = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    captured = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField(default=0)
    # Of ``amount``: what Stripe has not yet moved into the balance (a charge authorised,
    # not yet captured), so not yet converted into the settlement currency.
    unconverted = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["connection", "resource", "bucket", "currency", "dim1", "dim2"],
                name="one_aggregate_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource}@{self.bucket} {self.currency} {self.dim1}/{self.dim2}"


class AggregateRollup(models.Model):
    """The aggregates of one resource summed over a whole UTC hour or day (``width``).

    Derived data: written by ``chartivo.metrics.rollups`` from the aggregates, in the same
    transaction as them, and read where a chart's period holds whole hours or days, so a
    year is read as hundreds of rows per key rather than tens of thousands.
    """

    connection = models.ForeignKey(StripeConnection, on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=32)
    width = models.IntegerField()  # seconds: 3600 or 86400
    bucket = models.BigIntegerField()  # Unix seconds, a multiple of width
    currency = models.CharField(max_length=3, blank=True)
    dim1 = models.CharField(max_length=48, blank=True)
    dim2 = models.CharField(max_length=48, blank=True)
    count = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    captured = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField(default=0)
    # Of ``amount``: what Stripe has not yet moved into the balance (a charge authorised,
    # not yet captured), so not yet converted into the settlement currency.
    unconverted = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["connection", "resource", "width", "bucket", "currency", "dim1", "dim2"],
                name="one_rollup_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource}@{self.bucket}/{self.width} {self.currency} {self.dim1}/{self.dim2}"


class PayoutCheck(models.Model):
    """Whether one paid payout ties out: the totals of the check, never the payout.

    A payout is known here only by its currency, the second it was created and the day it
    arrived (with its amount, that is how it is found in the Stripe Dashboard); no id of it
    or of its transactions is kept.
    """

    connection = models.ForeignKey(StripeConnection, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    created = models.BigIntegerField()  # Unix seconds
    arrival = models.BigIntegerField()  # Unix seconds: Stripe's ``arrival_date``
    amount = models.BigIntegerField()  # the payout's amount, minor units
    settled = models.BigIntegerField()  # Σ net of the transactions it paid out
    moved = models.BigIntegerField()  # how much its own transaction took from the balance
    transactions = models.IntegerField()  # how many it paid out

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["connection", "currency", "created", "arrival"],
                name="one_check_per_payout",
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["connection", "arrival"], name="metrics_pay_connect_idx")
        ]

    def __str__(self) -> str:
        return f"payout check {self.currency} {self.arrival}: {self.difference}"

    @property
    def difference(self) -> int:
        """How far the payout is from what it settled (0 when it ties out)."""
        return self.amount - self.settled

    @property
    def ties_out(self) -> bool:
        return self.settled == self.amount and self.moved == self.amount
