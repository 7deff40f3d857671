# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""resolve_range for every preset and every refusal; parse_zone refuses anything not IANA."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chartivo.metrics import periods as periods_module
from chartivo.metrics.periods import (
    RangeError,
    RangePreset,
    TimeRange,
    parse_zone,
    resolve_range,
    zone_names,
)

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 8, 30, 15, tzinfo=UTC)  # 03:30 EST on Wednesday, Nov 25


def resolve(preset, zone=NEW_YORK, now=NOW, history_days=30, **custom):
    return resolve_range(preset, zone=zone, now=now, history_days=history_days, **custom)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("preset", "start"),
    [
        (RangePreset.TODAY, "2026-11-25T00:00-05:00"),
        (RangePreset.LAST_7_DAYS, "2026-11-19T00:00-05:00"),
        (RangePreset.LAST_30_DAYS, "2026-10-27T00:00-04:00"),  # before the fall back: EDT
        (RangePreset.THIS_MONTH, "2026-11-01T00:00-04:00"),
    ],
)
def test_presets(preset, start):
    time_range = resolve(preset)
    assert time_range == TimeRange(utc(start), NOW)
    assert time_range.so_far, "a range that ends now is in progress"
    assert time_range.start.tzinfo is UTC and time_range.end.tzinfo is UTC
    assert resolve(str(preset)) == time_range  # plain strings from a form work too


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        (RangePreset.YESTERDAY, "2026-11-24T00:00-05:00", "2026-11-25T00:00-05:00"),
        (RangePreset.LAST_MONTH, "2026-10-01T00:00-04:00", "2026-11-01T00:00-04:00"),
    ],
)
def test_whole_past_presets(preset, start, end):
    time_range = resolve(preset, history_days=60)
    assert time_range == TimeRange(utc(start), utc(end))
    assert not time_range.so_far


def test_last_month_needs_the_history_to_reach_its_first_day():
    with pytest.raises(RangeError, match="CHARTIVO_HISTORY_DAYS"):
        resolve(RangePreset.LAST_MONTH, history_days=30)


def test_custom_range_is_inclusive_of_both_dates():
    time_range = resolve("custom", custom_start=date(2026, 11, 1), custom_end=date(2026, 11, 2))
    assert time_range == TimeRange(utc("2026-11-01T00:00-04:00"), utc("2026-11-03T00:00-05:00"))
    one_day = resolve("custom", custom_start=date(2026, 11, 1), custom_end=date(2026, 11, 1))
    assert one_day.end - one_day.start == (
        utc("2026-11-02T00:00-05:00") - utc("2026-11-01T00:00-04:00")
    )


def test_custom_range_ending_today_is_clipped_to_now():
    time_range = resolve("custom", custom_start=date(2026, 11, 20), custom_end=date(2026, 11, 25))
    assert time_range == TimeRange(utc("2026-11-20T00:00-05:00"), NOW)


def test_custom_range_may_start_on_the_first_day_of_the_window():
    time_range = resolve("custom", custom_start=date(2026, 10, 27), custom_end=date(2026, 10, 27))
    assert time_range.start == utc("2026-10-27T00:00-04:00")


def test_today_follows_the_zone_not_utc():
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: at 12:00Z it is already Nov 26
    noon = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert resolve("today", zone=kiritimati, now=noon).start == utc("2026-11-26T00:00+14:00")
    honolulu = ZoneInfo("Pacific/Honolulu")  # UTC-10: still Nov 24 there
    assert resolve("today", zone=honolulu).start == utc("2026-11-24T00:00-10:00")


def test_custom_range_from_a_day_without_midnight():
    havana = ZoneInfo("America/Havana")
    now = datetime(2026, 3, 20, tzinfo=UTC)
    time_range = resolve(
        "custom", zone=havana, now=now, custom_start=date(2026, 3, 8), custom_end=date(2026, 3, 8)
    )
    assert time_range == TimeRange(utc("2026-03-08T01:00-04:00"), utc("2026-03-09T00:00-04:00"))


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        ({}, "Choose both a start date and an end date"),
        ({"custom_start": date(2026, 11, 1)}, "Choose both a start date and an end date"),
        ({"custom_end": date(2026, 11, 1)}, "Choose both a start date and an end date"),
        (
            {"custom_start": date(2026, 11, 10), "custom_end": date(2026, 11, 9)},
            "The end date 2026-11-09 is before the start date 2026-11-10",
        ),
        (
            {"custom_start": date(2026, 10, 26), "custom_end": date(2026, 11, 9)},
            "keeps only the last 30 days: choose a start on 2026-10-27 or later",
        ),
        (
            {"custom_start": date(2026, 11, 20), "custom_end": date(2026, 11, 26)},
            "The end date 2026-11-26 is after today (2026-11-25 in America/New_York)",
        ),
    ],
)
def test_custom_range_errors(custom, message):
    with pytest.raises(RangeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve("custom", **custom)


def test_a_preset_longer_than_the_history_window_is_refused():
    with pytest.raises(RangeError, match="keeps only the last 7 days"):
        resolve("last_30_days", history_days=7)
    assert resolve("last_7_days", history_days=7).start == utc("2026-11-19T00:00-05:00")


def test_programming_errors_are_not_range_errors():
    with pytest.raises(ValueError, match="history_days"):
        resolve("today", history_days=0)
    with pytest.raises(ValueError, match="aware"):
        resolve("today", now=datetime(2026, 11, 25))  # noqa: DTZ001
    with pytest.raises(ValueError):
        resolve("last_year")
    with pytest.raises(ValueError, match="aware"):
        TimeRange(datetime(2026, 1, 1), NOW)  # noqa: DTZ001
    with pytest.raises(ValueError, match="before it starts"):
        TimeRange(NOW, utc("2026-01-01T00:00Z"))


def test_time_range_is_normalised_to_utc_and_frozen():
    time_range = TimeRange(
        datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 2, tzinfo=NEW_YORK)
    )
    assert time_range.start == utc("2026-11-01T00:00-04:00") and time_range.start.tzinfo is UTC
    with pytest.raises(AttributeError):
        time_range.start = NOW  # type: ignore[misc]


@pytest.mark.parametrize(
    "name",
    [
        "UTC",
        "America/New_York",
        "Asia/Kathmandu",
        "Pacific/Chatham",
        "America/Argentina/Buenos_Aires",
    ],
)
def test_parse_zone_accepts_iana_names(name):
    assert parse_zone(name) == ZoneInfo(name)


JUNK = [
    "",
    " ",
    "utc ",
    "america/new_york",
    "Mars/Olympus_Mons",
    "../../../../etc/passwd",
    "/etc/localtime",
    "/usr/share/zoneinfo/UTC",
    "America/../UTC",
    "America/New_York/",
    "./UTC",
    "UTC\x00",
    "localtime",
    "Factory",
    "right/UTC",
    "posix/../UTC",
    "A" * 10_000,
    "America/" + "x" * 300,
    "%2e%2e%2fetc%2fpasswd",
    "C:\\Windows\\win.ini",
]


@pytest.mark.parametrize("name", JUNK)
def test_parse_zone_refuses_junk_without_touching_the_filesystem(name, monkeypatch):
    def no_file_access(key):
        raise AssertionError(f"ZoneInfo was asked to load {key!r}")

    monkeypatch.setattr(periods_module, "ZoneInfo", no_file_access)
    with pytest.raises(RangeError, match="Unknown time zone") as refused:
        parse_zone(name)
    assert len(str(refused.value)) < 200  # a long input is not echoed back whole


def test_parse_zone_refuses_non_strings():
    with pytest.raises(RangeError, match="Unknown time zone"):
        parse_zone(None)  # type: ignore[arg-type]


def test_zone_names_are_exactly_what_parse_zone_accepts():
    names = zone_names()
    assert names == sorted(names) and "UTC" in names and "Asia/Kathmandu" in names
    assert "localtime" not in names and not any(n.startswith("right/") for n in names)
    for name in names:
        assert parse_zone(name).key == name
