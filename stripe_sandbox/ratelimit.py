"""Stripe's request rate limits as token buckets, per account and mode, and per endpoint.

Each bucket holds one second of its rate and refills continuously, so a client that paces
itself at or under the rate always finds a token, while a burst above one second's worth is
refused. A refused request takes no token from either bucket.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

GLOBAL = "global-rate"
ENDPOINT = "endpoint-rate"


@dataclass(frozen=True)
class Rates:
    """Requests per second; 0 turns a limit off."""

    live: float = 100.0
    test: float = 25.0
    endpoint: float = 25.0

    def for_mode(self, mode: str) -> float:
        return self.live if mode == "live" else self.test

    def updated(self, changes: dict[str, Any]) -> Rates:
        clean: dict[str, float] = {}
        for name in ("live", "test", "endpoint"):
            if changes.get(name) is not None:
                value = float(changes[name])
                if value < 0:
                    raise ValueError(f"{name} rate must be >= 0")
                clean[name] = value
        return replace(self, **clean)

    def to_json(self) -> dict[str, float]:
        return asdict(self)


class TokenBucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.stamp = now

    def ready(self, now: float) -> bool:
        elapsed = now - self.stamp
        if elapsed > 0:
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
            self.stamp = now
        return self.tokens >= 1.0

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimiter:
    def __init__(self, rates: Rates, clock: Callable[[], float] = time.monotonic) -> None:
        self.default = rates
        self.overrides: dict[str, Rates] = {}
        self.clock = clock
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}

    def rates_for(self, account: str) -> Rates:
        return self.overrides.get(account, self.default)

    def set_rates(self, changes: dict[str, Any], account: str | None = None) -> Rates:
        if account is None:
            self.default = self.default.updated(changes)
            self._buckets.clear()
            return self.default
        rates = self.rates_for(account).updated(changes)
        self.overrides[account] = rates
        for key in [k for k in self._buckets if k[0] == account]:
            del self._buckets[key]
        return rates

    def clear_override(self, account: str) -> None:
        self.overrides.pop(account, None)
        for key in [k for k in self._buckets if k[0] == account]:
            del self._buckets[key]

    def _bucket(self, key: tuple[str, ...], rate: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, now)
        return bucket

    def check(self, account: str, mode: str, endpoint: str) -> str | None:
        """None when the request may go ahead (and is counted), else the limiter's name."""
        rates = self.rates_for(account)
        now = self.clock()
        buckets: list[TokenBucket] = []
        mode_rate = rates.for_mode(mode)
        if mode_rate > 0:
            bucket = self._bucket((account, mode), mode_rate, now)
            if not bucket.ready(now):
                return GLOBAL
            buckets.append(bucket)
        if rates.endpoint > 0:
            bucket = self._bucket((account, mode, endpoint), rates.endpoint, now)
            if not bucket.ready(now):
                return ENDPOINT
            buckets.append(bucket)
        for bucket in buckets:
            bucket.take()
        return None
