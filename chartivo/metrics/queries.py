"""Sums of the aggregate store per period of any time zone, added up by the database.

A year of one busy account is hundreds of thousands of 15-minute aggregate rows; reading
them into Python to add them up costs seconds. So the database groups them, by a key that
never spans two periods of the chart:

- A zone's local time is the UTC bucket plus the zone's offset, and a zone changes its
  offset a handful of times a year. A ``CASE`` over the offset's ranges turns a bucket
  into a local hour, day or ISO-week number: ``(bucket + offset) / 3600`` and so on.
- The offset range's own index is part of the key, so the hour a fall-back night repeats
  (same local hour, another offset) stays two groups, as it is two periods.
- Each group reports its first bucket; Python places the group in its period by that
  bucket alone (``series.build_chart``), with the same period starts every chart uses.
  Months are grouped by local day and rolled up there: a group never spans two periods,
  so a period is the sum of whole groups.

Whole UTC hours and days inside one period are read from their rollups
(``chartivo.metrics.rollups``), the rest from the 15-minute aggregates: the same sums,
from far fewer rows (``pieces``).

Every sum comes with the number of objects behind it, so a series exists exactly when
some object fed it (a refund's fee is 0, yet refunds were made), and a chart knows which
of its currencies saw the most objects, in the same one query.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection as default_connection
from django.db import transaction

from chartivo.metrics.models import Aggregate, AggregateRollup
from chartivo.metrics.periods import Granularity, offset_segments, utc_period_starts
from chartivo.metrics.rollups import DAY, HOUR, ceil, floor

COLUMNS = frozenset({"count", "amount", "captured", "fee", "net", "unconverted"})
Split = Literal["dim1", "dim2"]


@dataclass(frozen=True)
class Quantity:
    """One sum: a column of one resource's aggregates, optionally only some dim1 values."""

    resource: str
    column: str
    dim1_in: frozenset[str] | None = None
    dim1_not_in: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Window:
    """Instants [lo, hi) in Unix seconds whose buckets are summed."""

    lo: int
    hi: int


class Group(NamedTuple):
    """The sums of one group of buckets that lies within one period."""

    bucket: int  # its first bucket: which period (and window) the group belongs to
    currency: str
    split: str  # the breakdown value, or "" without a breakdown
    values: tuple[int, ...]  # one per quantity
    objects: tuple[int, ...]  # objects behind each value (0: none fed it)


def _condition(quantity: Quantity, params: list[Any]) -> str:
    sql = "resource = %s"
    params.append(quantity.resource)
    if quantity.dim1_in is not None:
        values = sorted(quantity.dim1_in)
        sql += f" AND dim1 IN ({', '.join(['%s'] * len(values))})"
        params.extend(values)
    if quantity.dim1_not_in:
        values = sorted(quantity.dim1_not_in)
        sql += f" AND dim1 NOT IN ({', '.join(['%s'] * len(values))})"
        params.extend(values)
    return sql


def _unit_sql(offset: int, granularity: Granularity) -> str:
    local = f"(bucket + {int(offset)})"
    if granularity == Granularity.HOUR:
        return f"{local} / 3600"
    if granularity == Granularity.WEEK:
        return f"({local} / {DAY} + 3) / 7"  # 1970-01-01 was a Thursday: weeks from Monday
    return f"{local} / {DAY}"  # days, and months rolled up from days


def group_key_sql(windows: Sequence[Window], zone: ZoneInfo, granularity: Granularity) -> str:
    """The grouping key: a local period number per offset range, with the range's index."""
    # (from, offset) in order: each window's offset ranges, kept apart from the next
    # window's, so that no group holds buckets of two windows.
    bounds: list[tuple[int, int]] = []
    for window in sorted(windows, key=lambda w: w.lo):
        starts, offsets = offset_segments(zone, window.lo, window.hi)
        bounds.extend(zip(starts, offsets, strict=True))
    count = len(bounds)
    if count == 1:
        return f"({_unit_sql(bounds[0][1], granularity)}) * 1"
    branches = [
        f"WHEN bucket < {int(bounds[i + 1][0])} THEN ({_unit_sql(offset, granularity)}) * "
        f"{count} + {i}"
        for i, (_, offset) in enumerate(bounds[:-1])
    ]
    last = f"ELSE ({_unit_sql(bounds[-1][1], granularity)}) * {count} + {count - 1}"
    return f"CASE {' '.join(branches)} {last} END"


# Enough memory for PostgreSQL to add up a year of one account's groups in a hash table
# rather than sorting them through temporary files (its default is 4 MB).
_WORK_MEM = "32MB"


BUCKET = 900  # the aggregates' own width
MOST_WINDOWS = 256  # more pieces than this, and the buckets are read as they are


def pieces(
    windows: Sequence[Window], zone: ZoneInfo, granularity: Granularity
) -> dict[int, list[Window]]:
    """Where each row comes from, by width: rollups of whole days and hours that lie
    inside one period of one window, the 15-minute aggregates for the rest.

    A rollup row is read when its start is in one of its width's windows; each such
    window's ends are multiples of its width, so the row lies wholly inside it and, by
    construction, inside one period: grouped by its start like a 15-minute bucket, it
    never adds to two periods.
    """
    ordered = sorted(windows, key=lambda w: w.lo)
    if any(a.hi > b.lo for a, b in itertools.pairwise(ordered)):
        return {BUCKET: list(ordered)}  # overlapping windows: summed as they are
    out: dict[int, list[Window]] = {BUCKET: [], HOUR: [], DAY: []}
    for window in ordered:
        starts = utc_period_starts(window.lo, window.hi, zone, granularity)
        bounds = [window.lo, *(t for t in starts if window.lo < t < window.hi), window.hi]
        for lo, hi in itertools.pairwise(bounds):
            _split(lo, hi, out)
    parts = {width: _merged(found) for width, found in out.items() if found}
    if sum(len(found) for found in parts.values()) > MOST_WINDOWS:
        # Periods that are not whole UTC hours (a year by day in a zone a half hour off
        # UTC): the database would test every row against hundreds of windows, slower
        # than adding the buckets up.
        return {BUCKET: _merged(ordered)}
    return parts


def _split(lo: int, hi: int, out: dict[int, list[Window]]) -> None:
    first_day, last_day = ceil(lo, DAY), floor(hi, DAY)
    if first_day < last_day:
        out[DAY].append(Window(first_day, last_day))
        _split_hours(lo, first_day, out)
        _split_hours(last_day, hi, out)
    else:
        _split_hours(lo, hi, out)


def _split_hours(lo: int, hi: int, out: dict[int, list[Window]]) -> None:
    first_hour, last_hour = ceil(lo, HOUR), floor(hi, HOUR)
    if first_hour < last_hour:
        out[HOUR].append(Window(first_hour, last_hour))
        for a, b in ((lo, first_hour), (last_hour, hi)):
            if a < b:
                out[BUCKET].append(Window(a, b))
    elif lo < hi:
        out[BUCKET].append(Window(lo, hi))


def _merged(windows: list[Window]) -> list[Window]:
    out: list[Window] = []
    for window in sorted(windows, key=lambda w: w.lo):
        if out and out[-1].hi == window.lo:
            out[-1] = Window(out[-1].lo, window.hi)
        else:
            out.append(window)
    return out


_ROW_COLUMNS = (
    "bucket, resource, currency, dim1, dim2, count, amount, captured, fee, net, unconverted"
)


ConnectionIds = int | Sequence[int]


def connection_sql(connection_id: ConnectionIds) -> str:
    """The rows of one connection, or of several added up (All accounts)."""
    ids = [connection_id] if isinstance(connection_id, int) else list(connection_id)
    if len(ids) == 1:
        return f"connection_id = {int(ids[0])}"
    return f"connection_id IN ({', '.join(str(int(i)) for i in ids)})"


def rows_sql(
    connection_id: ConnectionIds,
    where: str,
    where_params: list[Any],
    parts: dict[int, list[Window]],
) -> tuple[str, list[Any]]:
    """A derived table of the rows in ``parts`` (``pieces``) that meet ``where``."""
    branches = []
    params: list[Any] = []
    for width, windows in sorted(parts.items()):
        model = Aggregate if width == BUCKET else AggregateRollup
        table = default_connection.ops.quote_name(model._meta.db_table)
        level = "" if width == BUCKET else f" AND width = {int(width)}"
        branches.append(
            f"SELECT {_ROW_COLUMNS} FROM {table} "  # noqa: S608
            f"WHERE {connection_sql(connection_id)}{level} AND {where} "
            f"AND ({_windows_sql(windows)})"
        )
        params.extend(where_params)
    return f"({' UNION ALL '.join(branches)}) AS summed", params


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if default_connection.vendor != "postgresql":
        with default_connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    with transaction.atomic(), default_connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _sum(expression: str) -> str:
    # PostgreSQL sums bigints as numeric, which the driver hands over as Decimal: slow to
    # turn back into the integers they are (a year's sums fit a bigint many times over).
    return f"CAST(SUM({expression}) AS BIGINT)"


def _windows_sql(windows: Sequence[Window]) -> str:
    return " OR ".join(f"(bucket >= {int(w.lo)} AND bucket < {int(w.hi)})" for w in windows)


def _checked(quantities: Sequence[Quantity]) -> None:
    for quantity in quantities:
        if quantity.column not in COLUMNS:
            raise ValueError(f"not an aggregate column: {quantity.column!r}")


def sums_by_period_rows(
    connection_id: ConnectionIds,
    quantities: Sequence[Quantity],
    windows: Sequence[Window],
    *,
    zone: ZoneInfo,
    granularity: Granularity,
    split: Split | None = None,
) -> list[tuple[Any, ...]]:
    """``sums_by_period``'s rows as the database returns them: the group's first bucket,
    currency, breakdown value (None or ""), one sum per quantity, then one object count
    per quantity. A month by the hour of a wide breakdown is tens of thousands of groups:
    a chart reads them as they are rather than as one ``Group`` each."""
    if not quantities or not windows:
        return []
    _checked(quantities)
    params: list[Any] = []
    where_params: list[Any] = []
    first = quantities[0]
    same_rows = all(
        (q.resource, q.dim1_in, q.dim1_not_in) == (first.resource, first.dim1_in, first.dim1_not_in)
        for q in quantities
    )
    if same_rows:
        # One set of rows (the common case): filtered in WHERE, summed as they are.
        sums = [_sum(q.column) for q in quantities] + [_sum("count")] * len(quantities)
        where = _condition(first, where_params)
    else:
        sums = []
        for quantity in quantities:
            sums.append(
                _sum(f"CASE WHEN {_condition(quantity, params)} THEN {quantity.column} ELSE 0 END")
            )
        for quantity in quantities:
            sums.append(_sum(f"CASE WHEN {_condition(quantity, params)} THEN count ELSE 0 END"))
        resources = sorted({q.resource for q in quantities})
        where = f"resource IN ({', '.join(['%s'] * len(resources))})"
        where_params.extend(resources)
    split_sql = split if split in ("dim1", "dim2") else "''"
    group_by = f"{group_key_sql(windows, zone, granularity)}, currency"
    if split:
        group_by += f", {split_sql}"
    rows, row_params = rows_sql(
        connection_id, where, where_params, pieces(windows, zone, granularity)
    )
    sql = (
        f"SELECT MIN(bucket), currency, {split_sql}, {', '.join(sums)} "  # noqa: S608
        f"FROM {rows} GROUP BY {group_by}"
    )
    return _fetch(sql, params + row_params)


def sums_by_period(
    connection_id: ConnectionIds,
    quantities: Sequence[Quantity],
    windows: Sequence[Window],
    *,
    zone: ZoneInfo,
    granularity: Granularity,
    split: Split | None = None,
) -> list[Group]:
    """One query: every quantity, per period group, currency and breakdown value."""
    size = len(quantities)
    return [
        Group(row[0], row[1], row[2] or "", row[3 : 3 + size], row[3 + size :])
        for row in sums_by_period_rows(
            connection_id, quantities, windows, zone=zone, granularity=granularity, split=split
        )
    ]


class Totals(NamedTuple):
    """Every column of one resource's aggregates with one dim1 value, in one group."""

    bucket: int  # the group's first bucket
    resource: str
    currency: str
    dim1: str
    columns: dict[str, int]  # count, amount, captured, fee, net, unconverted


def totals_by_period(
    connection_id: ConnectionIds,
    resources: Sequence[str],
    windows: Sequence[Window],
    *,
    zone: ZoneInfo,
    granularity: Granularity,
) -> list[Totals]:
    """One query for many figures at once (Home's): every column summed per period,
    resource, currency and dim1, with no condition for the database to evaluate per row;
    the caller picks the statuses each figure counts."""
    if not resources or not windows:
        return []
    names = sorted(COLUMNS)
    rows, params = rows_sql(
        connection_id,
        f"resource IN ({', '.join(['%s'] * len(resources))})",
        list(resources),
        pieces(windows, zone, granularity),
    )
    sql = (
        f"SELECT MIN(bucket), resource, currency, dim1, "  # noqa: S608
        f"{', '.join(_sum(name) for name in names)} FROM {rows} "
        f"GROUP BY {group_key_sql(windows, zone, granularity)}, resource, currency, dim1"
    )
    return [
        Totals(
            int(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            dict(zip(names, (int(v or 0) for v in row[4:]), strict=True)),
        )
        for row in _fetch(sql, params)
    ]


def any_activity(connection_id: ConnectionIds, resources: Sequence[str], window: Window) -> bool:
    """Whether any of ``resources`` has an aggregate in ``window`` (index lookups only)."""
    ids = [connection_id] if isinstance(connection_id, int) else list(connection_id)
    return Aggregate.objects.filter(
        connection_id__in=ids,
        resource__in=list(resources),
        bucket__gte=window.lo,
        bucket__lt=window.hi,
    ).exists()
