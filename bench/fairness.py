"""Fairness across tenants: two workers on PostgreSQL and Redis, one huge account, 200 small.

    python bench/fairness.py [--big-charges 500000] [--accounts 200] [--refresh 60]
                             [--per-organisation 5]

The sandbox generates one account with 500,000 charges over 30 days and 200 small accounts
(100 charges each), all in **live mode**: live limits (100 requests/s per account, so the
default 50 % budget is 50/s) are the ones a merchant that large has. Chartivo connects all
201 with live restricted keys, in organisations of five accounts (the big one's
organisation holds four small accounts too; each organisation's member saves the first key
and adds the others, as the Integrations page does), and runs as in production:
PostgreSQL, CHARTIVO_TASK_BACKEND=rq with REDIS_URL (which also makes each account's
request budget shared between the workers), JSON logs, the default 120 s slice and 5 s
scheduler tick; only CHARTIVO_REFRESH_SECONDS is shortened to 60.

Run 1, two ``chartivo worker`` processes, from the moment all 201 keys are saved until the
big account's first sync is done and one more interval has passed. Read from the workers'
JSON logs (each ``sync.run`` line says which connection, when the run ended and how long
it took):

- refreshes: after a run ends, the connection is due again one interval later; a refresh's
  lateness is how long after that moment it ended. Every small account's every refresh
  must end within one interval of being due, and one still waiting when the run stops
  counts as late by how long it has waited.
- no organisation starving another, nor its own accounts: the worst lateness is reported
  per organisation, the big account's own organisation apart.
- no connection synced twice at once: no two runs of one connection overlap in time, and
  no run lost its lease.

Run 2, one worker on a fresh database, until every first sync is done. Then the
aggregates of each account are compared between the two runs over the window both
cover, row for row (an MD5 of every row, and the sums).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _setup import ROOT, bench_redis, run_database_name
from fairness_run import (
    BIG,
    RunResult,
    connect_all,
    database_url,
    digests,
    drop_database,
    flush_redis,
    live_keys,
    one_run,
    window_start,
)
from load.machine import wait_until_quiet

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

# --- what the runs show ------------------------------------------------------------------------


@dataclass
class Fairness:
    refreshes: int
    worst_lateness: float
    worst_settled: float  # once every first sync was done and its refresh was due
    p95_lateness: float
    worst_account: str
    late_accounts: int
    never_refreshed: int
    worst_first_sync: float
    overlaps: int
    busy_jobs: int
    # organisation -> the worst lateness of its small accounts
    worst_by_organisation: dict[str, float]


def fairness(result: RunResult, interval: float) -> Fairness:
    latenesses: list[tuple[float, float]] = []  # (when the refresh ended, how late)
    worst, worst_account, late, never, overlaps, busy = 0.0, "", 0, 0, 0, 0
    first_syncs: list[float] = []
    by_organisation: dict[str, float] = {}
    for connection, account in result.accounts.items():
        runs = result.runs_of(connection)
        by_start = sorted(runs, key=lambda r: r.start)
        overlaps += sum(1 for a, b in itertools.pairwise(by_start) if b.start < a.end)
        busy += max(0, result.jobs.get(connection, 0) - len(runs))
        if account == BIG:
            continue
        if not runs:
            never += 1
            continue
        first_syncs.append(runs[0].end - result.started)
        own: list[float] = []
        for previous, run in itertools.pairwise(runs):
            own.append(run.end - (previous.end + interval))
            latenesses.append((run.end, own[-1]))
        # Due and still waiting when the run stopped: late by how long it has waited.
        waiting = result.stopped - (runs[-1].end + interval)
        if len(runs) == 1:
            never += 1
        account_worst = max([*own, waiting])
        organisation = result.organisations[connection]
        by_organisation[organisation] = max(by_organisation.get(organisation, 0.0), account_worst)
        if account_worst > worst:
            worst, worst_account = account_worst, account
        if account_worst >= interval:
            late += 1
    ordered = sorted(late for _, late in latenesses) or [0.0]
    settled = result.started + max(first_syncs, default=0.0) + interval
    return Fairness(
        refreshes=len(latenesses),
        worst_lateness=worst,
        worst_settled=max((late for end, late in latenesses if end > settled), default=0.0),
        p95_lateness=ordered[int(0.95 * (len(ordered) - 1))],
        worst_account=worst_account,
        late_accounts=late,
        never_refreshed=never,
        worst_first_sync=max(first_syncs, default=float("nan")),
        overlaps=overlaps,
        busy_jobs=busy,
        worst_by_organisation=by_organisation,
    )


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--big-charges", type=int, default=500_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--accounts-charges", type=int, default=100)
    parser.add_argument(
        "--per-organisation",
        type=int,
        default=5,
        help="accounts per organisation (the big account's organisation included)",
    )
    parser.add_argument("--refresh", type=int, default=60, help="CHARTIVO_REFRESH_SECONDS")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="", help="REDIS_URL (default: a database of its own)")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--data-dir", help="keep the sandbox's data here and reuse it")
    parser.add_argument("--logs", default=str(ROOT / "var" / "bench" / "fairness"))
    parser.add_argument(
        "--quiet-load", type=float, default=2.0, help="wait for the 1-minute load to drop to this"
    )
    parser.add_argument("--connect", help=argparse.SUPPRESS)  # the child that saves the keys
    args = parser.parse_args()
    if args.connect:
        connect_all(Path(args.connect))
        return

    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("worker-*.log"):
        old.unlink()
    print(
        f"sandbox: {args.big_charges:,} live charges for the big account, {args.accounts} "
        f"accounts of {args.accounts_charges} live charges, 30 days…",
        flush=True,
    )
    generation = time.monotonic()
    names = [run_database_name("fairness_2"), run_database_name("fairness_1")]
    with SandboxProcess(
        seed="fairness",
        charges=args.big_charges,
        days=30,
        modes="live",
        accounts=args.accounts,
        accounts_charges=args.accounts_charges,
        data_dir=args.data_dir,
        startup_timeout=1200,
    ) as box:
        print(f"sandbox ready in {time.monotonic() - generation:.0f}s", flush=True)
        keys = live_keys(box)
        load_before = wait_until_quiet(threshold=args.quiet_load)
        with bench_redis(args.redis) as args.redis:
            two = one_run(box, keys, workers=2, database=names[0], args=args, logs=logs)
            wait_until_quiet(threshold=args.quiet_load)
            one = one_run(box, keys, workers=1, database=names[1], args=args, logs=logs)
            flush_redis(args.redis)  # tasks still queued when the workers stopped

    urls = [database_url(args.postgres, name) for name in names]
    since = max(window_start(url) for url in urls)
    two_digest, one_digest = (
        digests(url, since, run.accounts) for url, run in zip(urls, (two, one), strict=True)
    )
    differing = sorted(
        a for a in set(two_digest) | set(one_digest) if two_digest.get(a) != one_digest.get(a)
    )
    for name in names:
        with contextlib.suppress(Exception):
            drop_database(args.postgres, name)

    report(args, two, one, two_digest, differing, load_before, since)


def report(
    args: argparse.Namespace,
    two: RunResult,
    one: RunResult,
    digest: dict[str, tuple[Any, ...]],
    differing: list[str],
    load_before: float,
    since: int,
) -> None:
    interval = float(args.refresh)
    fair = fairness(two, interval)
    single = fairness(one, interval)
    big_id = next(pk for pk, account in two.accounts.items() if account == BIG)
    big_runs = two.runs_of(big_id)
    big_seconds = (two.big_done_at or float("nan")) - two.started
    big_rows = digest.get(BIG, (0, 0))
    small_refresh_seconds = [
        r.seconds
        for pk, account in two.accounts.items()
        if account != BIG
        for r in two.runs_of(pk)[1:]
    ]
    stats = two.sandbox
    print()
    print(
        f"run 1: 2 workers, {two.stopped - two.started:.0f}s; run 2: 1 worker, "
        f"{one.stopped - one.started:.0f}s (both PostgreSQL + Redis, RQ, shared budget)"
    )
    print(
        f"big account: first sync {big_seconds:.0f}s in {len(big_runs)} slices, "
        f"{big_rows[0]:,} aggregate rows, {sum(r.requests for r in big_runs):,} requests"
    )
    print(
        f"small accounts: {args.accounts}, first sync done within {fair.worst_first_sync:.0f}s "
        f"of the workers starting; {fair.refreshes} refreshes "
        f"(median run {statistics.median(small_refresh_seconds or [0]):.2f}s)"
    )
    print(
        f"refresh lateness (end − due, interval {interval:.0f}s): p95 {fair.p95_lateness:.1f}s, "
        f"worst {fair.worst_lateness:.1f}s ({fair.worst_account}); accounts late by an "
        f"interval or more: {fair.late_accounts}; never refreshed: {fair.never_refreshed}"
    )
    print(
        f"  once every first sync was done and due again: worst {fair.worst_settled:.1f}s "
        "(before that, refreshes wait behind the first syncs still queued)"
    )
    big_organisation = two.organisations[big_id]
    by_organisation = fair.worst_by_organisation
    others = [late for name, late in by_organisation.items() if name != big_organisation]
    print(
        f"organisations: {len(by_organisation)} of up to {args.per_organisation} accounts; "
        f"worst lateness in the big account's own organisation "
        f"{by_organisation.get(big_organisation, float('nan')):.1f}s, in the others: "
        f"median {statistics.median(others or [0]):.1f}s, worst {max(others or [0]):.1f}s"
    )
    print(
        f"one worker, for comparison: worst lateness {single.worst_lateness:.1f}s, "
        f"{single.late_accounts} accounts late"
    )
    print(
        f"synced twice at once: {fair.overlaps} overlapping runs, {two.lease_lost} leases lost, "
        f"{fair.busy_jobs} tasks found their connection busy (run 2: {single.overlaps} overlaps)"
    )
    print(
        f"sandbox: {stats['requests']:,} requests, {stats['rate_limited']} answered 429; "
        f"worker logs: {two.log_lines + one.log_lines:,} lines, "
        f"{two.non_json_lines + one.non_json_lines} not JSON"
    )
    print(
        f"aggregates (buckets from {datetime.fromtimestamp(since, UTC):%Y-%m-%d %H:%M} UTC): "
        f"{len(digest)} accounts compared, {len(differing)} differ"
        + (f" ({', '.join(differing[:5])})" if differing else "")
    )
    loads = two.load + one.load
    print(
        f"machine load: {load_before:.2f} before; during the runs mean "
        f"{statistics.mean(loads):.2f}, max {max(loads):.2f} (2 cores)"
    )
    fair_ok = fair.worst_lateness < interval and fair.never_refreshed == 0
    isolated = fair.overlaps == 0 and single.overlaps == 0 and two.lease_lost == 0
    ok = fair_ok and isolated and not differing and len(digest) == len(two.accounts)
    print(
        f"RESULT {'PASS' if ok else 'FAIL'} small_accounts={args.accounts} "
        f"organisations={len(by_organisation)} per_organisation={args.per_organisation} "
        f"big_organisation_worst_lateness_s={by_organisation.get(big_organisation, 0.0):.1f} "
        f"big_charges={args.big_charges} interval_s={interval:.0f} "
        f"worst_refresh_lateness_s={fair.worst_lateness:.1f} "
        f"p95_refresh_lateness_s={fair.p95_lateness:.1f} "
        f"settled_worst_lateness_s={fair.worst_settled:.1f} refreshes={fair.refreshes} "
        f"late_accounts={fair.late_accounts} overlapping_runs={fair.overlaps} "
        f"leases_lost={two.lease_lost} big_first_sync_s={big_seconds:.0f} "
        f"aggregates_identical={'yes' if not differing else 'no'} "
        f"rate_limited={stats['rate_limited']} load_mean={statistics.mean(loads):.2f}"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
