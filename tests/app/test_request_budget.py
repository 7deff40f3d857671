"""The request budget of one Stripe account holds across worker processes: two processes
taking slots as fast as they can, through Redis, never go faster together than the budget.

Only the lower bound on time is asserted (so many slots cannot be granted sooner than the
rate allows), which a loaded machine cannot break: load only makes the takers slower. How
close to the rate they get is measured in ``bench/timing.py``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import redis

from chartivo.integrations.stripe.sync.budget import TOLERANCE_SECONDS

ROOT = Path(__file__).resolve().parents[2]
TOTAL_RATE, ENDPOINT_RATE = 20, 12
SLOTS_PER_PROCESS = 30

# Each process announces it is ready, waits for the shared start signal, then takes its
# slots on two endpoints from four coroutines and prints the endpoint of each slot.
_TAKER = textwrap.dedent(
    """
    import asyncio, os, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django; django.setup()
    import redis
    from chartivo.integrations.stripe.sync.budget import RedisBudget, Rates

    account, slots, url, total, per_endpoint = sys.argv[1:6]
    signal = redis.Redis.from_url(url)
    signal.rpush(f"{account}:ready", 1)
    signal.blpop([f"{account}:go"], timeout=60)

    async def main():
        budget = RedisBudget(Rates(total=float(total), per_endpoint=float(per_endpoint)),
                             account_key=account, redis_url=url)
        left = [int(slots)]
        async def take(endpoint):
            while left[0] > 0:
                left[0] -= 1
                await budget.acquire(endpoint)
                print(endpoint, flush=True)
        await asyncio.gather(*(take(e) for e in ("a", "b", "a", "b")))
        await budget.aclose()

    asyncio.run(main())
    """
)


def test_two_processes_share_one_accounts_budget(redis_url: str) -> None:
    account = f"test-{uuid.uuid4().hex}"
    signal = redis.Redis.from_url(redis_url)
    argv = [sys.executable, "-c", _TAKER, account, str(SLOTS_PER_PROCESS), redis_url]
    argv += [str(TOTAL_RATE), str(ENDPOINT_RATE)]
    takers = [subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for _ in takers:
        assert signal.blpop([f"{account}:ready"], timeout=60), "a taker did not start"
    started = time.monotonic()
    signal.rpush(f"{account}:go", 1, 1)
    outputs = [taker.communicate(timeout=120)[0].split() for taker in takers]
    elapsed = time.monotonic() - started
    assert [taker.returncode for taker in takers] == [0, 0]
    assert [len(out) for out in outputs] == [SLOTS_PER_PROCESS] * 2, "each process got its slots"
    slots = [endpoint for out in outputs for endpoint in out]
    # A budget of r per second, starting empty, grants n slots no sooner than (n - 1) / r
    # seconds, less the tolerance it lets a waiting request wake early by (a burst of
    # r × tolerance slots). Two processes with a budget each would take half that.
    assert elapsed >= _shortest_time(len(slots), TOTAL_RATE), elapsed
    for endpoint in ("a", "b"):
        taken = slots.count(endpoint)
        assert elapsed >= _shortest_time(taken, ENDPOINT_RATE), (endpoint, taken, elapsed)


def _shortest_time(slots: int, rate: float) -> float:
    return (slots - 1) / rate - TOLERANCE_SECONDS
