"""How fast the things the functional tests only bound from below really are.

Functional tests assert lower bounds on time (a limiter never goes faster than its rate, a
latency fault delays by at least its amount), which no loaded machine can break. The upper
bounds live here, measured, each beside the figure it is compared with:

- a small sandbox account (300 charges over 30 days) is created well under a second;
- 30 requests of an account with 180–220 ms latency overlap (about one latency in all);
- an account without faults is answered at once while another account has latency;
- 30 days of 15-minute buckets for 50 series are drawn at every granularity in milliseconds;
- two processes sharing one account's Redis budget get close to its rate, never above it.

    python bench/timing.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from _setup import ROOT

from stripe_sandbox.testing import SandboxProcess
from tests.support.redis_db import claimed_database, redis_up


def _report(what: str, seconds: list[float], target: float) -> None:
    worst = max(seconds)
    verdict = "ok" if worst < target else "OVER TARGET"
    print(
        f"{what}: median {statistics.median(seconds) * 1000:.0f} ms, "
        f"worst {worst * 1000:.0f} ms (target < {target * 1000:.0f} ms) {verdict}"
    )


def _timed_get(url: str, key: str) -> float:
    started = time.perf_counter()
    httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=30).raise_for_status()
    return time.perf_counter() - started


def sandbox_timings(repeat: int) -> None:
    with SandboxProcess(seed="timing", charges=50, days=5, test_rate=0, endpoint_rate=0) as box:
        created = []
        for n in range(repeat):
            started = time.perf_counter()
            box.control.create_account(seed=f"speed-{n}", charges=300, days=30)
            created.append(time.perf_counter() - started)
        _report("small account created (300 charges, 30 days)", created, 0.5)

        slow = box.control.create_account(seed="slow", charges=20, days=5, modes=["test"])
        box.control.set_faults(latency="180-220", account=slow.id)
        headers = {"Authorization": f"Bearer {slow.keys['secret']}"}

        async def thirty() -> float:
            async with httpx.AsyncClient(base_url=box.api_base, headers=headers) as client:
                started = time.perf_counter()
                await asyncio.gather(*(client.get("/v1/customers") for _ in range(30)))
                return time.perf_counter() - started

        _report(
            "30 requests at 180–220 ms latency, together",
            [asyncio.run(thirty()) for _ in range(repeat)],
            1.5,
        )
        url = f"{box.api_base}/v1/charges"
        _report(
            "another account's request while one has latency",
            [_timed_get(url, box.keys["secret"]) for _ in range(repeat)],
            0.15,
        )


def series_timings(repeat: int) -> None:
    from chartivo.metrics.periods import Granularity, RangePreset, resolve_range
    from chartivo.metrics.series import BucketRow, build_chart

    zone = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    time_range = resolve_range(RangePreset.LAST_30_DAYS, zone=zone, now=now, history_days=30)
    lo, hi = int(time_range.start.timestamp()), int(time_range.end.timestamp())
    pairs = [(c, k) for c in ("usd", "eur", "jpy", "gbp", "kwd") for k in "abcdefghij"]
    rnd = random.Random(7)
    rows = [BucketRow(b, c, k, rnd.randint(1, 10**6)) for b in range(lo, hi, 900) for c, k in pairs]
    for granularity in Granularity:
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            build_chart(
                rows, time_range=time_range, zone=zone, granularity=granularity, kind="amount"
            )
            seconds.append(time.perf_counter() - started)
        _report(f"chart of {len(rows):,} bucket rows by {granularity.value}", seconds, 0.5)


_TAKER = textwrap.dedent(
    """
    import asyncio, sys, time
    from chartivo.integrations.stripe.sync.budget import RedisBudget, Rates

    async def main(account, seconds, url):
        budget = RedisBudget(Rates(total=20, per_endpoint=12), account_key=account, redis_url=url)
        deadline = time.monotonic() + seconds
        async def take(endpoint):
            while time.monotonic() < deadline:
                await budget.acquire(endpoint)
                print(endpoint, time.time(), flush=True)
        await asyncio.gather(*(take(e) for e in ("a", "b", "a", "b")))
        await budget.aclose()

    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
    """
)


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    busiest, low = 0, 0
    for high, moment in enumerate(times):
        while moment - times[low] >= 1.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    return busiest


def budget_timings(seconds: float) -> None:
    if not redis_up():
        print("shared budget: skipped (needs Redis on 127.0.0.1:6379)")
        return
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    with claimed_database() as url:
        account = f"timing-{os.getpid()}"
        argv = [sys.executable, "-c", _TAKER, account, str(seconds), url]
        takers = [
            subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        lines = [line.split() for t in takers for line in t.communicate(timeout=120)[0].split("\n")]
    slots = [(endpoint, float(moment)) for endpoint, moment in (line for line in lines if line)]
    times = [moment for _, moment in slots]
    achieved = (len(times) - 1) / (max(times) - min(times))
    print(
        f"shared budget 20/s (12/s per endpoint), two processes for {seconds:.0f} s: "
        f"{achieved:.1f} requests/s achieved (target ≥ 18), busiest second "
        f"{_busiest_second(times)} (target ≤ 24: the rate, its 0.1 s tolerance, one edge slot)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget-seconds", type=float, default=5.0)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    sandbox_timings(args.repeat)
    series_timings(args.repeat)
    budget_timings(args.budget_seconds)


if __name__ == "__main__":
    main()
