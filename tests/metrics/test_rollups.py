"""Hourly and daily rollups (chartivo.metrics.rollups) stay equal to the 15-minute aggregates
they sum, through writes, rewrites and pruning; and a query reads each instant once, from
a rollup only where the rollup lies inside one period (chartivo.metrics.queries.pieces).
Run on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from chartivo.accounts.models import User
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics import store
from chartivo.metrics.aggregation import AggregateKey, Span
from chartivo.metrics.models import Aggregate, AggregateRollup
from chartivo.metrics.periods import Granularity, utc_period_starts
from chartivo.metrics.queries import BUCKET, Window, pieces
from chartivo.metrics.rollups import DAY, HOUR, rebuild_all

START = int(datetime(2026, 10, 20, tzinfo=UTC).timestamp())
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]


@pytest.fixture
def connection_id() -> int:
    user = User.objects.create_user("rollups@example.com", "a long password 1")
    connection = StripeConnection.objects.create(
        owner=user, sealed_key="x", restricted=True, mode="test", key_last4="0000"
    )
    return connection.pk


def _span(resource: str, lo: int, hi: int, rng: random.Random) -> Span:
    totals: dict[AggregateKey, list[int]] = {}
    for bucket in range(lo, hi, 900):
        for currency in ("usd", "eur"):
            if rng.random() < 0.4:
                key = AggregateKey(bucket, currency, rng.choice(["a", "b"]), rng.choice(["x", ""]))
                fee = rng.randint(0, 99)
                totals[key] = [
                    rng.randint(1, 4),
                    rng.randint(-500, 10**6),
                    0,
                    fee,
                    7,
                    rng.randint(0, 9),
                ]
    return Span(resource, lo, hi, totals)


def _expected(connection_id: int) -> dict[tuple[str, int, int, str, str, str], list[int]]:
    """Every rollup, summed here from the stored aggregates one by one."""
    sums: dict[tuple[str, int, int, str, str, str], list[int]] = defaultdict(lambda: [0] * 6)
    for a in Aggregate.objects.filter(connection_id=connection_id):
        for width in (HOUR, DAY):
            key = (a.resource, width, a.bucket - a.bucket % width, a.currency, a.dim1, a.dim2)
            for i, value in enumerate((a.count, a.amount, a.captured, a.fee, a.net, a.unconverted)):
                sums[key][i] += value
    return dict(sums)


def _stored(connection_id: int) -> dict[tuple[str, int, int, str, str, str], list[int]]:
    return {
        (r.resource, r.width, r.bucket, r.currency, r.dim1, r.dim2): [
            r.count,
            r.amount,
            r.captured,
            r.fee,
            r.net,
            r.unconverted,
        ]
        for r in AggregateRollup.objects.filter(connection_id=connection_id)
    }


@pytest.mark.django_db
def test_rollups_equal_the_aggregates_through_writes_rewrites_and_pruning(
    connection_id: int,
) -> None:
    rng = random.Random(7)
    with transaction.atomic():
        store.replace_spans(connection_id, [_span("charges", START, START + 5 * DAY, rng)])
        store.replace_spans(connection_id, [_span("refunds", START, START + 2 * DAY, rng)])
    assert _stored(connection_id) == _expected(connection_id)
    # A re-read that starts and ends inside hours, and empties part of a day.
    with transaction.atomic():
        store.replace_spans(
            connection_id,
            [
                _span("charges", START + DAY + 2700, START + 3 * DAY - 900, rng),
                Span("refunds", START + 3600 + 900, START + DAY + 1800, {}),
            ],
        )
    assert _stored(connection_id) == _expected(connection_id)
    with transaction.atomic():
        store.prune_before(connection_id, START + DAY + 4500)
    assert _stored(connection_id) == _expected(connection_id)
    assert min(a.bucket for a in Aggregate.objects.filter(connection_id=connection_id)) >= (
        START + DAY + 4500
    )
    # Lost (written by a release without rollups): the command recomputes them.
    AggregateRollup.objects.all().delete()
    call_command("rebuild_rollups")
    assert _stored(connection_id) == _expected(connection_id)
    rebuild_all(connection_id)
    assert _stored(connection_id) == _expected(connection_id)


def _covered(parts: dict[int, list[Window]]) -> list[tuple[int, int]]:
    """Every 15-minute bucket the parts read, with the width of the row it is read from."""
    out: list[tuple[int, int]] = []
    for width, windows in parts.items():
        for window in windows:
            assert window.lo % width == 0 and window.hi % width == 0
            out.extend((t, width) for t in range(window.lo, window.hi, BUCKET))
    return sorted(out)


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("granularity", list(Granularity))
def test_every_bucket_is_read_once_and_a_rollup_only_inside_one_period(
    zone_name: str, granularity: Granularity
) -> None:
    rng = random.Random(f"{zone_name}{granularity}")
    zone = ZoneInfo(zone_name)
    span = (2 if granularity == Granularity.HOUR else 40) * DAY
    for _ in range(5):
        lo = START + rng.randrange(0, 3 * DAY, 900)
        hi = lo + rng.randrange(DAY, span, 900)
        cut = rng.randrange(lo, hi, 900)
        previous = Window(lo - (hi - lo) - rng.randrange(0, DAY, 900), lo - (hi - lo) // 1800 * 900)
        windows = [Window(lo, cut), Window(cut, hi), previous]
        parts = pieces(windows, zone, granularity)
        covered = _covered(parts)
        expected = sorted(t for w in windows for t in range(w.lo, w.hi, BUCKET))
        assert [t for t, _ in covered] == expected  # each bucket once, nothing else
        starts = utc_period_starts(min(w.lo for w in windows), hi, zone, granularity)
        for width in (HOUR, DAY):
            for window in parts.get(width, []):
                for t in range(window.lo, window.hi, width):
                    first = bisect_right(starts, t)
                    last = bisect_right(starts, t + width - 1)
                    assert first == last, f"a {width}s rollup at {t} spans two periods"
                    assert any(w.lo <= t and t + width <= w.hi for w in windows)
    # Long ranges are read mostly from rollups.
    year = pieces([Window(START - 300 * DAY, START)], zone, Granularity.MONTH)
    assert BUCKET not in year or sum(w.hi - w.lo for w in year[BUCKET]) < 3 * DAY


def test_a_year_by_day_half_an_hour_off_utc_reads_the_buckets_as_they_are() -> None:
    # Each local day would be two quarter-hour edges and 23 hours: hundreds of windows for
    # the database to test each row against, slower than the buckets.
    year = Window(START - 364 * DAY, START + DAY)
    assert pieces([year], ZoneInfo("Asia/Kolkata"), Granularity.DAY) == {BUCKET: [year]}
    assert set(pieces([year], ZoneInfo("Asia/Kolkata"), Granularity.MONTH)) == {
        BUCKET,
        HOUR,
        DAY,
    }
