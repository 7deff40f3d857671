"""The request budget of one Stripe account holds across worker processes (issue 5): two
processes taking slots as fast as they can, through Redis, never exceed it together."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"

_TAKER = textwrap.dedent(
    """
    import asyncio, os, sys, time
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django; django.setup()
    from chartivo.integrations.stripe.sync.budget import RedisBudget, Rates

    async def main(account, seconds):
        budget = RedisBudget(Rates(total=20, per_endpoint=12), account_key=account,
                             redis_url=sys.argv[3])
        deadline = time.monotonic() + seconds
        async def take(endpoint):
            while time.monotonic() < deadline:
                await budget.acquire(endpoint)
                print(endpoint, time.time())  # the wall clock is shared by both processes
        await asyncio.gather(*(take(e) for e in ("a", "b", "a", "b")))
        await budget.aclose()

    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
    """
)


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_two_processes_share_one_accounts_budget() -> None:
    account, seconds = f"test-{uuid.uuid4().hex}", 3.0
    takers = [
        subprocess.Popen(
            [sys.executable, "-c", _TAKER, account, str(seconds), REDIS_URL],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [t.communicate(timeout=60)[0].split("\n") for t in takers]
    slots = [(line.split()[0], float(line.split()[1])) for out in outputs for line in out if line]
    assert all(any(line for line in out) for out in outputs), "each process got slots"
    # Budget 20/s for the account and 12/s per endpoint. In any one second: the rate, the
    # 0.1 s tolerance (2 and 1.2 more), the slot at the window's edge, and one for the
    # jitter between a slot and the moment its process prints it.
    assert _busiest_second([t for _, t in slots]) <= 20 + 2 + 1 + 1
    for endpoint in ("a", "b"):
        assert _busiest_second([t for e, t in slots if e == endpoint]) <= 12 + 1 + 1 + 1


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    busiest, low = 0, 0
    for high, moment in enumerate(times):
        while moment - times[low] >= 1.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    return busiest
