"""Faults injected on demand: latency with jitter, 500s with Stripe's api_error, dropped
connections, and garbage (a 200 whose list holds objects of no known shape). One
configuration applies to every account unless an account has its own."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any


def parse_latency(value: Any) -> tuple[float, float] | None:
    """``150-300``, ``200``, ``[150, 300]`` or None/"" (off), in milliseconds."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, int | float):
        low = high = float(value)
    elif isinstance(value, str):
        parts = value.replace(" ", "").split("-")
        if len(parts) == 1:
            low = high = float(parts[0])
        elif len(parts) == 2:
            low, high = float(parts[0]), float(parts[1])
        else:
            raise ValueError(f"latency must look like 150-300, not {value!r}")
    elif isinstance(value, list | tuple) and len(value) == 2:
        low, high = float(value[0]), float(value[1])
    else:
        raise ValueError(f"latency must look like 150-300, not {value!r}")
    if low < 0 or high < low:
        raise ValueError(f"latency range {value!r} is not low-high with 0 <= low <= high")
    return (low, high) if high > 0 else None


def parse_rate(name: str, value: Any) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")
    return rate


@dataclass(frozen=True)
class Faults:
    latency: tuple[float, float] | None = None
    error_rate: float = 0.0
    drop_rate: float = 0.0
    garbage_rate: float = 0.0

    def updated(self, changes: dict[str, Any]) -> Faults:
        clean: dict[str, Any] = {}
        if "latency" in changes:
            clean["latency"] = parse_latency(changes["latency"])
        for name in ("error_rate", "drop_rate", "garbage_rate"):
            if changes.get(name) is not None:
                clean[name] = parse_rate(name, changes[name])
        return replace(self, **clean)

    def to_json(self) -> dict[str, Any]:
        return {
            "latency": list(self.latency) if self.latency else None,
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "garbage_rate": self.garbage_rate,
        }


class FaultInjector:
    def __init__(self, default: Faults, rng: random.Random | None = None) -> None:
        self.default = default
        self.per_account: dict[str, Faults] = {}
        self.rng = rng or random.Random()

    def for_account(self, account: str | None) -> Faults:
        if account is not None:
            return self.per_account.get(account, self.default)
        return self.default

    def set(self, changes: dict[str, Any], account: str | None = None) -> Faults:
        if account is None:
            self.default = self.default.updated(changes)
            return self.default
        faults = self.for_account(account).updated(changes)
        self.per_account[account] = faults
        return faults

    def clear(self, account: str | None = None) -> None:
        if account is None:
            self.default = Faults()
            self.per_account.clear()
        else:
            self.per_account.pop(account, None)

    def latency_seconds(self, faults: Faults) -> float:
        if faults.latency is None:
            return 0.0
        low, high = faults.latency
        return self.rng.uniform(low, high) / 1000.0

    def happens(self, rate: float) -> bool:
        return rate > 0.0 and self.rng.random() < rate

    def to_json(self) -> dict[str, Any]:
        return {
            "global": self.default.to_json(),
            "accounts": {acct: f.to_json() for acct, f in self.per_account.items()},
        }
