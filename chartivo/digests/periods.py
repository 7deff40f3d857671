"""Which period a digest covers and when it is due: pure calendar arithmetic.

A digest covers the last *complete* period in the user's own zone — yesterday, last ISO
week (Monday to Sunday) or last calendar month — and is due at ``SEND_HOUR`` local time on
the first day after it: every morning, on Mondays, on the 1st. The dashboard link and the
figures use the same range, so the digest shows what Home shows for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chartivo.charts.query import ViewRange
from chartivo.digests.models import DAILY, MONTHLY, WEEKLY
from chartivo.metrics.periods import RangePreset, local_instant
from chartivo.metrics.windows import Compare

SEND_HOUR = 8
# On the 1st at 08:00, last month's first day is up to 31 days back: the history kept must
# reach it (CHARTIVO_HISTORY_DAYS counts today as its first day).
MONTHLY_HISTORY_DAYS = 32
_NOUNS = {DAILY: "day", WEEKLY: "week", MONTHLY: "month"}


@dataclass(frozen=True)
class DigestPeriod:
    frequency: str
    first: date
    last: date

    @property
    def noun(self) -> str:
        return _NOUNS[self.frequency]

    @property
    def title(self) -> str:
        if self.frequency == DAILY:
            return f"{self.first:%A %-d %B %Y}"
        if self.frequency == MONTHLY:
            return f"{self.first:%B %Y}"
        return f"week of Monday {self.first:%-d %B %Y}"

    def view_range(self, zone: str, compare: Compare) -> ViewRange:
        """The dashboard's range for this period. A month is Home's "Last month", so that
        it is compared with the month before (a custom range would be compared with as
        many days before); a day or a week is a custom range of its dates."""
        if self.frequency == MONTHLY:
            return ViewRange(RangePreset.LAST_MONTH.value, None, None, zone, compare.value)
        return ViewRange(RangePreset.CUSTOM.value, self.first, self.last, zone, compare.value)


def period_ending_before(frequency: str, today: date) -> DigestPeriod:
    """The last complete period before local date ``today``."""
    if frequency == DAILY:
        day = today - timedelta(days=1)
        return DigestPeriod(frequency, day, day)
    if frequency == WEEKLY:
        monday = today - timedelta(days=today.weekday() + 7)
        return DigestPeriod(frequency, monday, monday + timedelta(days=6))
    if frequency == MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return DigestPeriod(frequency, last.replace(day=1), last)
    raise ValueError(f"not a digest frequency: {frequency!r}")


def due_at(period: DigestPeriod, zone: ZoneInfo) -> datetime:
    """``SEND_HOUR`` o'clock local time on the first day after the period (in UTC)."""
    return local_instant(period.last + timedelta(days=1), SEND_HOUR * 3600, zone)


def latest_due(frequency: str, zone: ZoneInfo, now: datetime) -> tuple[DigestPeriod, datetime]:
    """The newest period whose digest is due at ``now`` or earlier, and when it was due."""
    today = now.astimezone(zone).date()
    period = period_ending_before(frequency, today)
    due = due_at(period, zone)
    if due > now:  # today's send time is still ahead: the period before is the latest due
        period = period_ending_before(frequency, period.first)
        due = due_at(period, zone)
    return period, due


def period_starting(frequency: str, first: date) -> DigestPeriod:
    """The period of ``frequency`` whose first day is ``first``."""
    if frequency == DAILY:
        return DigestPeriod(frequency, first, first)
    if frequency == WEEKLY:
        return DigestPeriod(frequency, first, first + timedelta(days=6))
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return DigestPeriod(frequency, first, following - timedelta(days=1))
