"""Share links: a chart or the dashboard (headline figures and cards), read-only, at an unguessable
address, exactly as they were shared (range, zone, currency view, comparison, account).

Only a hash of the link's token is stored (``tokens.py``): the address is shown once, when
the link is made, and a lost link is replaced by a new one. A link belongs to the
organisation; it ends when revoked, when it expires, when its chart is deleted, and when
its maker leaves the organisation (``signals.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from chartivo.charts.models import COMPARE_CHOICES, RANGE_LABELS
from chartivo.charts.query import ViewRange


class ShareLink(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="share_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The chart shared; empty: the dashboard (headline figures and chart cards).
    chart = models.ForeignKey(
        "charts.Chart", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the token, hex: a leaked table opens no link.
    token_digest = models.CharField(max_length=64, unique=True)
    # The view shared: the range, zone and comparison, the currency view, the account.
    range_preset = models.CharField(max_length=16, choices=RANGE_LABELS)
    custom_start = models.DateField(null=True, blank=True)
    custom_end = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    compare = models.CharField(max_length=16, choices=COMPARE_CHOICES)
    granularity = models.CharField(max_length=8, blank=True)
    currency_view = models.CharField(max_length=16, blank=True)
    account = models.CharField(max_length=16, blank=True)  # a connection id, "all" or ""
    # The viewer may pick another range (within the history kept); zone and view stay.
    viewer_may_change_range = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    password_hash = models.CharField(max_length=256, blank=True)  # Django's password hashers
    # Values built from fewer than ``min_objects`` objects are hidden (0 objects show 0).
    hide_small_counts = models.BooleanField(default=True)
    min_objects = models.PositiveSmallIntegerField(default=3)
    # Origins that may show the link in an iframe, one per line; none: nowhere.
    embed_origins = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"share link {self.pk} of {self.organisation_id}"

    @property
    def title(self) -> str:
        return self.chart.name if self.chart is not None else "Dashboard"

    def view(self) -> ViewRange:
        return ViewRange(
            self.range_preset, self.custom_start, self.custom_end, self.time_zone, self.compare
        )

    def origins(self) -> list[str]:
        return [line.strip() for line in self.embed_origins.splitlines() if line.strip()]

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def active(self, now: datetime | None = None) -> bool:
        chart_gone = self.chart is not None and self.chart.deleted_at is not None
        return self.revoked_at is None and not self.expired(now) and not chart_gone
