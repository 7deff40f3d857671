"""A slow, independent statement of which period an instant belongs to.

It converts every instant with ``datetime.fromtimestamp`` and reads the local calendar:
no offset segments, no bisecting, nothing shared with ``chartivo.metrics.periods``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from chartivo.metrics.periods import Granularity


def local(t: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(t, UTC).astimezone(zone)


def label_of(moment: datetime, granularity: Granularity) -> tuple[object, ...]:
    """The calendar identity of the period holding ``moment`` (aware, in the chart's zone).

    Hours carry their UTC offset: the two 01:00s of a fall-back night are two periods.
    """
    day: date = moment.date()
    if granularity == Granularity.HOUR:
        return (day, moment.hour, moment.utcoffset())
    if granularity == Granularity.DAY:
        return (day,)
    if granularity == Granularity.WEEK:
        return (day - timedelta(days=day.weekday()),)
    return (day.year, day.month)


def label_at(t: int, zone: ZoneInfo, granularity: Granularity) -> tuple[object, ...]:
    return label_of(local(t, zone), granularity)


def hours_between(a: datetime, b: datetime) -> float:
    # Same-zone aware datetimes subtract by wall clock in Python: compare in UTC.
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds() / 3600
