"""A saved chart: what to draw (metric, measure, breakdown) and how (range, zone, type)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.periods import Granularity, RangePreset


class Chart(models.Model):
    SOURCE_CHOICES: ClassVar = [("stripe", "Stripe")]
    METRIC_CHOICES: ClassVar = [(m.key, m.label) for m in METRICS.values()]
    RANGE_CHOICES: ClassVar = [
        (RangePreset.TODAY.value, "Today"),
        (RangePreset.LAST_7_DAYS.value, "Last 7 days"),
        (RangePreset.LAST_30_DAYS.value, "Last 30 days"),
        (RangePreset.THIS_MONTH.value, "This month"),
        (RangePreset.CUSTOM.value, "Custom"),
    ]
    GRANULARITY_CHOICES: ClassVar = [
        (Granularity.HOUR.value, "Hour"),
        (Granularity.DAY.value, "Day"),
        (Granularity.WEEK.value, "Week"),
        (Granularity.MONTH.value, "Month"),
    ]
    TYPE_CHOICES: ClassVar = [("line", "Line"), ("bar", "Bar")]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charts"
    )
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default="stripe")
    metric = models.CharField(max_length=32, choices=METRIC_CHOICES)
    measure = models.CharField(max_length=32)
    breakdown = models.CharField(max_length=32, blank=True)
    range_preset = models.CharField(max_length=16, choices=RANGE_CHOICES, default="last_30_days")
    custom_start = models.DateField(null=True, blank=True)
    custom_end = models.DateField(null=True, blank=True)
    granularity = models.CharField(max_length=8, choices=GRANULARITY_CHOICES, default="day")
    time_zone = models.CharField(max_length=64, default="UTC")
    chart_type = models.CharField(max_length=8, choices=TYPE_CHOICES, default="line")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.name
