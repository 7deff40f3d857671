"""The request budget for one Stripe account: pacing, not counting.

Two schedules (GCRA, the "virtual scheduling" form of a token bucket): one for the whole
account, one per endpoint. A request may go when it is not early for either schedule;
each request moves both schedules on by one interval (1/rate). Slots are never reserved
ahead: a request that must wait sleeps until the earliest moment it could go and asks
again, so one endpoint's queue can never hold back another endpoint's share of the total.

A waiting request aims to wake a small tolerance before its slot, so that a timer that
fires a few milliseconds late still finds its slot and jitter does not slowly eat the
budget. The price is a burst of at most ``tolerance`` seconds of requests, far less than
the one second Stripe's token bucket absorbs.

``RedisBudget`` keeps both schedules in Redis so that every worker process syncing the
account shares them; ``LocalBudget`` keeps them in the process, for the embedded default
where a single worker runs.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chartivo.lib.env import parse_share

TOLERANCE_SECONDS = 0.1

MODE_LIMITS = {"live": 100.0, "test": 25.0}  # Stripe's read limits per account (docs/sync.md)
ENDPOINT_LIMIT = 25.0


@dataclass(frozen=True)
class Rates:
    total: float  # requests per second for the whole account
    per_endpoint: float  # requests per second for any one list endpoint


def rates_for(mode: str) -> Rates:
    """The configured budget (``CHARTIVO_STRIPE_BUDGET``), never above Stripe's limits."""
    limit = MODE_LIMITS[mode]
    try:
        value, is_percentage = parse_share(str(settings.STRIPE_BUDGET))
    except ValueError as error:  # checked at start-up; here only if changed since
        raise ImproperlyConfigured(f"CHARTIVO_STRIPE_BUDGET {error}") from None
    total = min(limit * value / 100 if is_percentage else value, limit)
    per_endpoint = min(float(settings.STRIPE_ENDPOINT_BUDGET), ENDPOINT_LIMIT, total)
    return Rates(total=total, per_endpoint=per_endpoint)


class Budget(Protocol):
    rates: Rates

    async def acquire(self, endpoint: str) -> None: ...

    async def pause(self, seconds: float) -> None:
        """Stripe answered 429: nobody on this account sends for ``seconds``."""
        ...

    async def aclose(self) -> None: ...


class LocalBudget:
    def __init__(
        self,
        rates: Rates,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rates = rates
        self._clock, self._sleep = clock, sleep
        self._total = 0.0  # the total schedule's next slot (clock seconds)
        self._endpoint: dict[str, float] = defaultdict(float)

    async def acquire(self, endpoint: str) -> None:
        while True:
            now = self._clock()
            ready = max(self._total, self._endpoint[endpoint]) - TOLERANCE_SECONDS
            if now >= ready:
                self._total = max(self._total, now) + 1 / self.rates.total
                self._endpoint[endpoint] = max(self._endpoint[endpoint], now) + (
                    1 / self.rates.per_endpoint
                )
                return
            await self._sleep(ready - now)

    async def pause(self, seconds: float) -> None:
        self._total = max(self._total, self._clock() + seconds)

    async def aclose(self) -> None:
        return None


# Both schedules on Redis's clock (shared by every machine), in microseconds. Returns 0
# when the request may go (and moves both schedules on), else how long to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tolerance = tonumber(ARGV[3])
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local endpoint = tonumber(redis.call('GET', KEYS[2]) or '0')
local ready = math.max(total, endpoint) - tolerance
if now < ready then
  return ready - now
end
redis.call('SET', KEYS[1], tostring(math.max(total, now) + tonumber(ARGV[1])), 'PX', 60000)
redis.call('SET', KEYS[2], tostring(math.max(endpoint, now) + tonumber(ARGV[2])), 'PX', 60000)
return 0
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], tostring(math.max(total, now + tonumber(ARGV[1]))), 'PX', 60000)
return 0
"""


class RedisBudget:
    def __init__(self, rates: Rates, *, account_key: str, redis_url: str) -> None:
        import redis.asyncio as aioredis

        self.rates = rates
        self._redis = aioredis.Redis.from_url(redis_url)
        self._prefix = f"chartivo:budget:{account_key}"
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._pause = self._redis.register_script(_PAUSE)
        self._args = [
            round(1_000_000 / rates.total),
            round(1_000_000 / rates.per_endpoint),
            round(1_000_000 * TOLERANCE_SECONDS),
        ]

    async def acquire(self, endpoint: str) -> None:
        keys = [f"{self._prefix}:total", f"{self._prefix}:endpoint:{endpoint}"]
        while True:
            wait_us = int(await self._acquire(keys=keys, args=self._args))
            if wait_us <= 0:
                return
            await asyncio.sleep(wait_us / 1_000_000)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self._prefix}:total"], args=[round(seconds * 1_000_000)])

    async def aclose(self) -> None:
        await self._redis.aclose()


def budget_for(*, mode: str, account_key: str) -> Budget:
    rates = rates_for(mode)
    if settings.REDIS_URL:
        return RedisBudget(rates, account_key=account_key, redis_url=settings.REDIS_URL)
    return LocalBudget(rates)
