"""Backfill speed against the request budget, compared with sequential paging.

Starts the sandbox with N charges (live mode: 100 requests/s per account, 25/s per
endpoint) and 150–300 ms latency with jitter, connects a live restricted key, runs the
first sync in a child process (``chartivo sync_now``) and reads the sandbox's own request
counts. Then, over the same data, the baseline: the SDK's sequential auto-pagination, one
resource after another, as the common open-source Stripe
sync tools do.

    python bench/sync.py [--charges 100000] [--budget 50%] [--no-baseline]
    python bench/sync.py --accounts 2     # two accounts of one organisation at once

The sync includes payouts and their reconciliation (each paid payout's transactions read
again with ``?payout=``); those reads count in the objects and the ceiling like any other.

With ``--accounts N`` the sandbox serves N accounts of the same size, all connected by one
organisation, and their first syncs run at once, on PostgreSQL with the request budget in
Redis, as the workers run in production. Each Stripe account has its own rate limits, so
each must sync at its own budget: every account's efficiency is measured against its own
ceiling (two accounts sharing one budget could not pass 0.5).

The ceiling is what the limits allow for this data: every object must be read 100 to a
page, so T_min = max(pages ÷ budget, for each endpoint its pages ÷ its per-endpoint cap).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from _setup import (
    ROOT,
    apply_environment,
    bench_redis,
    connect,
    run_child,
    run_database_name,
    scratch_environment,
)
from fairness_run import BIG, database_url, drop_database, live_keys, recreate_database

sys.path.insert(0, str(ROOT))
from chartivo.integrations.stripe.sync.budget import Rates
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


@dataclass
class AccountSync:
    """One account's first sync, as its ``sync_now`` child reported it."""

    report: dict[str, Any]
    process_wall: float
    peak_rss: float
    cpu_seconds: float

    def ceiling(self, rates: Rates) -> float:
        pages = {
            ep: math.ceil(n / 100) or 1 for ep, n in self.report["objects_per_endpoint"].items()
        }
        return max(
            sum(pages.values()) / rates.total, max(p / rates.per_endpoint for p in pages.values())
        )

    def minimum_requests(self) -> int:
        return sum(math.ceil(n / 100) or 1 for n in self.report["objects_per_endpoint"].values())


def sync_in_child(connection_id: int, env: dict[str, str], profile: str | None) -> AccountSync:
    argv = [sys.executable, "-m", "chartivo.cli", "sync_now", str(connection_id)]
    if profile:
        argv = [str(ROOT / ".venv/bin/py-spy"), "record", "-o", profile, "-f", "raw", "--threads",
                "--", *argv]  # fmt: skip
    started = time.monotonic()
    out, peak_rss, cpu_seconds = run_child(argv, env)
    return AccountSync(
        json.loads(out.strip().splitlines()[-1]), time.monotonic() - started, peak_rss, cpu_seconds
    )


@contextmanager
def production_stores(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    """With several accounts: a PostgreSQL database and a Redis database of this run's own
    (the request budget lives in Redis, as with several workers in production)."""
    if args.accounts == 1:
        yield {}
        return
    name = run_database_name("sync")
    recreate_database(args.postgres, name)
    try:
        with bench_redis("") as redis_url:
            yield {"DATABASE_URL": database_url(args.postgres, name), "REDIS_URL": redis_url}
    finally:
        drop_database(args.postgres, name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--charges", type=int, default=100_000, help="per account")
    parser.add_argument("--accounts", type=int, default=1, help="of one organisation, at once")
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--budget", default="50%", help="CHARTIVO_STRIPE_BUDGET (default 50%%)")
    parser.add_argument("--latency", default="150-300")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--profile", help="record the sync with py-spy into this file")
    args = parser.parse_args()

    print(
        f"sandbox: generating {args.accounts} × {args.charges:,} live charges over "
        f"{args.days:g} days…",
        flush=True,
    )
    generation = time.monotonic()
    extra = {"accounts": args.accounts - 1, "accounts_charges": args.charges}
    with (
        SandboxProcess(
            seed="bench",
            charges=args.charges,
            days=args.days,
            modes="live",
            latency=args.latency,
            **(extra if args.accounts > 1 else {}),
        ) as box,
        production_stores(args) as stores,
    ):
        print(
            f"sandbox ready in {time.monotonic() - generation:.0f}s at {box.api_base}", flush=True
        )
        keys = live_keys(box)
        first_key = keys.pop(BIG)
        env = scratch_environment(
            box.api_base,
            CHARTIVO_STRIPE_BUDGET=args.budget,
            CHARTIVO_SYNC_SLICE_SECONDS="3600",
            **stores,
        )
        apply_environment(env)
        from django.conf import settings

        from chartivo.integrations.stripe.sync.budget import rates_for

        rates = rates_for("live")
        first = connect(first_key)
        others = [connect(key, add=True) for key in list(keys.values())[: args.accounts - 1]]
        box.control.reset_stats()
        with ThreadPoolExecutor(max_workers=args.accounts) as pool:
            futures = [
                pool.submit(sync_in_child, c.pk, env, args.profile if not n else None)
                for n, c in enumerate([first, *others])
            ]
            syncs = [future.result() for future in futures]
        stats = box.control.stats()
        print("sandbox stats:", json.dumps(stats)[:2000])

        base_rate = 0.0
        if not args.no_baseline:
            since = int(time.time() - settings.HISTORY_DAYS * 86400)
            print("baseline: sequential auto-pagination over the same data…", flush=True)
            base_count, base_seconds = baseline(box.api_base, first_key, since)
            base_rate = base_count / base_seconds
            print(
                f"baseline: {base_count:,} objects in {base_seconds:.1f}s "
                f"= {base_rate:,.0f} objects/s"
            )
    report(args, syncs, rates, base_rate)


def report(
    args: argparse.Namespace, syncs: list[AccountSync], rates: Any, base_rate: float
) -> None:
    print(f"budget: {rates.total:g}/s total, {rates.per_endpoint:g}/s per endpoint, per account")
    for n, sync in enumerate(syncs, start=1):
        done = sync.report
        # A worker is a long-lived process: its start-up (imports, Django set-up) is not
        # part of syncing. The sync's own wall time is measured inside the child.
        wall = done["seconds"]
        breakdown = ", ".join(
            f"{k.rsplit('/', 1)[-1]}={v:,}" for k, v in done["objects_per_endpoint"].items()
        )
        print(f"account {n}: objects {done['objects']:,} ({breakdown})")
        print(
            f"account {n}: requests {done['requests']:,} (minimum for this data "
            f"{sync.minimum_requests():,}); per endpoint {done['per_endpoint']}"
        )
        print(
            f"account {n}: sync process {sync.process_wall:.1f}s including start-up; CPU "
            f"{sync.cpu_seconds:.1f}s ({100 * sync.cpu_seconds / sync.process_wall:.0f}% of "
            f"one core); wall {wall:.1f}s, ceiling {sync.ceiling(rates):.1f}s, efficiency "
            f"{sync.ceiling(rates) / wall:.3f}, {done['requests'] / wall:.1f} requests/s"
        )
    first = syncs[0].report
    wall = first["seconds"]
    objects_per_s = first["objects"] / wall
    efficiencies = [s.ceiling(rates) / s.report["seconds"] for s in syncs]
    speedup = objects_per_s / base_rate if base_rate else float("nan")
    all_requests = sum(s.report["requests"] for s in syncs)
    longest = max(s.report["seconds"] for s in syncs)
    several = (
        f" accounts={len(syncs)} min_efficiency={min(efficiencies):.3f}"
        f" all_requests_per_s={all_requests / longest:.1f}"
        if len(syncs) > 1
        else ""
    )
    print(
        f"RESULT objects_per_s={objects_per_s:.0f} baseline_objects_per_s={base_rate:.0f} "
        f"speedup={speedup:.1f} wall_s={wall:.1f} ceiling_s={syncs[0].ceiling(rates):.1f} "
        f"efficiency={efficiencies[0]:.3f} requests_per_s={first['requests'] / wall:.1f} "
        f"budget_per_s={rates.total:g} rate_limited={sum(s.report['rate_limited'] for s in syncs)} "
        f"peak_rss_mb={max(s.peak_rss for s in syncs):.0f}{several}"
    )


if __name__ == "__main__":
    main()
