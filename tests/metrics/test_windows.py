# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""Granularities that fit a range, where "so far" is cut, and like-for-like comparisons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chartivo.charts.cache import ByteBoundedCache
from chartivo.metrics.periods import (
    MAX_HISTORY_DAYS,
    Granularity,
    RangePreset,
    TimeRange,
    resolve_range,
)
from chartivo.metrics.windows import (
    MAX_PERIODS,
    Compare,
    Compared,
    Unavailable,
    compared_range,
    granularities_for,
    nearest_granularity,
    period_count,
    so_far_cut,
)

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 19, 52, 31, tzinfo=UTC)  # 14:52:31 in New York


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def compared(preset, mode=Compare.PREVIOUS_PERIOD, now=NOW, history_days=365, zone=NEW_YORK):
    time_range = resolve_range(preset, zone=zone, now=now, history_days=history_days)
    return compared_range(
        RangePreset(preset), time_range, zone=zone, mode=mode, history_days=history_days, now=now
    )


def test_so_far_is_cut_at_the_end_of_the_last_complete_15_minutes():
    today = resolve_range(RangePreset.TODAY, zone=NEW_YORK, now=NOW, history_days=30)
    assert so_far_cut(today) == utc("2026-11-25T14:45-05:00")
    yesterday = resolve_range(RangePreset.YESTERDAY, zone=NEW_YORK, now=NOW, history_days=30)
    assert so_far_cut(yesterday) == yesterday.end  # a whole day is not cut


@pytest.mark.parametrize(
    ("preset", "current", "previous"),
    [
        (
            "today",
            ("2026-11-25T00:00-05:00", "2026-11-25T14:45-05:00"),
            ("2026-11-24T00:00-05:00", "2026-11-24T14:45-05:00"),
        ),
        (
            "last_7_days",
            ("2026-11-19T00:00-05:00", "2026-11-25T14:45-05:00"),
            ("2026-11-12T00:00-05:00", "2026-11-18T14:45-05:00"),
        ),
        (  # last month's days before the fall back were EDT: the same wall-clock time
            "this_month",
            ("2026-11-01T00:00-04:00", "2026-11-25T14:45-05:00"),
            ("2026-10-01T00:00-04:00", "2026-10-25T14:45-04:00"),
        ),
        (
            "last_month",
            ("2026-10-01T00:00-04:00", "2026-11-01T00:00-04:00"),
            ("2026-09-01T00:00-04:00", "2026-10-01T00:00-04:00"),
        ),
        (
            "yesterday",
            ("2026-11-24T00:00-05:00", "2026-11-25T00:00-05:00"),
            ("2026-11-23T00:00-05:00", "2026-11-24T00:00-05:00"),
        ),
    ],
)
def test_the_previous_period_is_like_for_like(preset, current, previous):
    found = compared(preset)
    assert isinstance(found, Compared)
    assert found.current == TimeRange(utc(current[0]), utc(current[1]))
    assert found.previous == TimeRange(utc(previous[0]), utc(previous[1]))


def test_this_month_on_the_31st_is_compared_with_all_of_a_shorter_month():
    now = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)
    found = compared("this_month", now=now)
    assert isinstance(found, Compared)
    assert found.previous == TimeRange(utc("2026-02-01T00:00-05:00"), utc("2026-03-01T00:00-05:00"))


def test_the_same_period_last_year_needs_more_than_a_year_of_history():
    found = compared("last_7_days", mode=Compare.PREVIOUS_YEAR, history_days=365)
    assert isinstance(found, Unavailable)
    assert "only the last 365 days" in found.message
    assert f"keep up to {MAX_HISTORY_DAYS} days" in found.message
    found = compared("last_7_days", mode=Compare.PREVIOUS_YEAR, history_days=MAX_HISTORY_DAYS)
    assert isinstance(found, Compared)
    # The same local dates a year before, cut at the same time of day.
    assert found.previous == TimeRange(utc("2025-11-19T00:00-05:00"), utc("2025-11-25T14:45-05:00"))
    found = compared(
        "last_month",
        mode=Compare.PREVIOUS_YEAR,
        now=datetime(2027, 11, 2, tzinfo=UTC),
        history_days=MAX_HISTORY_DAYS,
    )
    assert isinstance(found, Compared)
    assert found.previous == TimeRange(utc("2026-10-01T00:00-04:00"), utc("2026-11-01T00:00-04:00"))


def test_a_comparison_older_than_the_history_is_unavailable_and_says_how_to_get_it():
    found = compared("last_30_days", history_days=45)
    assert isinstance(found, Unavailable)
    assert "only the last 45 days" in found.message and "CHARTIVO_HISTORY_DAYS" in found.message
    assert compared("today", mode=Compare.NONE) is None


def test_granularities_fit_the_range():
    year = TimeRange(utc("2025-11-26T00:00Z"), utc("2026-11-26T00:00Z"))
    assert granularities_for(year, ZoneInfo("UTC")) == [
        Granularity.DAY,
        Granularity.WEEK,
        Granularity.MONTH,
    ]
    month = TimeRange(utc("2026-10-26T00:00Z"), utc("2026-11-26T00:00Z"))
    assert period_count(month, ZoneInfo("UTC"), Granularity.HOUR) == 744 == MAX_PERIODS
    assert Granularity.HOUR in granularities_for(month, ZoneInfo("UTC"))
    day = TimeRange(utc("2026-11-25T00:00Z"), utc("2026-11-25T10:00Z"))
    assert granularities_for(day, ZoneInfo("UTC")) == [Granularity.HOUR]  # never one point
    assert nearest_granularity(Granularity.MONTH, [Granularity.HOUR, Granularity.DAY]) == (
        Granularity.DAY
    )


def test_the_cache_is_bounded_in_bytes_and_drops_the_least_recently_used():
    cache = ByteBoundedCache(limit=100)
    cache.set_many({"a": b"x" * 40, "b": b"y" * 40})
    assert cache.get_many(["a"]) == {"a": b"x" * 40}  # "a" is now the most recent
    cache.set_many({"c": b"z" * 40})
    assert set(cache.get_many(["a", "b", "c"])) == {"a", "c"}
    assert cache.size <= 100
