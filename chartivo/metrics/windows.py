"""What a chart or a headline figure covers beyond its range: the granularities that fit
it, where "so far" is cut, and the range it is compared with.

Rules (written out for users in docs/metrics.md):

- **Granularities that fit.** A chart has at least two periods (one point is not a
  trend) and at most ``MAX_PERIODS`` per series, so that the work and the bytes of one
  request stay bounded: hourly up to 31 days, daily up to about two years.
- **So far.** A range that ends now is compared up to the end of its last complete
  15-minute bucket (at 14:52, up to 14:45): aggregates are 15-minute buckets, so that is
  the latest moment both sides of a comparison can be cut at exactly.
- **Like for like.** The comparison range starts as many local days (or calendar months,
  or one year) earlier and, when the range is in progress, is cut at the same local time
  of day on the matching day: today so far against yesterday up to the same time, this
  month so far against last month up to the same day and time.
- **Never a made-up zero.** A comparison that would start before the history window is
  not drawn; the message says how to keep more history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chartivo.metrics.periods import (
    BUCKET,
    MAX_HISTORY_DAYS,
    Granularity,
    RangePreset,
    TimeRange,
    local_instant,
    local_midnight,
    unix_seconds,
    utc_period_starts,
)

MAX_PERIODS = 744  # 31 days by the hour
_ORDER = (Granularity.HOUR, Granularity.DAY, Granularity.WEEK, Granularity.MONTH)


class Compare(StrEnum):
    NONE = "none"
    PREVIOUS_PERIOD = "previous_period"
    PREVIOUS_YEAR = "previous_year"


COMPARE_LABELS = {
    Compare.NONE: "No comparison",
    Compare.PREVIOUS_PERIOD: "Previous period",
    Compare.PREVIOUS_YEAR: "Same period last year",
}


def period_count(time_range: TimeRange, zone: ZoneInfo, granularity: Granularity) -> int:
    lo, hi = unix_seconds(time_range.start), unix_seconds(time_range.end)
    if hi <= lo:
        return 0
    if granularity == Granularity.HOUR:
        # Hours are listed (a day may have 23 or 25), unless there are far too many: a
        # year has 8,760.
        if (hi - lo) // 3600 > 2 * MAX_PERIODS:
            return MAX_PERIODS + 1
        return len(utc_period_starts(lo, hi, zone, granularity))
    # Days, weeks and months are counted on the calendar, from the first and last day.
    first = time_range.start.astimezone(zone).date()
    last = datetime.fromtimestamp(hi - 1, zone).date()
    if granularity == Granularity.DAY:
        return (last - first).days + 1
    if granularity == Granularity.WEEK:
        return (
            last - timedelta(days=last.weekday()) - first + timedelta(days=first.weekday())
        ).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def granularities_for(time_range: TimeRange, zone: ZoneInfo) -> list[Granularity]:
    """The granularities a range can be drawn at: two periods or more, and no more than
    ``MAX_PERIODS``; for a range too short for two of any, the hour alone."""
    fitting = []
    for granularity in _ORDER:
        count = period_count(time_range, zone, granularity)
        if 2 <= count <= MAX_PERIODS:
            fitting.append(granularity)
    return fitting or [Granularity.HOUR]


def nearest_granularity(wanted: Granularity, offered: list[Granularity]) -> Granularity:
    """``wanted`` if offered, else the offered one closest to it (the finer on a tie)."""
    if wanted in offered:
        return wanted
    rank = _ORDER.index(wanted)
    return min(offered, key=lambda g: (abs(_ORDER.index(g) - rank), _ORDER.index(g)))


def so_far_cut(time_range: TimeRange) -> datetime:
    """Where a range is cut for comparisons: its end, or for a range in progress the end
    of its last complete 15-minute bucket (never before the range's start)."""
    if not time_range.so_far:
        return time_range.end
    end = unix_seconds(time_range.end)
    return max(time_range.start, datetime.fromtimestamp(end - end % BUCKET, UTC))


def history_message(what: str, first: date, history_days: int) -> str:
    more = (
        f"An operator can keep up to {MAX_HISTORY_DAYS} days with CHARTIVO_HISTORY_DAYS."
        if history_days < MAX_HISTORY_DAYS
        else f"{MAX_HISTORY_DAYS} days is the most Chartivo keeps."
    )
    return (
        f"No comparison with the {what}: it starts on {first:%Y-%m-%d}, and Chartivo keeps "
        f"only the last {history_days} days. {more}"
    )


@dataclass(frozen=True)
class Unavailable:
    """A comparison that cannot be drawn, and why (in words a user can act on)."""

    message: str


@dataclass(frozen=True)
class Compared:
    """A comparison: the current range cut like for like, and the range it is set against."""

    current: TimeRange
    previous: TimeRange


def _month_back(day: date, months: int) -> date:
    """The same day ``months`` earlier, or the last day of that month if it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    first = date(year, month + 1, 1)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first.replace(day=min(day.day, (following - first).days))


def _shifted_days(
    preset: RangePreset, mode: Compare, first: date, last: date
) -> tuple[date, date, bool]:
    """The comparison's first and last local day, and whether its last day is whole
    (the current range is in progress, but the matching day is cut short by its month)."""
    if mode == Compare.PREVIOUS_YEAR:
        return _month_back(first, 12), _month_back(last, 12), False
    if preset in (RangePreset.THIS_MONTH, RangePreset.LAST_MONTH):
        previous_first = _month_back(first, 1)
        if preset == RangePreset.LAST_MONTH:
            return previous_first, first - timedelta(days=1), False
        month_end = first - timedelta(days=1)
        matching = previous_first + timedelta(days=last.day - 1)
        if matching > month_end:  # the 31st so far against a 30-day month: all of it
            return previous_first, month_end, True
        return previous_first, matching, False
    days = (last - first).days + 1
    return first - timedelta(days=days), last - timedelta(days=days), False


def compared_range(
    preset: RangePreset,
    time_range: TimeRange,
    *,
    zone: ZoneInfo,
    mode: Compare,
    history_days: int,
    now: datetime,
) -> Compared | Unavailable | None:
    """The range ``time_range`` is compared with, like for like; None without comparison."""
    if mode == Compare.NONE:
        return None
    current_end = so_far_cut(time_range)
    first = time_range.start.astimezone(zone).date()
    last_instant = time_range.end - timedelta(seconds=1) if not time_range.so_far else current_end
    last = max(first, last_instant.astimezone(zone).date())
    previous_first, previous_last, whole_last = _shifted_days(preset, mode, first, last)
    earliest = now.astimezone(zone).date() - timedelta(days=history_days - 1)
    if previous_first < earliest:
        return Unavailable(
            history_message(COMPARE_LABELS[mode].lower(), previous_first, history_days)
        )
    if time_range.so_far and not whole_last:
        wall = current_end.astimezone(zone)  # the same time of day, on the wall clock
        seconds = wall.hour * 3600 + wall.minute * 60 + wall.second
        end = local_instant(previous_last, seconds, zone)
    else:
        end = local_midnight(previous_last + timedelta(days=1), zone)
    start = local_midnight(previous_first, zone)
    return Compared(TimeRange(time_range.start, current_end), TimeRange(start, max(start, end)))
