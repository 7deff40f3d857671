"""Planning (sync/plan.py): ranges, buckets and events in, what to read out. Pure."""

from __future__ import annotations

from chartivo.integrations.stripe.sync import plan
from chartivo.integrations.stripe.sync.plan import Change, PlannedRange

B = 900
NOW = 1_764_000_000 - 1_764_000_000 % B + 300  # 5 minutes into a bucket
CURRENT = NOW - 300


def test_close_buckets_merge_and_distant_ones_do_not() -> None:
    gap = plan.MERGE_GAP_BUCKETS * B
    ranges = plan.merge_buckets([0, B, B + gap, 10 * gap, B])
    assert ranges == [(0, 2 * B + gap), (10 * gap, 10 * gap + B)]
    assert plan.merge_buckets([]) == []


def test_a_backfill_covers_the_window_to_the_end_of_the_current_bucket() -> None:
    start, end = plan.backfill_range(NOW, 30)
    assert end == CURRENT + B
    assert start % B == 0 and NOW - start >= 30 * plan.DAY > NOW - start - B


def test_events_name_the_buckets_of_the_objects_they_carry() -> None:
    changes = [
        Change("charge", CURRENT - 3 * B + 5),
        Change("refund", CURRENT + 1),
        Change("charge", CURRENT - 3 * B + 10),
        Change("payout", CURRENT),  # placed by its arrival date (``plan.placed_at``)
        Change("file", CURRENT),  # not a resource Chartivo reads
    ]
    assert plan.changed_buckets(changes) == {
        "charges": {CURRENT - 3 * B},
        "refunds": {CURRENT},
        "payouts": {CURRENT},
    }


def test_a_payout_is_placed_by_its_arrival_date_and_a_future_arrival_waits() -> None:
    payout = {"object": "payout", "created": CURRENT - 3 * plan.DAY, "arrival_date": CURRENT}
    assert plan.placed_at(payout) == CURRENT
    assert plan.placed_at({"object": "charge", "created": CURRENT}) == CURRENT
    tails = {"payouts": CURRENT}
    dirty = {"payouts": {CURRENT - 2 * plan.DAY, CURRENT + 2 * plan.DAY}}
    ranges = plan.refresh_ranges(
        tails, dirty, now=NOW, history_days=30, from_events=True, tail_every=3600
    )
    # Arriving in two days: nothing to read until then.
    assert ranges == [
        PlannedRange("payouts", CURRENT - 2 * plan.DAY, CURRENT - 2 * plan.DAY + B, "reread")
    ]


def test_without_events_every_resource_reads_its_tail_and_old_dirty_buckets() -> None:
    tails = {"charges": CURRENT - B, "balance_transactions": CURRENT - B}
    dirty = {"charges": {CURRENT - 100 * B, CURRENT}}  # the newer one is inside the tail
    ranges = plan.refresh_ranges(
        tails, dirty, now=NOW, history_days=30, from_events=False, tail_every=3600
    )
    assert ranges == [
        PlannedRange("charges", CURRENT - 100 * B, CURRENT - 99 * B, "reread"),
        PlannedRange("charges", CURRENT - B, CURRENT + B, "tail"),
        PlannedRange("balance_transactions", CURRENT - B, CURRENT + B, "tail"),
    ]


def test_with_events_a_quiet_refresh_reads_only_the_tails_of_resources_without_events() -> None:
    tails = dict.fromkeys(("charges", "customers", "balance_transactions"), CURRENT - B)
    ranges = plan.refresh_ranges(
        tails, {}, now=NOW, history_days=30, from_events=True, tail_every=3600
    )
    assert ranges == [PlannedRange("balance_transactions", CURRENT - B, CURRENT + B, "tail")]


def test_with_events_new_objects_are_read_in_their_own_buckets() -> None:
    tails = {"charges": CURRENT - B}
    dirty = {"charges": {CURRENT, CURRENT - 50 * B}}
    ranges = plan.refresh_ranges(
        tails, dirty, now=NOW, history_days=30, from_events=True, tail_every=3600
    )
    assert ranges == [
        PlannedRange("charges", CURRENT - 50 * B, CURRENT - 49 * B, "reread"),
        PlannedRange("charges", CURRENT, CURRENT + B, "reread"),
    ]


def test_with_events_every_tail_is_read_again_once_it_is_old_enough() -> None:
    tails = {"charges": CURRENT - 4 * B, "customers": CURRENT - B}
    ranges = plan.refresh_ranges(
        tails, {"charges": {CURRENT}}, now=NOW, history_days=30, from_events=True, tail_every=3600
    )
    assert ranges == [PlannedRange("charges", CURRENT - 4 * B, CURRENT + B, "tail")]


def test_buckets_older_than_the_window_are_not_read_again() -> None:
    old = plan.window_start(NOW, 30) - 10 * B
    ranges = plan.refresh_ranges(
        {"charges": CURRENT},
        {"charges": {old}},
        now=NOW,
        history_days=30,
        from_events=True,
        tail_every=3600,
    )
    assert ranges == []


def test_the_events_checkpoint_moves_to_the_newest_event_but_never_past_the_overlap() -> None:
    overlap = plan.EVENTS_OVERLAP
    assert plan.next_events_since(since=None, newest=None, now=NOW) == NOW - overlap
    assert plan.next_events_since(since=NOW - 500, newest=NOW - 400, now=NOW) == NOW - 400
    assert plan.next_events_since(since=NOW - 500, newest=NOW - 1, now=NOW) == NOW - overlap
    assert plan.next_events_since(since=NOW - 500, newest=None, now=NOW) == NOW - overlap
    assert plan.next_events_since(since=NOW - 10, newest=None, now=NOW) == NOW - 10


def test_events_are_trusted_only_when_readable_and_recent() -> None:
    recent, old = NOW - plan.DAY, NOW - plan.EVENTS_TRUSTED_FOR - 1
    assert plan.events_trusted(readable=True, since=recent, now=NOW)
    assert not plan.events_trusted(readable=True, since=old, now=NOW)
    assert not plan.events_trusted(readable=False, since=recent, now=NOW)
    assert not plan.events_trusted(readable=True, since=None, now=NOW)


def test_the_events_asked_for_fit_in_one_request() -> None:
    # Stripe refuses more than 20 ``types[]`` in one list request.
    assert len(plan.EVENT_TYPES) <= 20
