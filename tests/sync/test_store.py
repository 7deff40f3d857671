"""The aggregate store (metrics/store.py): spans replace their buckets, adjacent spans
merge, unsettled buckets are found. On the test database only; no Stripe."""

from __future__ import annotations

import pytest
from django.db import connection as db

from chartivo.accounts.models import User
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics import store
from chartivo.metrics.aggregation import AggregateKey, Span
from chartivo.metrics.models import Aggregate

pytestmark = pytest.mark.django_db
B = 900


@pytest.fixture
def connection_id() -> int:
    owner = User.objects.create_user("store@example.com", "a long password 1")
    connection = StripeConnection.objects.create(
        owner=owner, sealed_key="x", restricted=True, mode="test", key_last4="abcd"
    )
    return int(connection.pk)


def _key(bucket: int, dim1: str = "succeeded") -> AggregateKey:
    return AggregateKey(bucket, "usd", dim1, "visa")


def _stored(connection_id: int) -> dict[tuple[str, int, str], int]:
    rows = Aggregate.objects.filter(connection_id=connection_id)
    return {(r.resource, r.bucket, r.dim1): r.count for r in rows}


def test_adjacent_spans_of_a_resource_merge_and_others_do_not() -> None:
    spans = [
        Span("charges", 2 * B, 3 * B, {_key(2 * B): [1, 0, 0, 0, 0, 0]}),
        Span("charges", 0, 2 * B, {_key(0): [2, 0, 0, 0, 0, 0]}),
        Span("charges", 5 * B, 6 * B, {}),
        Span("refunds", 3 * B, 5 * B, {}),
    ]
    merged = store.merged(spans)
    assert [(s.resource, s.start, s.end) for s in merged] == [
        ("charges", 0, 3 * B),
        ("charges", 5 * B, 6 * B),
        ("refunds", 3 * B, 5 * B),
    ]
    assert set(merged[0].totals) == {_key(0), _key(2 * B)}


def test_a_span_replaces_its_buckets_and_empties_the_ones_it_does_not_hold(
    connection_id: int,
) -> None:
    store.replace_spans(
        connection_id,
        [Span("charges", 0, 3 * B, {_key(0): [1, 0, 0, 0, 0, 0], _key(B): [2, 0, 0, 0, 0, 0]})],
    )
    store.replace_spans(connection_id, [Span("charges", B, 2 * B, {})])
    store.replace_spans(connection_id, [Span("charges", 0, B, {_key(0): [5, 0, 0, 0, 0, 0]})])
    assert _stored(connection_id) == {("charges", 0, "succeeded"): 5}


def test_a_span_read_again_unchanged_is_not_a_change(connection_id: int) -> None:
    def span(count: int) -> Span:
        return Span(
            "charges", 0, 2 * B, {_key(0): [1, 0, 0, 0, 0, 0], _key(B): [count, 0, 0, 0, 0, 0]}
        )

    assert store.replace_spans(connection_id, [span(2)])
    assert not store.replace_spans(connection_id, [span(2)])
    assert store.replace_spans(connection_id, [span(3)])
    assert store.replace_spans(connection_id, [Span("charges", B, 2 * B, {})])  # emptied
    assert not store.replace_spans(connection_id, [Span("charges", B, 2 * B, {})])
    assert _stored(connection_id) == {("charges", 0, "succeeded"): 1}


def test_buckets_holding_unsettled_objects_are_found_below_the_tail(connection_id: int) -> None:
    store.replace_spans(
        connection_id,
        [
            Span(
                "charges",
                0,
                10 * B,
                {
                    _key(B, "pending"): [1, 0, 0, 0, 0, 0],
                    _key(2 * B, "succeeded"): [1, 0, 0, 0, 0, 0],
                    _key(8 * B, "pending"): [1, 0, 0, 0, 0, 0],
                },
            )
        ],
    )
    assert store.buckets_holding(connection_id, "charges", {"pending"}, before=5 * B) == {B}


def test_pruning_drops_buckets_older_than_the_window(connection_id: int) -> None:
    store.replace_spans(
        connection_id,
        [Span("charges", 0, 3 * B, {_key(0): [1] + [0] * 5, _key(2 * B): [1] + [0] * 5})],
    )
    assert store.prune_before(connection_id, B) == 1
    assert _stored(connection_id) == {("charges", 2 * B, "succeeded"): 1}


def test_a_first_sync_that_grows_the_tables_brings_the_planner_statistics_up_to_date(
    connection_id: int,
) -> None:
    if db.vendor != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")
    rows = store.STATISTICS_MIN_ROWS + 500
    store.replace_spans(
        connection_id,
        [Span("charges", 0, rows * B, {_key(n * B): [1, 0, 0, 0, 0, 0] for n in range(rows)})],
    )
    assert store.keep_statistics_current(connection_id)
    with db.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'metrics_aggregate'::regclass")
        assert cursor.fetchone()[0] >= rows

    small = StripeConnection.objects.create(
        owner=User.objects.create_user("small@example.com", "a long password 1"),
        sealed_key="x",
        restricted=True,
        mode="test",
        key_last4="abcd",
    )
    store.replace_spans(small.pk, [Span("charges", 0, B, {_key(0): [1, 0, 0, 0, 0, 0]})])
    assert not store.keep_statistics_current(small.pk)
