"""The request budget for one Stripe account: pacing, not counting.

Each request reserves the next free slot of a schedule spaced 1/rate apart (GCRA), both
for the account and for its endpoint, and sleeps until its slot. Requests therefore leave
evenly spaced at exactly the budget, which Stripe's token bucket (one second of burst)
never answers with a 429, and enough of them wait in line to keep the budget full.

``RedisBudget`` keeps the schedule in Redis so that every worker process syncing the
account shares it; ``LocalBudget`` is the same schedule in one process, for the embedded
default where a single worker runs.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MODE_LIMITS = {"live": 100.0, "test": 25.0}  # Stripe's read limits per account (NOTES.md)
ENDPOINT_LIMIT = 25.0


@dataclass(frozen=True)
class Rates:
    total: float  # requests per second for the whole account
    per_endpoint: float  # requests per second for any one list endpoint


def rates_for(mode: str) -> Rates:
    """The configured budget (``CHARTIVO_STRIPE_BUDGET``), never above Stripe's limits."""
    limit = MODE_LIMITS[mode]
    raw = str(settings.STRIPE_BUDGET).strip()
    try:
        total = limit * float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"CHARTIVO_STRIPE_BUDGET must be requests per second or a percentage; got {raw!r}"
        ) from None
    if total <= 0:
        raise ImproperlyConfigured("CHARTIVO_STRIPE_BUDGET must be above zero")
    total = min(total, limit)
    per_endpoint = min(float(settings.STRIPE_ENDPOINT_BUDGET), ENDPOINT_LIMIT, total)
    return Rates(total=total, per_endpoint=per_endpoint)


class Budget(Protocol):
    rates: Rates

    async def acquire(self, endpoint: str) -> None: ...

    async def pause(self, seconds: float) -> None:
        """Stripe answered 429: nobody on this account sends for ``seconds``."""
        ...


class LocalBudget:
    def __init__(self, rates: Rates) -> None:
        self.rates = rates
        self._next_total = 0.0
        self._next_endpoint: dict[str, float] = defaultdict(float)

    async def acquire(self, endpoint: str) -> None:
        now = time.monotonic()
        slot = max(now, self._next_total, self._next_endpoint[endpoint])
        self._next_total = slot + 1 / self.rates.total
        self._next_endpoint[endpoint] = slot + 1 / self.rates.per_endpoint
        if slot > now:
            await asyncio.sleep(slot - now)

    async def pause(self, seconds: float) -> None:
        self._next_total = max(self._next_total, time.monotonic() + seconds)


# Reserves a slot in both schedules atomically, on Redis's clock (shared by every machine).
# Returns how many microseconds the caller must wait for its slot.
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local next_total = tonumber(redis.call('GET', KEYS[1]) or '0')
local next_endpoint = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, next_total, next_endpoint)
local ttl = 60000
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[1])), 'PX', ttl)
redis.call('SET', KEYS[2], tostring(slot + tonumber(ARGV[2])), 'PX', ttl)
return slot - now
"""

_PAUSE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local next_total = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], tostring(math.max(next_total, now + tonumber(ARGV[1]))), 'PX', 60000)
return 0
"""


class RedisBudget:
    def __init__(self, rates: Rates, *, account_key: str, redis_url: str) -> None:
        import redis.asyncio as aioredis

        self.rates = rates
        self._redis = aioredis.Redis.from_url(redis_url)
        self._prefix = f"chartivo:budget:{account_key}"
        self._reserve = self._redis.register_script(_RESERVE)
        self._pause = self._redis.register_script(_PAUSE)
        self._total_interval = round(1_000_000 / rates.total)
        self._endpoint_interval = round(1_000_000 / rates.per_endpoint)

    async def acquire(self, endpoint: str) -> None:
        wait_us = await self._reserve(
            keys=[f"{self._prefix}:total", f"{self._prefix}:endpoint:{endpoint}"],
            args=[self._total_interval, self._endpoint_interval],
        )
        if int(wait_us) > 0:
            await asyncio.sleep(int(wait_us) / 1_000_000)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self._prefix}:total"], args=[round(seconds * 1_000_000)])

    async def aclose(self) -> None:
        await self._redis.aclose()


def budget_for(*, mode: str, account_key: str) -> LocalBudget | RedisBudget:
    rates = rates_for(mode)
    if settings.REDIS_URL:
        return RedisBudget(rates, account_key=account_key, redis_url=settings.REDIS_URL)
    return LocalBudget(rates)
