# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""Property tests against the slow reference: any zone, granularity, range and rows."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import example, given, settings
from hypothesis import strategies as st

from chartivo.metrics.periods import (
    Granularity,
    TimeRange,
    local_midnight,
    period_start,
    periods,
    utc_period_starts,
)
from chartivo.metrics.series import BucketRow, build_chart

from .reference import label_at, label_of, local

HOUR, DAY, WEEK, MONTH = Granularity.HOUR, Granularity.DAY, Granularity.WEEK, Granularity.MONTH
ZONES = sorted(
    z
    for z in available_timezones()
    if z not in {"localtime", "Factory"} and not z.startswith("right/")
)
# Stripe data is recent: check 2012-2036 (earlier years have 00:01 changes that move a
# date backwards, where "first instant of the date" and the plain calendar disagree).
FIRST = int(datetime(2012, 1, 1, tzinfo=UTC).timestamp())
LAST = int(datetime(2036, 12, 1, tzinfo=UTC).timestamp())
DAY_S = 86_400
MAX_LENGTH = {HOUR: 4 * DAY_S, DAY: 20 * DAY_S, WEEK: 50 * DAY_S, MONTH: 100 * DAY_S}
NAMED = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Havana",
    "America/Santiago",
    "Pacific/Apia",
]


def utc(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


@st.composite
def cases(draw: st.DrawFn) -> tuple[ZoneInfo, Granularity, int, int]:
    # Zone, anchor and length come from a seeded Random: Hypothesis' own integers favour
    # small values, which would test a handful of zones and ranges of a few seconds.
    rnd = draw(st.randoms(use_true_random=True))
    zone = ZoneInfo(draw(st.sampled_from(NAMED)) if draw(st.booleans()) else rnd.choice(ZONES))
    granularity = draw(st.sampled_from(list(Granularity)))
    if draw(st.booleans()):
        anchor = rnd.randint(FIRST, LAST)
    else:  # in the months where most DST changes happen
        year, month = rnd.randint(2012, 2036), rnd.choice([3, 4, 9, 10, 11])
        anchor = int(datetime(year, month, 1, tzinfo=UTC).timestamp()) + rnd.randint(0, 30 * DAY_S)
    lo = anchor - rnd.randint(0, 3 * DAY_S)
    if draw(st.booleans()):  # ranges usually start at local midnight, on a bucket
        lo = int(local_midnight(utc(lo).astimezone(zone).date(), zone).timestamp())
    hi = lo + rnd.randint(1, MAX_LENGTH[granularity])
    return zone, granularity, lo, hi


def row_strategy(lo: int, hi: int) -> st.SearchStrategy[BucketRow]:
    first, last = lo // 900 - 100, hi // 900 + 100  # some rows fall outside the range
    return st.builds(
        BucketRow,
        bucket=st.integers(first, last).map(lambda k: k * 900),
        currency=st.sampled_from(["", "usd", "jpy", "kwd"]),
        series_key=st.sampled_from(["", "succeeded", "failed"]),
        value=st.integers(-(10**12), 10**15),
    )


@settings(max_examples=250, deadline=None)
@given(case=cases())
@example(case=(ZoneInfo("America/New_York"), HOUR, 1793505600, 1793592000))  # 2026-11-01
@example(case=(ZoneInfo("Australia/Lord_Howe"), HOUR, 1775224800, 1775311200))
@example(case=(ZoneInfo("America/Havana"), DAY, 1772841600, 1773100800))
@example(case=(ZoneInfo("Pacific/Chatham"), WEEK, 1790000000, 1796000000))
def test_periods_agree_with_the_calendar(case):
    zone, granularity, lo, hi = case
    starts = utc_period_starts(lo, hi, zone, granularity)
    moments = periods(utc(lo), utc(hi), zone, granularity)
    assert [int(m.timestamp()) for m in moments] == starts
    assert all(m.tzinfo is zone for m in moments)
    assert starts == sorted(set(starts)), "strictly increasing"
    assert starts[0] <= lo and starts[-1] < hi, "each period overlaps the range"
    assert len(starts) == 1 or starts[1] > lo, "the first period is the one holding lo"

    labels = [label_at(s, zone, granularity) for s in starts]
    assert len(set(labels)) == len(labels)
    for start, moment, label in zip(starts, moments, labels, strict=True):
        assert label_of(moment, granularity) == label  # the aware start says the same
        before = label_at(start - 1, zone, granularity)
        assert before != label, "a period starts exactly where its label begins"
        if granularity != HOUR:
            assert before < label

    # Contiguous and complete: every bucket instant of the range (and both ends) lies in
    # the period that the calendar names for it.
    first_bucket = -(-lo // 900) * 900
    for t in [lo, hi - 1, *range(first_bucket, hi, 900)]:
        index = bisect_right(starts, t) - 1
        assert label_at(t, zone, granularity) == labels[index], utc(t)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), case=cases())
def test_every_row_lands_in_its_period(data, case):
    zone, granularity, lo, hi = case
    rows = data.draw(st.lists(row_strategy(lo, hi), max_size=120))
    chart = build_chart(
        rows,
        time_range=TimeRange(utc(lo), utc(hi)),
        zone=zone,
        granularity=granularity,
        kind="amount",
    )
    # The reference places each row by converting its bucket and reading the calendar.
    position = {label_of(p, granularity): i for i, p in enumerate(chart.periods)}
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(chart.periods))
    in_range = [r for r in rows if lo <= r.bucket < hi]
    for row in in_range:
        index = position[label_at(row.bucket, zone, granularity)]
        expected[row.currency, row.series_key][index] += row.value

    assert {(s.currency, s.key): s.values for s in chart.series} == expected
    for series in chart.series:
        assert series.total == sum(
            r.value for r in in_range if (r.currency, r.series_key) == (series.currency, series.key)
        )
    order = [(s.currency, -s.total, s.key) for s in chart.series]
    assert order == sorted(order)
    assert chart.is_empty == (not in_range)


@settings(max_examples=150, deadline=None)
@given(case=cases(), offset=st.integers(0, 10**9))
def test_period_start_is_the_period_holding_the_instant(case, offset):
    zone, granularity, lo, hi = case
    t = lo + offset % (hi - lo)
    starts = utc_period_starts(lo, hi, zone, granularity)
    expected = starts[bisect_right(starts, t) - 1]
    found = period_start(utc(t), zone, granularity)
    assert int(found.timestamp()) == expected
    assert found.tzinfo is zone


def test_every_zone_every_day_of_2026():
    """Exhaustive: each zone's 2026 days begin at the first instant of their local date."""
    lo, hi = (
        int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
        int(datetime(2027, 1, 1, tzinfo=UTC).timestamp()),
    )
    for name in ZONES:
        zone = ZoneInfo(name)
        starts = utc_period_starts(lo, hi, zone, DAY)
        days = [local(s, zone).date() for s in starts]
        assert all(b - a == timedelta(days=1) for a, b in pairwise(days)), name
        for start, day in zip(starts, days, strict=True):
            assert local(start - 1, zone).date() < day, (name, day)
