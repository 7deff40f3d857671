"""What a quiet refresh costs the worker in CPU and database statements.

A connection's first sync, then ``--runs`` refreshes with nothing new in Stripe, each
run exactly as a worker's task runs it (``tasks.refresh_now``: the lease, the Stripe
reads, the writes, the step after a sync), in this process. Prints the CPU per refresh
(this process's threads, the asynchronous reader's included) and its statements; with
``--profile``, where the time went. The sandbox answers at once (no injected latency):
latency costs a worker a slot's time, not CPU.

    python bench/refresh_cpu.py [--runs 300] [--postgres URL] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from _setup import (
    ROOT,
    apply_environment,
    bench_redis,
    connect,
    run_database_name,
    scratch_environment,
)
from fairness_run import database_url, drop_database, recreate_database

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--statements", action="store_true", help="print the last run's SQL")
    parser.add_argument(
        "--redis", action="store_true", help="with REDIS_URL: the shared cache, Home warmed"
    )
    args = parser.parse_args()

    with SandboxProcess(seed="cpu", charges=10, days=30, modes="live") as box:
        name = run_database_name("cpu")
        env = scratch_environment(box.api_base, CHARTIVO_LOG_LEVEL="ERROR")
        redis = contextlib.ExitStack()
        if args.redis:
            env["REDIS_URL"] = redis.enter_context(bench_redis(""))
        if args.postgres:
            env["DATABASE_URL"] = database_url(args.postgres, name)
            recreate_database(args.postgres, name)
        try:
            apply_environment(env)
            _measure(box, args.runs, args.profile, args.statements)
        finally:
            redis.close()
            if args.postgres:
                from django.db import connections

                connections.close_all()
                drop_database(args.postgres, name)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(box: SandboxProcess, runs: int, profile: bool, show: bool) -> None:
    from django.db import connection as db
    from django.utils import timezone

    from chartivo.integrations.stripe.models import StripeConnection
    from chartivo.integrations.stripe.tasks import refresh_now

    connection = connect(box.keys["restricted_live"])
    refresh_now(connection.pk)  # the first sync
    sandbox_before = _cpu_seconds(box.pid)
    cpu: list[float] = []
    statements: list[int] = []
    profiler = cProfile.Profile() if profile else None

    last: list[str] = []

    def count(execute, sql, *a):  # type: ignore[no-untyped-def]
        statements[-1] += 1
        last.append(sql)
        return execute(sql, *a)

    for _ in range(runs):
        StripeConnection.objects.filter(pk=connection.pk).update(
            next_run_at=timezone.now() - timedelta(seconds=1)
        )
        statements.append(0)
        last.clear()
        started = time.process_time()
        if profiler:
            profiler.enable()
        with db.execute_wrapper(count):
            refresh_now(connection.pk)
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - started) * 1000)
    sandbox_ms = (_cpu_seconds(box.pid) - sandbox_before) * 1000 / runs
    cpu.sort()
    p95 = cpu[int(0.95 * (len(cpu) - 1))]
    print(f"quiet refreshes: {runs}, database: {db.vendor}")
    print(f"CPU per refresh: p50 {statistics.median(cpu):.1f} ms, p95 {p95:.1f} ms")
    print(f"statements per refresh: {statistics.median(statements):.0f}")
    print(f"the sandbox's CPU per refresh (Stripe's side): {sandbox_ms:.1f} ms")
    if show:
        print("\n".join(sql[:160] for sql in last))
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print(
        f"RESULT cpu_ms_p50={statistics.median(cpu):.1f} cpu_ms_p95={p95:.1f} "
        f"statements={statistics.median(statements):.0f} database={db.vendor}"
    )


if __name__ == "__main__":
    main()
