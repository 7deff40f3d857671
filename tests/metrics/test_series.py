# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""build_chart: one series per currency and key, rows placed by bucket, nothing summed across."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chartivo.metrics.periods import Granularity, RangePreset, TimeRange, resolve_range
from chartivo.metrics.series import BucketRow, build_chart

UTC_ZONE = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def span(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


def chart(rows, *, time_range, zone=UTC_ZONE, granularity=Granularity.DAY, kind="amount", **kw):
    return build_chart(
        rows, time_range=time_range, zone=zone, granularity=granularity, kind=kind, **kw
    )


NOV_1_3 = span("2026-11-01T00:00Z", "2026-11-04T00:00Z")


def test_currencies_are_never_added_together():
    rows = [
        BucketRow(ts("2026-11-01T10:00Z"), "usd", "", 1000),
        BucketRow(ts("2026-11-01T10:00Z"), "eur", "", 2000),
        BucketRow(ts("2026-11-01T10:00Z"), "usd", "", 500),  # several rows per bucket add up
        BucketRow(ts("2026-11-02T10:00Z"), "jpy", "", 700),
    ]
    result = chart(rows, time_range=NOV_1_3)
    assert [(s.currency, s.values, s.total) for s in result.series] == [
        ("eur", [2000, 0, 0], 2000),
        ("jpy", [0, 700, 0], 700),
        ("usd", [1500, 0, 0], 1500),
    ]
    assert [p.isoformat() for p in result.periods] == [
        "2026-11-01T00:00:00+00:00",
        "2026-11-02T00:00:00+00:00",
        "2026-11-03T00:00:00+00:00",
    ]
    assert not result.is_empty


def test_series_order_is_currency_then_largest_total_then_key():
    bucket = ts("2026-11-01T00:00Z")
    rows = [
        BucketRow(bucket, "usd", "b", 5),
        BucketRow(bucket, "usd", "a", 5),
        BucketRow(bucket, "usd", "c", 9),
        BucketRow(bucket, "eur", "z", 1),
        BucketRow(bucket, "", "x", 1),
    ]
    result = chart(rows, time_range=NOV_1_3, kind="count")
    assert [(s.currency, s.key) for s in result.series] == [
        ("", "x"),
        ("eur", "z"),
        ("usd", "c"),
        ("usd", "a"),
        ("usd", "b"),
    ]
    assert all(s.kind == "count" for s in result.series)


def test_series_names():
    bucket = ts("2026-11-01T00:00Z")
    rows = [BucketRow(bucket, "usd", k, 1) for k in ("", "succeeded", "failed")]
    named = chart(rows, time_range=NOV_1_3, series_names={"succeeded": "Succeeded"})
    assert {s.key: s.name for s in named.series} == {
        "": "Amount",
        "succeeded": "Succeeded",
        "failed": "failed",
    }
    counts = chart(rows[:1], time_range=NOV_1_3, kind="count")
    assert counts.series[0].name == "Count"
    customers = chart(
        [BucketRow(bucket, "", "", 3)],
        time_range=NOV_1_3,
        kind="count",
        series_names={"": "New customers"},
    )
    assert customers.series[0].name == "New customers"


def test_rows_count_when_their_bucket_starts_in_the_range():
    time_range = span("2026-11-01T06:00Z", "2026-11-02T06:00Z")
    rows = [
        BucketRow(ts("2026-11-01T05:45Z"), "usd", "", 1),  # ends at the start: out
        BucketRow(ts("2026-11-01T06:00Z"), "usd", "", 10),  # starts at the start: in
        BucketRow(ts("2026-11-02T05:45Z"), "usd", "", 100),  # last bucket: in
        BucketRow(ts("2026-11-02T06:00Z"), "usd", "", 1000),  # starts at the end: out
    ]
    result = chart(rows, time_range=time_range)
    # The first day is partial, labelled by its true start (midnight, before the range).
    assert [p.isoformat() for p in result.periods] == [
        "2026-11-01T00:00:00+00:00",
        "2026-11-02T00:00:00+00:00",
    ]
    assert result.series[0].values == [10, 100]
    assert result.series[0].total == 110


def test_the_bucket_holding_now_counts():
    time_range = span("2026-11-01T00:00Z", "2026-11-01T10:07:30Z")  # "today" until now
    rows = [BucketRow(ts("2026-11-01T10:00Z"), "usd", "", 7)]
    assert chart(rows, time_range=time_range).series[0].total == 7


def test_empty_charts():
    assert chart([], time_range=NOV_1_3).is_empty
    outside = [BucketRow(ts("2026-10-01T00:00Z"), "usd", "", 5)]
    result = chart(outside, time_range=NOV_1_3)
    assert result.is_empty and result.series == [] and len(result.periods) == 3
    # A row of zero in the range is data: the chart shows a line at 0, not "No Data".
    zero = [BucketRow(ts("2026-11-01T00:00Z"), "usd", "", 0)]
    assert not chart(zero, time_range=NOV_1_3).is_empty
    instant = span("2026-11-01T00:00Z", "2026-11-01T00:00Z")
    nothing = chart(zero, time_range=instant)
    assert nothing.periods == [] and nothing.is_empty


def test_fall_back_hours_are_kept_apart():
    time_range = span("2026-11-01T04:00Z", "2026-11-01T09:00Z")  # 00:00 EDT to 04:00 EST
    rows = [
        BucketRow(ts("2026-11-01T05:15Z"), "usd", "", 1),  # 01:15 EDT
        BucketRow(ts("2026-11-01T06:15Z"), "usd", "", 2),  # 01:15 EST
        BucketRow(ts("2026-11-01T07:00Z"), "usd", "", 4),  # 02:00 EST
    ]
    result = chart(rows, time_range=time_range, zone=NEW_YORK, granularity=Granularity.HOUR)
    assert [p.isoformat() for p in result.periods] == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T02:00:00-05:00",
        "2026-11-01T03:00:00-05:00",
    ]
    assert result.series[0].values == [0, 1, 2, 4, 0]


def test_a_25_hour_day_holds_25_hours_of_rows():
    time_range = span("2026-11-01T04:00Z", "2026-11-02T05:00Z")
    rows = [
        BucketRow(b, "usd", "", 1)
        for b in range(ts("2026-10-31T00:00Z"), ts("2026-11-03T00:00Z"), 900)
    ]
    result = chart(rows, time_range=time_range, zone=NEW_YORK)
    assert result.series[0].values == [100]  # 25 hours x 4 buckets


def test_granularity_may_be_given_as_a_string():
    rows = [BucketRow(ts("2026-11-02T00:00Z"), "usd", "", 1)]
    result = chart(rows, time_range=NOV_1_3, granularity="week")
    assert result.granularity is Granularity.WEEK
    assert [p.isoformat() for p in result.periods] == [
        "2026-10-26T00:00:00+00:00",
        "2026-11-02T00:00:00+00:00",
    ]


def test_thirty_days_of_fifty_dense_series_add_up_at_every_granularity():
    """30 days x 96 buckets x 50 series: 144,000 rows, every one of them non-zero (how long
    this takes is measured in bench/timing.py)."""
    now = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    time_range = resolve_range(RangePreset.LAST_30_DAYS, zone=NEW_YORK, now=now, history_days=30)
    lo, hi = int(time_range.start.timestamp()), int(time_range.end.timestamp())
    pairs = [(c, k) for c in ("usd", "eur", "jpy", "gbp", "kwd") for k in "abcdefghij"]
    rnd = random.Random(7)
    rows = [BucketRow(b, c, k, rnd.randint(1, 10**6)) for b in range(lo, hi, 900) for c, k in pairs]
    expected = sum(r.value for r in rows)
    for granularity in Granularity:
        result = chart(rows, time_range=time_range, zone=NEW_YORK, granularity=granularity)
        assert len(result.series) == 50
        assert sum(s.total for s in result.series) == expected


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        chart([], time_range=NOV_1_3, kind="total")
