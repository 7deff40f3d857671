# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""Named time-zone cases: DST in both directions, odd offsets, midnights that don't exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from chartivo.metrics.periods import (
    Granularity,
    local_midnight,
    period_start,
    periods,
    utc_period_starts,
)

from .reference import hours_between

HOUR, DAY, WEEK, MONTH = Granularity.HOUR, Granularity.DAY, Granularity.WEEK, Granularity.MONTH


def iso(moments: list[datetime]) -> list[str]:
    return [m.isoformat() for m in moments]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_lengths(zone_name: str, first: str, last: str) -> dict[str, float]:
    """Hours in each local day from ``first`` to ``last`` inclusive."""
    zone = ZoneInfo(zone_name)
    start = local_midnight(datetime.fromisoformat(first).date(), zone)
    end = local_midnight(datetime.fromisoformat(last).date() + timedelta(days=1), zone)
    starts = periods(start, end, zone, DAY)
    bounds = [*starts, end.astimezone(zone)]
    return {s.date().isoformat(): hours_between(s, e) for s, e in pairwise(bounds)}


def hours(zone_name: str, start: str, end: str) -> list[str]:
    zone = ZoneInfo(zone_name)
    return iso(periods(at(start), at(end), zone, HOUR))


# --- America/New_York, 2026: spring forward Mar 8, fall back Nov 1 ---------------------


def test_new_york_days_of_23_and_25_hours():
    assert day_lengths("America/New_York", "2026-03-07", "2026-03-09") == {
        "2026-03-07": 24,
        "2026-03-08": 23,
        "2026-03-09": 24,
    }
    assert day_lengths("America/New_York", "2026-10-31", "2026-11-02") == {
        "2026-10-31": 24,
        "2026-11-01": 25,
        "2026-11-02": 24,
    }


def test_new_york_spring_forward_hour_does_not_exist():
    assert hours("America/New_York", "2026-03-08T00:00-05:00", "2026-03-08T04:00-04:00") == [
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T03:00:00-04:00",  # 02:00 never happens
    ]


def test_new_york_fall_back_hour_appears_twice():
    assert hours("America/New_York", "2026-11-01T00:00-04:00", "2026-11-01T03:00-05:00") == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T02:00:00-05:00",
    ]
    zone = ZoneInfo("America/New_York")
    first, second = at("2026-11-01T05:30Z"), at("2026-11-01T06:30Z")  # 01:30 EDT, 01:30 EST
    assert period_start(first, zone, HOUR).isoformat() == "2026-11-01T01:00:00-04:00"
    assert period_start(second, zone, HOUR).isoformat() == "2026-11-01T01:00:00-05:00"
    assert period_start(second, zone, HOUR).fold == 1  # the second 01:00 is the folded one
    assert len(periods(at("2026-11-01T04:00Z"), at("2026-11-02T05:00Z"), zone, HOUR)) == 25


def test_london():
    assert day_lengths("Europe/London", "2026-03-29", "2026-03-29") == {"2026-03-29": 23}
    assert day_lengths("Europe/London", "2026-10-25", "2026-10-25") == {"2026-10-25": 25}
    assert hours("Europe/London", "2026-03-29T00:00Z", "2026-03-29T03:00Z") == [
        "2026-03-29T00:00:00+00:00",
        "2026-03-29T02:00:00+01:00",
        "2026-03-29T03:00:00+01:00",  # 03:00Z, the range's end, is 04:00 BST: excluded
    ]
    zone = ZoneInfo("Europe/London")
    summer = periods(at("2026-07-15T12:00Z"), at("2026-07-16T12:00Z"), zone, DAY)
    assert iso(summer) == ["2026-07-15T00:00:00+01:00", "2026-07-16T00:00:00+01:00"]


@pytest.mark.parametrize(
    ("zone_name", "instant", "hour_start", "day_start"),
    [
        (
            "Asia/Kolkata",
            "2026-11-03T10:00Z",
            "2026-11-03T15:00:00+05:30",
            "2026-11-03T00:00:00+05:30",
        ),
        (
            "Asia/Kolkata",
            "2026-11-03T18:29Z",
            "2026-11-03T23:00:00+05:30",
            "2026-11-03T00:00:00+05:30",
        ),
        (
            "Asia/Kolkata",
            "2026-11-03T18:30Z",
            "2026-11-04T00:00:00+05:30",
            "2026-11-04T00:00:00+05:30",
        ),
        (
            "Asia/Kathmandu",
            "2026-11-03T10:00Z",
            "2026-11-03T15:00:00+05:45",
            "2026-11-03T00:00:00+05:45",
        ),
        (
            "Asia/Kathmandu",
            "2026-11-03T18:14Z",
            "2026-11-03T23:00:00+05:45",
            "2026-11-03T00:00:00+05:45",
        ),
        (
            "Asia/Kathmandu",
            "2026-11-03T18:15Z",
            "2026-11-04T00:00:00+05:45",
            "2026-11-04T00:00:00+05:45",
        ),
        (
            "Pacific/Chatham",
            "2026-07-01T00:00Z",
            "2026-07-01T12:00:00+12:45",
            "2026-07-01T00:00:00+12:45",
        ),
        (
            "Pacific/Chatham",
            "2026-12-01T00:00Z",
            "2026-12-01T13:00:00+13:45",
            "2026-12-01T00:00:00+13:45",
        ),
    ],
)
def test_quarter_hour_offsets(zone_name, instant, hour_start, day_start):
    zone = ZoneInfo(zone_name)
    assert period_start(at(instant), zone, HOUR).isoformat() == hour_start
    assert period_start(at(instant), zone, DAY).isoformat() == day_start


def test_lord_howe_half_hour_dst():
    # DST ends 2026-04-05 at 02:00 (+11:00), clocks go back to 01:30 (+10:30).
    assert hours("Australia/Lord_Howe", "2026-04-05T00:00+11:00", "2026-04-05T03:00+10:30") == [
        "2026-04-05T00:00:00+11:00",
        "2026-04-05T01:00:00+11:00",
        "2026-04-05T01:30:00+10:30",  # the repeated half hour, its own period
        "2026-04-05T02:00:00+10:30",
    ]
    # DST starts 2026-10-04 at 02:00 (+10:30), clocks jump to 02:30 (+11:00).
    assert hours("Australia/Lord_Howe", "2026-10-04T01:00+10:30", "2026-10-04T04:00+11:00") == [
        "2026-10-04T01:00:00+10:30",
        "2026-10-04T02:30:00+11:00",  # hour 02 exists only from 02:30: labelled by its start
        "2026-10-04T03:00:00+11:00",
    ]
    assert day_lengths("Australia/Lord_Howe", "2026-04-05", "2026-04-05") == {"2026-04-05": 24.5}
    assert day_lengths("Australia/Lord_Howe", "2026-10-04", "2026-10-04") == {"2026-10-04": 23.5}


def test_chatham_dst():
    # DST ends 2026-04-05 03:45 (+13:45) -> 02:45 (+12:45); starts 2026-09-27 02:45 -> 03:45.
    assert hours("Pacific/Chatham", "2026-04-05T02:00+13:45", "2026-04-05T04:00+12:45") == [
        "2026-04-05T02:00:00+13:45",
        "2026-04-05T03:00:00+13:45",
        "2026-04-05T02:45:00+12:45",  # hour 02 at the new offset: only 02:45-03:00
        "2026-04-05T03:00:00+12:45",
    ]
    assert hours("Pacific/Chatham", "2026-09-27T01:00+12:45", "2026-09-27T05:00+13:45") == [
        "2026-09-27T01:00:00+12:45",
        "2026-09-27T02:00:00+12:45",
        "2026-09-27T03:45:00+13:45",  # 02:45-03:45 never happens
        "2026-09-27T04:00:00+13:45",
    ]
    assert day_lengths("Pacific/Chatham", "2026-04-05", "2026-04-05") == {"2026-04-05": 25}
    assert day_lengths("Pacific/Chatham", "2026-09-27", "2026-09-27") == {"2026-09-27": 23}


# --- DST changes at midnight: the local midnight may not exist ---------------------------


@pytest.mark.parametrize(
    ("zone_name", "day", "first_instant", "hours_long"),
    [
        ("America/Havana", "2026-03-08", "2026-03-08T01:00:00-04:00", 23),
        ("America/Santiago", "2026-09-06", "2026-09-06T01:00:00-03:00", 23),
        ("Asia/Beirut", "2010-03-28", "2010-03-28T01:00:00+03:00", 23),
    ],
)
def test_skipped_midnight_starts_the_day_at_its_first_instant(
    zone_name, day, first_instant, hours_long
):
    zone = ZoneInfo(zone_name)
    date_ = datetime.fromisoformat(day).date()
    assert local_midnight(date_, zone).astimezone(zone).isoformat() == first_instant
    the_day = period_start(at(first_instant) + timedelta(hours=12), zone, DAY)
    assert the_day.isoformat() == first_instant
    # One second earlier is still the previous day (which ends at 23:59:59).
    before = period_start(at(first_instant) - timedelta(seconds=1), zone, DAY)
    assert before.date() == date_ - timedelta(days=1)
    assert day_lengths(zone_name, day, day) == {day: hours_long}
    assert period_start(at(first_instant), zone, HOUR).isoformat() == first_instant


def test_fall_back_at_midnight_repeats_the_last_hour_of_the_day():
    # Santiago 2026-04-04: 23:59:59 -03:00 -> 23:00 -04:00; Saturday lasts 25 hours.
    assert day_lengths("America/Santiago", "2026-04-04", "2026-04-05") == {
        "2026-04-04": 25,
        "2026-04-05": 24,
    }
    assert hours("America/Santiago", "2026-04-04T22:00-03:00", "2026-04-05T01:00-04:00") == [
        "2026-04-04T22:00:00-03:00",
        "2026-04-04T23:00:00-03:00",
        "2026-04-04T23:00:00-04:00",
        "2026-04-05T00:00:00-04:00",
    ]


def test_a_skipped_date_has_no_period():
    # Samoa crossed the date line: 2011-12-29 23:59:59 -10:00 was followed by 2011-12-31.
    zone = ZoneInfo("Pacific/Apia")
    days = periods(at("2011-12-28T00:00-10:00"), at("2012-01-02T00:00+14:00"), zone, DAY)
    assert [d.date().isoformat() for d in days] == [
        "2011-12-28",
        "2011-12-29",
        "2011-12-31",
        "2012-01-01",
    ]
    assert hours_between(days[1], days[2]) == 24


# --- Weeks (ISO, Monday) and months ---------------------------------------------------


def test_weeks_start_on_monday_across_a_month_boundary():
    zone = ZoneInfo("Europe/Paris")
    weeks = periods(at("2026-11-25T12:00Z"), at("2026-12-10T00:00Z"), zone, WEEK)
    assert iso(weeks) == [
        "2026-11-23T00:00:00+01:00",  # the partial first week, labelled by its true start
        "2026-11-30T00:00:00+01:00",
        "2026-12-07T00:00:00+01:00",
    ]
    assert all(w.weekday() == 0 for w in weeks)


def test_weeks_across_a_year_boundary():
    zone = ZoneInfo("America/New_York")
    weeks = periods(at("2026-12-24T00:00Z"), at("2027-01-12T00:00Z"), zone, WEEK)
    assert iso(weeks) == [
        "2026-12-21T00:00:00-05:00",
        "2026-12-28T00:00:00-05:00",  # ISO week 53 of 2026 straddles New Year
        "2027-01-04T00:00:00-05:00",
        "2027-01-11T00:00:00-05:00",
    ]
    # The week holding 2026-01-01 began on Monday 2025-12-29.
    first = period_start(at("2026-01-01T12:00Z"), zone, WEEK)
    assert first.isoformat() == "2025-12-29T00:00:00-05:00"


def test_week_with_a_dst_change_is_167_hours():
    zone = ZoneInfo("America/New_York")
    weeks = periods(at("2026-03-02T05:00Z"), at("2026-03-16T04:00Z"), zone, WEEK)
    assert iso(weeks) == ["2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00"]
    assert hours_between(weeks[0], weeks[1]) == 167


def test_months():
    zone = ZoneInfo("America/New_York")
    months = periods(at("2026-01-15T00:00Z"), at("2027-01-02T00:00Z"), zone, MONTH)
    assert [m.strftime("%Y-%m-%d %H:%M %z") for m in months] == [
        "2026-01-01 00:00 -0500",
        "2026-02-01 00:00 -0500",
        "2026-03-01 00:00 -0500",
        "2026-04-01 00:00 -0400",
        "2026-05-01 00:00 -0400",
        "2026-06-01 00:00 -0400",
        "2026-07-01 00:00 -0400",
        "2026-08-01 00:00 -0400",
        "2026-09-01 00:00 -0400",
        "2026-10-01 00:00 -0400",
        "2026-11-01 00:00 -0400",
        "2026-12-01 00:00 -0500",
        "2027-01-01 00:00 -0500",
    ]
    assert hours_between(months[2], months[3]) == 31 * 24 - 1  # March loses an hour
    assert hours_between(months[10], months[11]) == 30 * 24 + 1  # November gains one


def test_months_in_a_quarter_hour_zone():
    zone = ZoneInfo("Asia/Kathmandu")
    months = periods(at("2026-10-15T00:00Z"), at("2026-11-15T00:00Z"), zone, MONTH)
    assert iso(months) == ["2026-10-01T00:00:00+05:45", "2026-11-01T00:00:00+05:45"]


# --- Edges --------------------------------------------------------------------------


def test_empty_range_has_no_periods():
    zone = ZoneInfo("UTC")
    moment = at("2026-11-01T00:00Z")
    for granularity in Granularity:
        assert periods(moment, moment, zone, granularity) == []


def test_periods_accept_granularity_strings_and_any_aware_input_zone():
    zone = ZoneInfo("Asia/Tokyo")
    start = at("2026-11-01T00:00-04:00")  # not in the chart's zone: that is fine
    assert periods(start, start + timedelta(hours=1), zone, "day") == [  # type: ignore[arg-type]
        datetime(2026, 11, 1, tzinfo=zone)
    ]
    assert periods(start, start + timedelta(hours=1), zone, DAY)[0].tzinfo is zone


def test_naive_datetimes_are_refused():
    zone = ZoneInfo("UTC")
    with pytest.raises(ValueError, match="naive"):
        periods(datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC), zone, DAY)  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        period_start(datetime(2026, 1, 1), zone, DAY)  # noqa: DTZ001


def test_utc_period_starts_are_integers():
    starts = utc_period_starts(1_790_000_000, 1_790_000_000 + 3 * 86_400, ZoneInfo("UTC"), DAY)
    assert all(isinstance(s, int) and s % 86_400 == 0 for s in starts)
    assert len(starts) == 4  # partial first day, two whole ones, partial last
