"""What a refresh costs in Stripe requests, with and without Read on Events.

After the first sync of two connections to one account — one key with Read on Events, one
without — each is refreshed while nothing has changed (a quiet refresh), then 100 new
objects are made through the API, spread over the resources (charges, customers, refunds,
disputes), and both are refreshed again; their figures must then be identical. With
events, a quiet refresh is the events page and the tail of balance transactions (which
emit no events): at most 2 requests. Without events, one tail per resource and the
buckets still holding unsettled objects. Runs on the sandbox at live-mode limits with
150–300 ms latency, like bench/sync.py.

    python bench/refresh.py [--charges 20000] [--new 100]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from _setup import ROOT, apply_environment, connect, run_child, scratch_environment

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

QUIET_BOUND = 2
READS = ("charge_read", "customer_read", "dispute_read", "balance_transaction_source_read")


def _refresh(box: SandboxProcess, env: dict[str, str], connection_id: int) -> dict[str, int]:
    """One refresh run by ``chartivo sync_now``; the sandbox's request counts by endpoint."""
    box.control.reset_stats()
    run_child([sys.executable, "-m", "chartivo.cli", "sync_now", str(connection_id)], env)
    by_endpoint: dict[str, int] = {}
    for row in box.control.stats()["rows"]:
        by_endpoint[row["endpoint"]] = by_endpoint.get(row["endpoint"], 0) + row["count"]
    return by_endpoint


def _make_new_objects(box: SandboxProcess, count: int) -> dict[str, int]:
    """``count`` objects: 40% charges, 25% customers, 25% refunds, 10% disputes."""
    import stripe

    sdk = stripe.StripeClient(box.keys["secret_live"], base_addresses={"api": box.api_base})
    made = {"charges": 0, "customers": 0, "refunds": 0, "disputes": 0}
    shares = {"customers": count // 4, "refunds": count // 4, "disputes": count // 10}
    shares["charges"] = count - sum(shares.values())
    charges: list[Any] = []
    for i in range(shares["charges"]):
        charge = sdk.v1.charges.create(
            {"amount": 1000 + i, "currency": "usd", "source": "tok_visa"}
        )
        charges.append(charge)
        made["charges"] += 1
    for _ in range(shares["customers"]):
        sdk.v1.customers.create({})
        made["customers"] += 1
    for charge in charges[: shares["refunds"]]:
        sdk.v1.refunds.create({"charge": charge.id, "amount": 100})
        made["refunds"] += 1
    for charge in charges[-shares["disputes"] :]:
        box.control.open_dispute(charge.id)
        made["disputes"] += 1
    return made


def _figures(connection_id: int) -> list[tuple[Any, ...]]:
    from chartivo.metrics.models import Aggregate

    fields = ("resource", "bucket", "currency", "dim1", "dim2", "count", "amount", "fee", "net")
    rows = Aggregate.objects.filter(connection_id=connection_id).values_list(*fields)
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charges", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--latency", default="150-300")
    args = parser.parse_args()

    with SandboxProcess(
        seed="bench", charges=args.charges, days=30, modes="live", latency=args.latency
    ) as box:
        env = scratch_environment(box.api_base, CHARTIVO_SYNC_SLICE_SECONDS="3600")
        apply_environment(env)
        without = box.control.create_key(
            "restricted_live_no_events",
            mode="live",
            permissions=[f"rak_{p}" for p in READS],
        )["key"]
        with_events = connect(box.keys["restricted_live"], "events@example.com")
        no_events = connect(without, "no-events@example.com")
        assert with_events.events_readable and not no_events.events_readable
        for connection in (with_events, no_events):
            first, _, _ = run_child(
                [sys.executable, "-m", "chartivo.cli", "sync_now", str(connection.pk)], env
            )
            print("first sync:", json.loads(first.strip().splitlines()[-1])["requests"], "requests")

        quiet_with = _refresh(box, env, with_events.pk)
        quiet_without = _refresh(box, env, no_events.pk)
        made = _make_new_objects(box, args.new)
        after_with = _refresh(box, env, with_events.pk)
        after_without = _refresh(box, env, no_events.pk)
        identical = _figures(with_events.pk) == _figures(no_events.pk)

    print(f"new objects: {made}")
    for label, counts in (
        ("quiet refresh with events", quiet_with),
        ("quiet refresh without events", quiet_without),
        (f"refresh after {args.new} new objects, with events", after_with),
        (f"refresh after {args.new} new objects, without events", after_without),
    ):
        print(f"{label}: {sum(counts.values())} requests {counts}")
    quiet = sum(quiet_with.values())
    print(
        f"RESULT quiet_requests_with_events={quiet} "
        f"quiet_requests_without_events={sum(quiet_without.values())} "
        f"after_{args.new}_new_requests={sum(after_with.values())} "
        f"after_{args.new}_new_requests_without_events={sum(after_without.values())} "
        f"quiet_within_bound={'yes' if quiet <= QUIET_BOUND else 'no'} "
        f"same_figures_both_ways={'yes' if identical else 'no'}"
    )


if __name__ == "__main__":
    main()
