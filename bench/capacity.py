"""Capacity: many small connected accounts refreshed on schedule by two workers.

    python bench/capacity.py [--connections 5000] [--minutes 20] [--interval 300]

The sandbox generates ``--connections`` tiny accounts (``--charges`` live charges each over
30 days) in **live mode**, so live limits apply, and answers every request after an injected
150–300 ms (``--latency``). Chartivo runs as in production: PostgreSQL, CHARTIVO_TASK_BACKEND
=rq with REDIS_URL, JSON logs, two ``chartivo worker`` processes with
CHARTIVO_WORKER_SLOTS=5 each, CHARTIVO_REFRESH_SECONDS=``--interval``.

Every key is saved as a user would (the key check included), which queues each first sync.
The workers then start. Lateness is measured only once every first sync is done: from that
moment ("settled") the workers run ``--minutes`` more, and every refresh *due* from then on
counts. After a run ends the connection is due again one interval later; a refresh's
lateness is how long after that moment it ended (so it includes the scheduler's 5 s tick and
the run itself). A refresh due and still not done when the workers stop counts as late by
how long it had waited.

Also shown, over the settled window: refreshes/s, Stripe requests/s (the sandbox's count),
database statements per refresh (each task counts its own and logs them: ``sync.task``) and
transactions per refresh (PostgreSQL's commit + rollback count for the database, the
schedulers' and workers' own included), the workers' CPU (both process trees,
their reaped task processes included) and each worker's peak RSS (its tree, sampled every
2 s). Overlapping runs are counted over the whole run: no two runs of one connection may
overlap in time.

Identical aggregates: afterwards ``--compare`` accounts picked at random get a fresh
database, their keys saved again, and one worker syncs them once; each one's aggregates
must match, row for row (an MD5 of every row, and the sums), those the two workers left
after their refreshes, over the buckets both cover.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

from _setup import ROOT, bench_redis, run_database_name
from capacity_run import (
    CapacityRun,
    connect_some,
    prepare_database,
    run_workers,
    small_keys,
)
from fairness_run import digests, drop_database, flush_redis, window_start
from load.machine import load_average

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess


def lateness(run: CapacityRun, interval: float) -> tuple[list[float], int, int, int]:
    """Each refresh due once settled: how late it ended; overlapping runs; failed runs; runs
    that ended before their connection was due (queued again by something besides the
    schedule: not late, and not counted as refreshes on time either)."""
    late: list[float] = []
    overlaps = errors = early = 0
    settled = run.settled if run.settled is not None else run.stopped
    for connection in run.connections:
        runs = run.runs_of(connection)
        by_start = sorted(runs, key=lambda r: r.start)
        overlaps += sum(1 for a, b in itertools.pairwise(by_start) if b.start < a.end)
        errors += sum(1 for r in runs if r.error)
        for previous, current in itertools.pairwise(runs):
            due = previous.end + interval
            if due >= settled and not previous.more_to_do and not previous.error:
                if current.end < due:
                    early += 1
                else:
                    late.append(current.end - due)
        if runs and not runs[-1].more_to_do:
            due = runs[-1].end + interval
            if settled <= due < run.stopped:
                late.append(run.stopped - due)  # still waiting: at least this late
    return late, overlaps, errors, early


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[int(fraction * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=20, help="measured, once settled")
    parser.add_argument("--interval", type=int, default=300, help="CHARTIVO_REFRESH_SECONDS")
    parser.add_argument("--charges", type=int, default=10, help="live charges per account")
    parser.add_argument("--latency", default="150-300", help="injected latency, ms")
    parser.add_argument(
        "--latency-after-first-syncs",
        action="store_true",
        help="inject the latency only once every first sync is done (shorter set-up)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slots", type=int, default=5, help="CHARTIVO_WORKER_SLOTS")
    parser.add_argument("--compare", type=int, default=50, help="accounts synced again alone")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="", help="REDIS_URL (default: a database of its own)")
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--logs", default=str(ROOT / "var" / "bench" / "capacity"))
    parser.add_argument("--connect", help=argparse.SUPPRESS)  # a child that saves keys
    args = parser.parse_args()
    if args.connect:
        connect_some(Path(args.connect))
        return

    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("worker-*.log"):
        old.unlink()
    load_before = load_average()
    print(
        f"sandbox: {args.connections:,} accounts of {args.charges} live charges, 30 days…",
        flush=True,
    )
    generation = time.monotonic()
    names = [run_database_name("capacity_2"), run_database_name("capacity_1")]
    with SandboxProcess(
        seed="capacity",
        charges=args.charges,
        days=30,
        modes="live",
        accounts=args.connections - 1,
        accounts_charges=args.charges,
        startup_timeout=1200,
    ) as box:
        print(f"sandbox ready in {time.monotonic() - generation:.0f}s", flush=True)
        keys = small_keys(box)
        with bench_redis(args.redis) as args.redis:
            url, env, connections = prepare_database(
                box, keys, database=names[0], args=args, logs=logs, slots=args.slots
            )
            if not args.latency_after_first_syncs:
                box.control.set_faults(latency=args.latency)
            print(f"{args.workers} workers × {args.slots} slots…", flush=True)
            run = run_workers(
                box, url, env, connections, workers=args.workers, args=args, logs=logs
            )
            flush_redis(args.redis)
            sample = random.Random(0).sample(sorted(keys), min(args.compare, len(keys)))
            print(f"one worker: a fresh sync of {len(sample)} of the accounts…", flush=True)
            url_1, env_1, connections_1 = prepare_database(
                box,
                {a: keys[a] for a in sample},
                database=names[1],
                args=args,
                logs=logs,
                slots=args.slots,
            )
            alone = run_workers(
                box,
                url_1,
                env_1,
                connections_1,
                workers=1,
                args=args,
                logs=logs,
                until_first_syncs=True,
            )
            flush_redis(args.redis)

    since = max(window_start(url), window_start(url_1))
    two_digest = digests(url, since, connections)
    one_digest = digests(url_1, since, connections_1)
    differing = sorted(a for a in sample if two_digest.get(a) != one_digest.get(a))
    for name in names:
        with contextlib.suppress(Exception):
            drop_database(args.postgres, name)
    report(args, run, alone, sample, differing, load_before)


def report(
    args: argparse.Namespace,
    run: CapacityRun,
    alone: CapacityRun,
    sample: list[str],
    differing: list[str],
    load_before: float,
) -> None:
    interval = float(args.interval)
    late, overlaps, errors, early = lateness(run, interval)
    _, overlaps_alone, _, _ = lateness(alone, interval)
    settled = run.settled if run.settled is not None else run.stopped
    seconds = max(run.stopped - settled, 1e-9)
    refreshes = [r for r in run.runs if r.end >= settled]
    window = run.window
    p95, worst = percentile(late, 0.95), max(late, default=float("nan"))
    print()
    print(
        f"{len(run.connections):,} connections, {args.workers} workers × {args.slots} slots, "
        f"interval {interval:.0f}s, latency {args.latency} ms"
        + (" (from the settled moment)" if args.latency_after_first_syncs else "")
    )
    print(
        f"first syncs: every one done {settled - run.started:.0f}s after the workers started; "
        f"then measured for {seconds / 60:.1f} min"
    )
    print(
        f"lateness of the {len(late):,} refreshes due once settled (end − due): "
        f"p50 {percentile(late, 0.5):.1f}s, p95 {p95:.1f}s, worst {worst:.1f}s (target p95 < 30s); "
        f"{early} runs ended before their connection was due (queued besides the schedule)"
    )
    median_run = statistics.median([r.seconds for r in refreshes] or [0])
    print(
        f"throughput: {len(refreshes) / seconds:.2f} refreshes/s (median run {median_run:.2f}s), "
        f"{window.requests / seconds:.1f} Stripe requests/s, "
        f"{window.requests / max(len(refreshes), 1):.1f} requests per refresh; "
        f"{run.sandbox.get('rate_limited', 0)} answered 429"
    )
    queries = [r.queries for r in refreshes if r.queries is not None]
    print(
        f"database: {statistics.mean(queries or [0]):.1f} statements per refresh (median "
        f"{statistics.median(queries or [0]):.0f}; counted by each task, the step after a sync "
        f"included), {window.transactions / max(len(refreshes), 1):.1f} transactions per "
        "refresh (PostgreSQL's count, the schedulers' included)"
    )
    print(
        f"workers: CPU {window.cpu:.0f}s in {seconds:.0f}s = {100 * window.cpu / seconds:.0f}% "
        f"of one core (both); peak RSS per worker tree "
        + ", ".join(f"{mb:.0f} MB" for mb in run.peak_rss_mb)
    )
    print(
        f"synced twice at once: {overlaps} overlapping runs, {run.lease_lost} leases lost; "
        f"{errors} runs ended in an error"
    )
    print(
        f"aggregates: {len(sample)} accounts synced afresh by one worker "
        f"({overlaps_alone} overlaps), {len(differing)} differ from the two workers'"
        + (f" ({', '.join(differing[:5])})" if differing else "")
    )
    print(
        f"machine load: {load_before:.2f} before; during the run mean "
        f"{statistics.mean(run.load or [0]):.2f}, max {max(run.load or [0]):.2f} (2 cores)"
    )
    print(
        f"RESULT connections={len(run.connections)} interval_s={interval:.0f} "
        f"minutes={seconds / 60:.1f} p95_late_s={p95:.1f} worst_late_s={worst:.1f} "
        f"overlapping={overlaps} identical={'yes' if not differing else 'no'} "
        f"peak_rss_mb={max(run.peak_rss_mb):.0f}"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
