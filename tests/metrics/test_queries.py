"""The database adds aggregates up by period (chartivo.metrics.queries): for any zone,
granularity and windows, its groups placed by their first bucket give exactly the series
that adding every 15-minute bucket one by one gives. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db
from django.db import transaction

from chartivo.accounts.models import User
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics import store
from chartivo.metrics.aggregation import AggregateKey, Span
from chartivo.metrics.models import Aggregate
from chartivo.metrics.periods import Granularity, TimeRange
from chartivo.metrics.queries import Quantity, Window, any_activity, sums_by_period
from chartivo.metrics.series import BucketRow, build_chart

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Havana"]
# Around the 2026 autumn changes (New York's fall back, Lord Howe's half hour, Havana's).
START = int(datetime(2026, 10, 25, tzinfo=UTC).timestamp())
SPAN = 16 * 86_400


@pytest.fixture
def connection_id() -> int:
    user = User.objects.create_user("figures@example.com", "a long password 1")
    connection = StripeConnection.objects.create(
        owner=user, sealed_key="x", restricted=True, mode="test", key_last4="0000"
    )
    return connection.pk


def _write(connection_id: int, span: Span) -> None:
    with transaction.atomic():  # as the sync writes: through the store
        store.replace_spans(connection_id, [span])


def _seed(connection_id: int, rng: random.Random) -> list[Aggregate]:
    totals: dict[AggregateKey, list[int]] = {}
    for bucket in range(START, START + SPAN, 900):
        for currency in ("usd", "jpy"):
            for status in ("succeeded", "failed"):
                if rng.random() < 0.3:
                    key = AggregateKey(bucket, currency, status, rng.choice(["visa", "amex", ""]))
                    totals[key] = [rng.randint(1, 5), rng.randint(-(10**6), 10**9), 0, 0, 0, 0]
    _write(connection_id, Span("charges", START, START + SPAN, totals))
    return list(Aggregate.objects.filter(connection_id=connection_id))


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("granularity", list(Granularity))
def test_sums_by_period_equal_adding_every_bucket(
    connection_id: int, zone_name: str, granularity: Granularity
) -> None:
    rng = random.Random(f"{zone_name}{granularity}")
    stored = _seed(connection_id, rng)
    zone = ZoneInfo(zone_name)
    lo = START + rng.randrange(0, 3 * 86_400, 900)
    hi = START + SPAN - rng.randrange(0, 3 * 86_400, 900)
    cut = rng.randrange(lo, hi, 900)
    windows = [Window(lo, cut), Window(cut, hi)]
    succeeded = Quantity("charges", "amount", frozenset({"succeeded"}))
    groups = sums_by_period(
        connection_id, [succeeded], windows, zone=zone, granularity=granularity, split="dim2"
    )
    time_range = TimeRange(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC))

    def chart(rows: list[BucketRow]) -> list[tuple[str, str, list[int]]]:
        data = build_chart(
            rows, time_range=time_range, zone=zone, granularity=granularity, kind="amount"
        )
        return [(s.currency, s.key, s.values) for s in data.series]

    from_sql = chart(
        [BucketRow(g.bucket, g.currency, g.split, g.values[0]) for g in groups if g.objects[0]]
    )
    one_by_one = chart(
        [BucketRow(a.bucket, a.currency, a.dim2, a.amount) for a in stored if a.dim1 == "succeeded"]
    )
    assert from_sql == one_by_one
    assert any(values for _, _, values in from_sql)
    # Fewer rows than buckets: the database did the adding.
    assert len(groups) < len([a for a in stored if lo <= a.bucket < hi])


def test_a_series_exists_when_objects_fed_it_even_if_it_adds_up_to_zero(
    connection_id: int,
) -> None:
    totals = {AggregateKey(START, "usd", "succeeded", ""): [2, 500, 0, 0, 0, 0]}
    _write(connection_id, Span("refunds", START, START + 900, totals))
    fees = Quantity("refunds", "fee")
    groups = sums_by_period(
        connection_id,
        [fees],
        [Window(START, START + 86_400)],
        zone=ZoneInfo("UTC"),
        granularity=Granularity.DAY,
    )
    assert [(g.values, g.objects) for g in groups] == [((0,), (2,))]
    assert any_activity(connection_id, ["refunds"], Window(START, START + 900))
    assert not any_activity(connection_id, ["refunds"], Window(START + 900, START + 1800))


def test_only_aggregate_columns_can_be_summed(connection_id: int) -> None:
    with pytest.raises(ValueError, match="not an aggregate column"):
        sums_by_period(
            connection_id,
            [Quantity("charges", "amount; DROP TABLE x")],
            [Window(0, 900)],
            zone=ZoneInfo("UTC"),
            granularity=Granularity.DAY,
        )
    assert db.vendor in ("sqlite", "postgresql")
