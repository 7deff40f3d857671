"""Writing and reading the aggregate store.

Writes *replace* whole spans of buckets: a span read again from Stripe (a resumed range,
a re-read after a refund) overwrites what was there, so nothing is ever counted twice and
an emptied bucket is emptied here too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from chartivo.metrics import rollups
from chartivo.metrics.aggregation import COLUMNS, Span
from chartivo.metrics.models import Aggregate, AggregateRollup


def merged(spans: Iterable[Span]) -> list[Span]:
    """Adjacent spans of one resource become one, so one DELETE covers them."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.resource, s.start)):
        last = out[-1] if out else None
        if last is not None and last.resource == span.resource and last.end == span.start:
            last.end = span.end
            last.totals = {**last.totals, **span.totals}
        else:
            out.append(Span(span.resource, span.start, span.end, dict(span.totals)))
    return out


def _insert_sql() -> str:
    table = connection.ops.quote_name(Aggregate._meta.db_table)
    columns = ["connection_id", "resource", "bucket", "currency", "dim1", "dim2", *COLUMNS]
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608


def replace_spans(connection_id: int, spans: Iterable[Span]) -> bool:
    """Writes spans (call inside a transaction); returns whether any stored row changed
    (False when every span held exactly these totals already).

    Most refreshes read again what is already stored (the last buckets of each resource),
    so a span is compared with the rows it would replace first: an unchanged one is left
    as it is, and its rollups too, and the figures computed from it stay valid (the caller
    records a change only when this says so). New rows go in with one
    ``executemany``: the sync writes every aggregate of a month in its first minute, and
    building a model instance per row costs more than the SQL.
    """
    rows: list[tuple[int | str, ...]] = []
    changed: list[Span] = []
    for span in merged(spans):
        stored = Aggregate.objects.filter(
            connection_id=connection_id,
            resource=span.resource,
            bucket__gte=span.start,
            bucket__lt=span.end,
        )
        new: set[tuple[int | str, ...]] = {
            (key.bucket, key.currency, key.dim1, key.dim2, *totals)
            for key, totals in span.totals.items()
        }
        if set(stored.values_list("bucket", "currency", "dim1", "dim2", *COLUMNS)) == new:
            continue
        stored.delete()
        changed.append(span)
        rows.extend((connection_id, span.resource, *row) for row in new)
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(), rows)
    rollups.rebuild(connection_id, [(span.resource, span.start, span.end) for span in changed])
    return bool(changed)


def buckets_holding(
    connection_id: int,
    resource: str,
    dim1_values: Iterable[str],
    *,
    before: int,
    unconverted: bool = False,
) -> set[int]:
    """The buckets before ``before`` with an aggregate whose ``dim1`` is one of the values
    (or, with ``unconverted``, that holds an amount Stripe has not converted yet)."""
    holding = Q(dim1__in=list(dim1_values))
    if unconverted:
        holding |= ~Q(unconverted=0)
    return set(
        Aggregate.objects.filter(
            holding, connection_id=connection_id, resource=resource, bucket__lt=before
        ).values_list("bucket", flat=True)
    )


def prune_before(connection_id: int, bucket: int) -> int:
    """Drops aggregates older than ``bucket``; returns how many. Their rollups follow only
    when some were dropped: every refresh asks, the window moves once a day."""
    deleted, _ = Aggregate.objects.filter(connection_id=connection_id, bucket__lt=bucket).delete()
    if deleted:
        rollups.prune(connection_id, bucket)
    return deleted


# Fewer rows than this are read fast whatever plan the database picks.
STATISTICS_MIN_ROWS = 1000


def keep_statistics_current(connection_id: int) -> bool:
    """After a first sync, on PostgreSQL: ANALYZE the aggregate tables when this
    connection's rows are a tenth or more of what the planner believes they hold (the rule
    autovacuum follows); returns whether it did.

    A large account's first sync can multiply the tables' size within minutes. Until the
    statistics follow, the planner believes the tables small and reads a year of hourly
    rollups row by row: 600 ms for a chart that takes 85 ms once they are current, at the
    very first views after the sync. Autovacuum would catch up later, or never where it is
    switched off; this does it at once, and only after a sync that changed the tables'
    size that much.
    """
    if connection.vendor != "postgresql":
        return False
    rows = Aggregate.objects.filter(connection_id=connection_id).count()
    if rows < STATISTICS_MIN_ROWS:
        return False
    aggregates = connection.ops.quote_name(Aggregate._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [aggregates])
        found = cursor.fetchone()
        believed = float(found[0]) if found else -1.0
        if believed >= 0 and rows < believed / 10:
            return False
        rollup_table = connection.ops.quote_name(AggregateRollup._meta.db_table)
        cursor.execute(f"ANALYZE {aggregates}, {rollup_table}")
    return True
