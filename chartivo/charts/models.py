"""Saved charts (what to draw and how), an organisation's or one member's own, and each
user's dashboard range."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from chartivo.charts.query import FOLLOW_DASHBOARD, SPEC_FIELDS, ChartSpec, ViewRange, build_spec
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.periods import Granularity, RangePreset
from chartivo.metrics.windows import COMPARE_LABELS, Compare
from chartivo.orgs.access import home_organisation

RANGE_LABELS = [
    (RangePreset.TODAY.value, "Today"),
    (RangePreset.YESTERDAY.value, "Yesterday"),
    (RangePreset.LAST_7_DAYS.value, "Last 7 days"),
    (RangePreset.LAST_30_DAYS.value, "Last 30 days"),
    (RangePreset.THIS_MONTH.value, "This month"),
    (RangePreset.LAST_MONTH.value, "Last month"),
    (RangePreset.CUSTOM.value, "Custom"),
]
COMPARE_CHOICES = [(mode.value, label) for mode, label in COMPARE_LABELS.items()]


class Chart(models.Model):
    SOURCE_CHOICES: ClassVar = [("stripe", "Stripe")]
    METRIC_CHOICES: ClassVar = [(m.key, m.label) for m in METRICS.values()]
    RANGE_CHOICES: ClassVar = [(FOLLOW_DASHBOARD, "Dashboard range"), *RANGE_LABELS]
    GRANULARITY_CHOICES: ClassVar = [
        (Granularity.HOUR.value, "Hour"),
        (Granularity.DAY.value, "Day"),
        (Granularity.WEEK.value, "Week"),
        (Granularity.MONTH.value, "Month"),
    ]
    TYPE_CHOICES: ClassVar = [("line", "Line"), ("bar", "Bar"), ("area", "Area")]
    WIDTH_CHOICES: ClassVar = [("normal", "Normal"), ("wide", "Wide")]

    # The organisation whose accounts the chart draws. Empty only on rows the previous
    # release inserted during a deploy; ``save`` fills it from the chart's author.
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="charts"
    )
    # Who made the chart. A personal chart is seen by its author alone; the others by
    # every member of the organisation (a viewer's charts are always personal).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charts"
    )
    personal = models.BooleanField(default=False, db_default=False)
    # Which of the organisation's Stripe connections the chart draws; empty: all of them
    # (amounts added up within each currency, never across currencies).
    connection = models.ForeignKey(
        "stripe_integration.StripeConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
    compare = models.CharField(
        max_length=16,
        choices=COMPARE_CHOICES,
        default=Compare.NONE.value,
        db_default=Compare.NONE.value,
    )
    chart_type = models.CharField(max_length=8, choices=TYPE_CHOICES, default="line")
    # Home's order (smallest first) and how wide its card is.
    position = models.IntegerField(default=0, db_default=0)
    width = models.CharField(
        max_length=8, choices=WIDTH_CHOICES, default="normal", db_default="normal"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A deleted chart is kept for a while so that its deletion can be undone.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["position", "-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.organisation_id is None and self.owner_id is not None:
            self.organisation_id = home_organisation(self.owner).organisation_id
        super().save(*args, **kwargs)

    def spec(self) -> ChartSpec:
        return build_spec({name: getattr(self, name) for name in SPEC_FIELDS})


class DashboardPreference(models.Model):
    """The range, zone and comparison Home shows a user, remembered between visits."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference"
    )
    range_preset = models.CharField(
        max_length=16, choices=RANGE_LABELS, default=RangePreset.LAST_7_DAYS.value
    )
    custom_start = models.DateField(null=True, blank=True)
    custom_end = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    compare = models.CharField(
        max_length=16, choices=COMPARE_CHOICES, default=Compare.PREVIOUS_PERIOD.value
    )

    def __str__(self) -> str:
        return f"Dashboard of {self.user_id}"

    def view(self) -> ViewRange:
        return ViewRange(
            self.range_preset, self.custom_start, self.custom_end, self.time_zone, self.compare
        )
