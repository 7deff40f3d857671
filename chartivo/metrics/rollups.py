"""Hourly and daily sums of the 15-minute aggregates, kept exactly in step with them.

A year of one busy account is hundreds of thousands of 15-minute aggregate rows, and a
year-long chart summed them all at each first view after a sync. Most of a long range is
whole UTC hours and days, so the store keeps their sums too (``AggregateRollup``), and a
query reads a rollup wherever one lies wholly inside a period of its chart
(``chartivo.metrics.queries``): the figures are the same integers, from a few thousand
rows instead of hundreds of thousands.

Rollups are derived, never written from anything but the aggregates, and always in the
transaction that writes those: ``rebuild`` recomputes every hour and day a rewritten span
touches (hours from the aggregates, days from the hours), ``prune`` drops what the history
window left behind. ``rebuild_all`` recomputes a connection's rollups from scratch (a
migration, or aggregates copied in bulk).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection as db

from chartivo.metrics.models import Aggregate, AggregateRollup

HOUR = 3600
DAY = 86_400
WIDTHS = (HOUR, DAY)  # in this order: days are summed from hours
_COLUMNS = ("count", "amount", "captured", "fee", "net", "unconverted")


def floor(t: int, width: int) -> int:
    return t - t % width


def ceil(t: int, width: int) -> int:
    return -(-t // width) * width


def _table(model: type[Aggregate] | type[AggregateRollup]) -> str:
    return db.ops.quote_name(model._meta.db_table)


def _insert(connection_id: int | None, resource: str | None, width: int, lo: int, hi: int) -> None:
    """Sums the rollups of ``width`` in [lo, hi) from the level below."""
    source = _table(Aggregate) if width == HOUR else _table(AggregateRollup)
    conditions = ["bucket >= %s", "bucket < %s"]
    params: list[int | str] = [lo, hi]
    if connection_id is not None:
        conditions.append("connection_id = %s")
        params.append(connection_id)
    if resource is not None:
        conditions.append("resource = %s")
        params.append(resource)
    if width != HOUR:
        conditions.append(f"width = {HOUR}")
    start = f"(bucket / {int(width)}) * {int(width)}"
    sums = ", ".join(f"SUM({column})" for column in _COLUMNS)
    columns = ", ".join(_COLUMNS)
    sql = (
        f"INSERT INTO {_table(AggregateRollup)} "  # noqa: S608
        f"(connection_id, resource, width, bucket, currency, dim1, dim2, {columns}) "
        f"SELECT connection_id, resource, {int(width)}, {start}, currency, dim1, dim2, {sums} "
        f"FROM {source} WHERE {' AND '.join(conditions)} "
        f"GROUP BY connection_id, resource, {start}, currency, dim1, dim2"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, params)


def _rebuild(connection_id: int | None, resource: str | None, start: int, end: int) -> None:
    for width in WIDTHS:
        lo, hi = floor(start, width), ceil(end, width)
        rows = AggregateRollup.objects.filter(width=width, bucket__gte=lo, bucket__lt=hi)
        if connection_id is not None:
            rows = rows.filter(connection_id=connection_id)
        if resource is not None:
            rows = rows.filter(resource=resource)
        rows.delete()
        _insert(connection_id, resource, width, lo, hi)


def rebuild(connection_id: int, spans: Iterable[tuple[str, int, int]]) -> None:
    """Recomputes the rollups over each (resource, start, end) just rewritten (call in the
    transaction that rewrote them)."""
    for resource, start, end in spans:
        if start < end:
            _rebuild(connection_id, resource, start, end)


def prune(connection_id: int, before: int) -> None:
    """Drops rollups of hours and days before ``before`` and recomputes the ones that
    hold it (the aggregates before it are gone)."""
    for width in WIDTHS:
        AggregateRollup.objects.filter(
            connection_id=connection_id, width=width, bucket__lt=floor(before, width)
        ).delete()
    _rebuild(connection_id, None, before, before + 1)


def rebuild_all(connection_id: int | None = None) -> None:
    """Every rollup of ``connection_id`` (of every connection for None), from scratch."""
    rows = AggregateRollup.objects.all()
    if connection_id is not None:
        rows = rows.filter(connection_id=connection_id)
    rows.delete()
    for width in WIDTHS:
        _insert(connection_id, None, width, 0, 2**62)
