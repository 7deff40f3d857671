"""Backfill speed against the request budget, compared with sequential paging.

Starts the sandbox with N charges (live mode: 100 requests/s per account, 25/s per
endpoint) and 150–300 ms latency with jitter, connects a live restricted key, runs the
first sync in a child process (``chartivo sync_now``) and reads the sandbox's own request
counts. Then, over the same data, the baseline: the SDK's sequential auto-pagination, one
resource after another, as the common open-source Stripe
sync tools do.

    python bench/sync.py [--charges 100000] [--budget 50%] [--no-baseline]

The sync includes payouts and their reconciliation (each paid payout's transactions read
again with ``?payout=``); those reads count in the objects and the ceiling like any other.

The ceiling is what the limits allow for this data: every object must be read 100 to a
page, so T_min = max(pages ÷ budget, for each endpoint its pages ÷ its per-endpoint cap).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from _setup import ROOT, apply_environment, connect, run_child, scratch_environment

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

RESOURCES = ("charges", "customers", "refunds", "disputes", "balance_transactions", "payouts")


def baseline(api_base: str, key: str, since: int) -> tuple[int, float]:
    import stripe

    client = stripe.StripeClient(key, base_addresses={"api": api_base}, stripe_version="2023-08-16")
    started = time.monotonic()
    count = 0
    services: list[Any] = [
        client.v1.charges,
        client.v1.customers,
        client.v1.refunds,
        client.v1.disputes,
        client.v1.balance_transactions,
        client.v1.payouts,
    ]
    for service in services:
        for _ in service.list({"limit": 100, "created": {"gte": since}}).auto_paging_iter():
            count += 1
    return count, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--charges", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--budget", default="50%", help="CHARTIVO_STRIPE_BUDGET (default 50%%)")
    parser.add_argument("--latency", default="150-300")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--profile", help="record the sync with py-spy into this file")
    args = parser.parse_args()

    print(f"sandbox: generating {args.charges:,} live charges over {args.days:g} days…", flush=True)
    generation = time.monotonic()
    with SandboxProcess(
        seed="bench", charges=args.charges, days=args.days, modes="live", latency=args.latency
    ) as box:
        print(
            f"sandbox ready in {time.monotonic() - generation:.0f}s at {box.api_base}", flush=True
        )
        key = box.keys["restricted_live"]
        env = scratch_environment(
            box.api_base, CHARTIVO_STRIPE_BUDGET=args.budget, CHARTIVO_SYNC_SLICE_SECONDS="3600"
        )
        apply_environment(env)
        from django.conf import settings

        from chartivo.integrations.stripe.sync.budget import rates_for

        rates = rates_for("live")
        connection = connect(key)
        box.control.reset_stats()
        started = time.monotonic()
        argv = [sys.executable, "-m", "chartivo.cli", "sync_now", str(connection.pk)]
        if args.profile:
            argv = [
                str(ROOT / ".venv/bin/py-spy"),
                "record",
                "-o",
                args.profile,
                "-f",
                "raw",
                "--threads",
                "--",
                *argv,
            ]
        out, peak_rss, cpu_seconds = run_child(argv, env)
        process_wall = time.monotonic() - started
        report = json.loads(out.strip().splitlines()[-1])
        # A worker is a long-lived process: its start-up (imports, Django set-up) is not
        # part of syncing. The sync's own wall time is measured inside the child.
        wall = report["seconds"]
        stats = box.control.stats()
        print("sandbox stats:", json.dumps(stats)[:2000])

        objects = report["objects"]
        per_endpoint_objects: dict[str, int] = report["objects_per_endpoint"]
        pages = {ep: math.ceil(n / 100) or 1 for ep, n in per_endpoint_objects.items()}
        ceiling = max(
            sum(pages.values()) / rates.total, max(p / rates.per_endpoint for p in pages.values())
        )
        requests = report["requests"]
        rate_limited = report["rate_limited"]
        objects_per_s = objects / wall

        base_rate = 0.0
        if not args.no_baseline:
            since = int(time.time() - settings.HISTORY_DAYS * 86400)
            print("baseline: sequential auto-pagination over the same data…", flush=True)
            base_count, base_seconds = baseline(box.api_base, key, since)
            base_rate = base_count / base_seconds
            print(
                f"baseline: {base_count:,} objects in {base_seconds:.1f}s "
                f"= {base_rate:,.0f} objects/s"
            )

    breakdown = ", ".join(f"{k.rsplit('/', 1)[-1]}={v:,}" for k, v in per_endpoint_objects.items())
    print(f"objects: {objects:,} ({breakdown})")
    print(f"requests: {requests:,} (minimum for this data {sum(pages.values()):,})")
    print(f"requests per endpoint: {report['per_endpoint']}")
    print(
        f"sync process: {process_wall:.1f}s including start-up; CPU {cpu_seconds:.1f}s "
        f"({100 * cpu_seconds / process_wall:.0f}% of one core)"
    )
    print(f"budget: {rates.total:g}/s total, {rates.per_endpoint:g}/s per endpoint")
    print(f"ceiling: {ceiling:.1f}s")
    speedup = objects_per_s / base_rate if base_rate else float("nan")
    print(
        f"RESULT objects_per_s={objects_per_s:.0f} baseline_objects_per_s={base_rate:.0f} "
        f"speedup={speedup:.1f} wall_s={wall:.1f} ceiling_s={ceiling:.1f} "
        f"efficiency={ceiling / wall:.3f} requests_per_s={requests / wall:.1f} "
        f"budget_per_s={rates.total:g} rate_limited={rate_limited} peak_rss_mb={peak_rss:.0f}"
    )


if __name__ == "__main__":
    main()
