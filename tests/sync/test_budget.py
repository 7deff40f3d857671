"""The request budget (sync/budget.py) on a fake clock: pacing without waiting for real."""

from __future__ import annotations

import asyncio

from chartivo.integrations.stripe.sync.budget import TOLERANCE_SECONDS, LocalBudget, Rates


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _times(budget: LocalBudget, clock: FakeClock, endpoints: list[str]) -> list[float]:
    async def go() -> list[float]:
        out = []
        for endpoint in endpoints:
            await budget.acquire(endpoint)
            out.append(clock.now)
        return out

    return asyncio.run(go())


def test_requests_are_spaced_by_the_total_rate() -> None:
    clock = FakeClock()
    budget = LocalBudget(Rates(total=10, per_endpoint=10), clock=clock, sleep=clock.sleep)
    times = _times(budget, clock, ["/v1/charges"] * 21)
    # 21 requests at 10/s take 2 s, less the tolerance a waiting request may wake early.
    assert 2.0 - TOLERANCE_SECONDS <= times[-1] - times[0] <= 2.0


def test_one_endpoint_is_held_to_its_own_rate_while_others_use_the_rest() -> None:
    clock = FakeClock()
    budget = LocalBudget(Rates(total=100, per_endpoint=5), clock=clock, sleep=clock.sleep)
    charges = _times(budget, clock, ["/v1/charges"] * 11)
    assert charges[-1] - charges[0] >= 2.0 - TOLERANCE_SECONDS
    start = clock.now
    mixed = _times(budget, clock, [f"/v1/e{i}" for i in range(10)])
    assert mixed[-1] - start <= 0.1  # ten endpoints, one request each: the total's pace


def test_a_pause_holds_every_endpoint() -> None:
    clock = FakeClock()
    budget = LocalBudget(Rates(total=100, per_endpoint=25), clock=clock, sleep=clock.sleep)
    asyncio.run(budget.pause(3.0))
    (first,) = _times(budget, clock, ["/v1/refunds"])
    assert first >= 1000.0 + 3.0 - TOLERANCE_SECONDS
