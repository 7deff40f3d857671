"""Stored 15-minute aggregates in, chart series out: exact, per currency, in any zone.

Pure: no Django, no database. The caller reads the aggregate rows it needs and hands them
over as ``BucketRow``s; this module decides which period each bucket belongs to and adds
the integers up. Amounts stay integers in minor units here; only export formats them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from chartivo.metrics.periods import Granularity, TimeRange, unix_seconds, utc_period_starts

Kind = Literal["count", "amount"]
_UNNAMED = {"count": "Count", "amount": "Amount"}  # the name of a series without a breakdown


class BucketRow(NamedTuple):
    """One measure of one 15-minute UTC bucket, already summed by the caller."""

    bucket: int  # Unix seconds, a multiple of 900
    currency: str  # lower-case ISO code, or "" for counts that have none
    series_key: str  # the breakdown value, or "" for the metric's total
    value: int  # a count, or an amount in the currency's minor unit


# Not slotted: these are cached pickled, and a slotted dataclass unpickles through a
# Python-level __setstate__, about half again slower per Home view.
@dataclass(frozen=True)
class Series:
    key: str
    name: str
    currency: str
    kind: Kind
    values: list[int]  # one per period: minor units or counts, 0 where nothing
    total: int


@dataclass(frozen=True)
class ChartData:
    periods: list[datetime]  # period starts, aware in ``zone``
    series: list[Series]
    zone: ZoneInfo
    granularity: Granularity
    time_range: TimeRange

    @property
    def is_empty(self) -> bool:
        """No row fell in the range (a series exists for every key that had a row)."""
        return not self.series


def build_chart(
    rows: Iterable[BucketRow] | Iterable[tuple[int, str, str, int]],
    *,
    time_range: TimeRange,
    zone: ZoneInfo,
    granularity: Granularity,
    kind: Kind,
    series_names: Mapping[str, str] | None = None,
) -> ChartData:
    """One series per (currency, series key), valued per period of ``granularity``.

    A row counts when its bucket *starts* in [range start, range end). Currencies are
    never added together. Series are ordered by currency, then largest total first, then
    key, so that a chart and its CSV list them the same way every time.
    """
    granularity = Granularity(granularity)
    if kind not in _UNNAMED:
        raise ValueError(f"kind must be 'count' or 'amount', not {kind!r}")
    lo, hi = unix_seconds(time_range.start), unix_seconds(time_range.end)
    starts = utc_period_starts(lo, hi, zone, granularity)
    size = len(starts)
    # Each distinct bucket is placed once (bisect over integer period starts) and
    # remembered; -1 marks buckets outside the range. 30 days hold 2,880 buckets while
    # rows can be fifty times that, so the per-row work is kept to a couple of dict
    # lookups, and to one when rows come ordered by bucket as a query returns them.
    period_of: dict[int, int] = {}
    sums: dict[tuple[str, str], list[int]] = {}
    placed, get_sums = period_of.get, sums.get
    last_bucket, index = None, -1
    for bucket, currency, key, value in rows:
        if bucket != last_bucket:
            last_bucket = bucket
            found = placed(bucket)
            if found is None:
                found = bisect_right(starts, bucket) - 1 if lo <= bucket < hi else -1
                period_of[bucket] = found
            index = found
        if index < 0:
            continue
        values = get_sums((currency, key))
        if values is None:
            values = sums[currency, key] = [0] * size
        values[index] += value

    names = series_names or {}
    series = [
        Series(
            key=key,
            name=names.get(key) or (key if key else _UNNAMED[kind]),
            currency=currency,
            kind=kind,
            values=values,
            total=sum(values),
        )
        for (currency, key), values in sums.items()
    ]
    series.sort(key=lambda s: (s.currency, -s.total, s.key))
    return ChartData(
        periods=[datetime.fromtimestamp(t, zone) for t in starts],
        series=series,
        zone=zone,
        granularity=granularity,
        time_range=time_range,
    )
