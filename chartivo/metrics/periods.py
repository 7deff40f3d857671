"""Chart periods and date ranges in any IANA time zone, DST included.

A period is labelled by its start. Day, week and month periods start at the *first
instant* of their local date: local midnight, or, where a DST change skips midnight
(America/Havana, America/Santiago, historically Asia/Beirut), the instant the clocks jump
to, e.g. 01:00. A date the zone skips entirely (Pacific/Apia on 2011-12-30) has no period.
Hour periods are runs of one local date, hour and UTC offset: a fall-back night repeats
01:00 as two periods with different offsets, and a skipped hour has none.

All arithmetic is on integer Unix seconds. The zone is consulted through
``datetime.fromtimestamp`` only to find where its UTC offset changes; everything else is
wall-clock arithmetic on those offset segments: about four conversions per day of range.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Two years and a day: "same period last year" then reaches back far enough for a range
# up to a year long, leap days included. (A year of history could never hold a year-ago
# comparison: its first day is already 364 days back.)
MAX_HISTORY_DAYS = 731

DAY = 86_400
_EPOCH = date(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS_BACK = {"today": 0, "last_7_days": 6, "last_30_days": 29}
BUCKET = 900  # the aggregates' 15 minutes: every UTC offset in use is a multiple of them
# Sample the zone's offset this often and bisect between samples that differ. In tzdata
# (checked against 2026f, every zone, all years) offset changes are at least 7 days apart,
# so 6 hours cannot step over a change and back.
_SAMPLE = 6 * 3600
# Zone names that are real tzdata files but must not be chart zones: the server's own
# zone, the "-00" placeholder, and leap-second ("right/") zones, which count seconds that
# Unix time does not.
_REFUSED_ZONES = frozenset({"localtime", "Factory"})
_MAX_ZONE_NAME = 64  # the longest IANA name is ~32 characters


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"  # ISO week, starting Monday
    MONTH = "month"  # calendar month


class RangePreset(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"


class RangeError(ValueError):
    """A range or zone a user asked for that cannot be charted; the message says why."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    """The instants [start, end) of a chart, as aware UTC datetimes.

    ``so_far`` marks a range that ends now, in the middle of its last day.
    """

    start: datetime
    end: datetime
    so_far: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeRange needs aware datetimes")
        if self.end < self.start:
            raise ValueError("TimeRange ends before it starts")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))


@functools.cache
def _zone_names() -> frozenset[str]:
    names = available_timezones()  # walks the zone directories once, not per request
    return frozenset(n for n in names if n not in _REFUSED_ZONES and not n.startswith("right/"))


def parse_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; anything else raises ``RangeError``."""
    # Only names found in tzdata's own listing reach ZoneInfo, so user input never
    # becomes a file path (a relative path, an absolute one, "" and such are just unknown).
    if not isinstance(name, str) or len(name) > _MAX_ZONE_NAME or name not in _zone_names():
        shown = repr(name[:_MAX_ZONE_NAME]) if isinstance(name, str) else "(not a name)"
        raise RangeError(f"Unknown time zone {shown}: use an IANA name such as Europe/Paris.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # listed, yet unreadable
        raise RangeError(f"Time zone {name} is not available on this server.") from None


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in _zone_names()}


def canonical_zone(name: str) -> str | None:
    """The IANA zone a person meant, whatever the case they typed it in
    ("europe/paris" is Europe/Paris); None for no zone."""
    if not isinstance(name, str) or len(name) > _MAX_ZONE_NAME:
        return None
    return _zones_by_folded_name().get(name.strip().casefold())


def unix_seconds(moment: datetime) -> int:
    """``moment`` as whole Unix seconds (floored, exactly: no float)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return (moment - _EPOCH_UTC) // timedelta(seconds=1)


def _offset(zone: ZoneInfo, t: int) -> int:
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset // timedelta(seconds=1)


def offset_segments(zone: ZoneInfo, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Where ``zone``'s UTC offset changes in [lo, hi]: offset ``offs[i]`` holds from
    ``starts[i]`` (``starts[0]`` is ``lo`` itself). A year holds a handful of changes."""
    return _segments(zone, lo, hi)


def _sampled_segments(zone: ZoneInfo, lo: int, hi: int) -> tuple[list[int], list[int]]:
    starts, offs = [lo], [_offset(zone, lo)]
    t = lo
    while t < hi:
        probe = min(t + _SAMPLE, hi)
        if _offset(zone, probe) == offs[-1]:
            t = probe
            continue
        same, changed = t, probe  # bisect for the first second of the new offset
        while changed - same > 1:
            mid = (same + changed) // 2
            if _offset(zone, mid) == offs[-1]:
                same = mid
            else:
                changed = mid
        starts.append(changed)
        offs.append(_offset(zone, changed))
        t = changed
    return starts, offs


@functools.lru_cache(maxsize=4096)
def _changes_in_year(zone: ZoneInfo, year: int) -> tuple[tuple[int, int], ...]:
    """Every (instant, new offset) of ``zone`` in (Jan 1, next Jan 1] UTC of ``year``: a
    year's changes are looked for once per process, not once per chart."""
    first = (date(year, 1, 1) - _EPOCH).days * DAY
    last = (date(year + 1, 1, 1) - _EPOCH).days * DAY
    starts, offs = _sampled_segments(zone, first, last)
    return tuple(zip(starts[1:], offs[1:], strict=True))


def _segments(zone: ZoneInfo, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Where ``zone``'s offset changes in [lo, hi]: offset ``offs[i]`` holds from ``starts[i]``.

    ``starts[0]`` is ``lo`` itself, not a change.
    """
    starts, offs = [lo], [_offset(zone, lo)]
    first_year = (_EPOCH + timedelta(days=lo // DAY)).year
    last_year = (_EPOCH + timedelta(days=hi // DAY)).year
    for year in range(first_year - 1, last_year + 1):
        for instant, offset in _changes_in_year(zone, year):
            if lo < instant <= hi and offset != offs[-1]:
                starts.append(instant)
                offs.append(offset)
    return starts, offs


def _first_instant(wall: int, starts: list[int], offs: list[int], i: int) -> tuple[int, int]:
    """The first instant whose wall clock reads ``wall`` or later, searching from segment i.

    Returns (instant, segment); ``wall`` is local time as seconds since 1970-01-01 00:00.
    """
    while i + 1 < len(starts) and starts[i + 1] + offs[i] <= wall:
        i += 1  # the wall clock never reaches ``wall`` within segment i
    return max(starts[i], wall - offs[i]), i


def _label(day: date, granularity: Granularity) -> date:
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


def _next_label(label: date, granularity: Granularity) -> date:
    if granularity == Granularity.MONTH:
        return date(label.year + label.month // 12, label.month % 12 + 1, 1)
    return label + timedelta(days=7 if granularity == Granularity.WEEK else 1)


def _wall(label: date) -> int:
    return (label - _EPOCH).days * DAY


def _hour_starts(lo: int, hi: int, starts: list[int], offs: list[int]) -> list[int]:
    i = bisect_right(starts, lo) - 1
    t = (lo + offs[i]) // 3600 * 3600 - offs[i]
    if i > 0:
        t = max(t, starts[i])  # an hour cut short by an offset change starts at the change
    out: list[int] = []
    while t < hi:
        out.append(t)
        next_hour = ((t + offs[i]) // 3600 + 1) * 3600 - offs[i]
        if i + 1 < len(starts) and starts[i + 1] <= next_hour:
            i += 1
            t = starts[i]
        else:
            t = next_hour
    return out


def utc_period_starts(lo: int, hi: int, zone: ZoneInfo, granularity: Granularity) -> list[int]:
    """Unix starts of every period overlapping [lo, hi), in order; the first may precede lo."""
    granularity = Granularity(granularity)
    if hi <= lo:
        return []
    if granularity == Granularity.HOUR:
        starts, offs = _segments(zone, lo - 2 * 3600, hi)
        return _hour_starts(lo, hi, starts, offs)
    label = _label(datetime.fromtimestamp(lo, zone).date(), granularity)
    # Offsets never reach a day, so a day before the label's wall midnight is early enough.
    starts, offs = _segments(zone, _wall(label) - DAY, hi + DAY)
    begin, i = _first_instant(_wall(label), starts, offs, 0)
    out: list[int] = []
    while begin < hi:
        label = _next_label(label, granularity)
        end, i = _first_instant(_wall(label), starts, offs, i)
        if end > lo and end > begin:  # skip periods before lo and dates the zone skipped
            out.append(begin)
        begin = end
    return out


def periods(
    start: datetime, end: datetime, zone: ZoneInfo, granularity: Granularity
) -> list[datetime]:
    """Starts of every period overlapping [start, end), aware in ``zone``.

    The first may be before ``start``: a partial period, labelled by its true start.
    """
    starts = utc_period_starts(unix_seconds(start), unix_seconds(end), zone, granularity)
    # fromtimestamp sets ``fold`` so a repeated 01:00 keeps its own offset.
    return [datetime.fromtimestamp(t, zone) for t in starts]


def period_start(instant: datetime, zone: ZoneInfo, granularity: Granularity) -> datetime:
    """The start of the period containing ``instant``, aware in ``zone``."""
    t = unix_seconds(instant)
    return datetime.fromtimestamp(utc_period_starts(t, t + 1, zone, granularity)[0], zone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of local date ``day`` in ``zone``, in UTC (see the module doc)."""
    return local_instant(day, 0, zone)


def local_instant(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """The first instant whose wall clock in ``zone`` reads ``seconds`` after the start of
    local date ``day`` or later (a time the clocks skip starts where they jump to)."""
    wall = _wall(day) + seconds
    starts, offs = _segments(zone, wall - 2 * DAY, wall + DAY)
    return datetime.fromtimestamp(_first_instant(wall, starts, offs, 0)[0], UTC)


def resolve_range(
    preset: RangePreset,
    *,
    zone: ZoneInfo,
    now: datetime,
    history_days: int,
    custom_start: date | None = None,
    custom_end: date | None = None,
) -> TimeRange:
    """The instants a preset covers in ``zone`` at ``now``: local midnights to now.

    No range may start before the history window, the last ``history_days`` local
    calendar days including today: Chartivo holds no data before it.
    """
    preset = RangePreset(preset)
    if history_days < 1:
        raise ValueError("history_days must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now_utc = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    if preset == RangePreset.CUSTOM:
        if custom_start is None or custom_end is None:
            raise RangeError("Choose both a start date and an end date for a custom range.")
        if custom_end < custom_start:
            raise RangeError(
                f"The end date {custom_end:%Y-%m-%d} is before the start date "
                f"{custom_start:%Y-%m-%d}: choose an end on or after the start."
            )
        if custom_end > today:
            raise RangeError(
                f"The end date {custom_end:%Y-%m-%d} is after today ({today:%Y-%m-%d} in "
                f"{zone.key}): choose today or an earlier date."
            )
        first, last = custom_start, custom_end
    elif preset == RangePreset.THIS_MONTH:
        first, last = today.replace(day=1), today
    elif preset == RangePreset.YESTERDAY:
        first = last = today - timedelta(days=1)
    elif preset == RangePreset.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        first = last.replace(day=1)
    else:
        first, last = today - timedelta(days=_DAYS_BACK[preset]), today
    earliest = today - timedelta(days=history_days - 1)
    if first < earliest:
        raise RangeError(
            f"This range starts on {first:%Y-%m-%d}, but Chartivo keeps only the last "
            f"{history_days} days: choose a start on {earliest:%Y-%m-%d} or later "
            f"(an operator can keep up to {MAX_HISTORY_DAYS} days with CHARTIVO_HISTORY_DAYS)."
        )
    # The day after ``last`` starts after now when ``last`` is today: clip to now.
    next_midnight = local_midnight(last + timedelta(days=1), zone)
    if now_utc < next_midnight:
        return TimeRange(local_midnight(first, zone), now_utc, so_far=True)
    return TimeRange(local_midnight(first, zone), next_midnight)


def zone_names() -> list[str]:
    """Every zone ``parse_zone`` accepts, sorted: the New Chart page's suggestions."""
    return sorted(_zone_names())
