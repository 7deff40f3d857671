"""Rate limits: token buckets per account+mode and per endpoint, Stripe's 429 body."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from stripe_sandbox.ratelimit import ENDPOINT, GLOBAL, RateLimiter, Rates
from stripe_sandbox.testing import CreatedAccount, SandboxProcess


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_beyond_one_second_of_rate_is_refused():
    clock = Clock()
    limiter = RateLimiter(Rates(live=100, test=25, endpoint=25), clock)
    answers = [limiter.check("acct", "test", "GET /v1/charges") for _ in range(40)]
    assert answers[:25] == [None] * 25
    assert set(answers[25:]) == {GLOBAL}


def test_a_client_pacing_at_the_rate_is_never_refused():
    clock = Clock()
    limiter = RateLimiter(Rates(live=100, test=25, endpoint=25), clock)
    for _ in range(10_000):  # 400 seconds at exactly 25 per second, after a full burst
        assert limiter.check("acct", "test", "GET /v1/charges") is None
        clock.now += 1 / 25


def test_the_endpoint_limit_applies_within_the_mode_limit():
    clock = Clock()
    limiter = RateLimiter(Rates(live=100, test=25, endpoint=25), clock)
    refused = [limiter.check("acct", "live", "GET /v1/charges") for _ in range(30)]
    assert refused[25:] == [ENDPOINT] * 5
    # Other endpoints still have the rest of the live budget.
    others = [limiter.check("acct", "live", f"GET /v1/x{n % 3}") for n in range(75)]
    assert others == [None] * 75
    assert limiter.check("acct", "live", "GET /v1/y") == GLOBAL


def test_refused_requests_take_no_token():
    clock = Clock()
    limiter = RateLimiter(Rates(live=100, test=2, endpoint=0), clock)
    assert limiter.check("a", "test", "e") is None
    assert limiter.check("a", "test", "e") is None
    for _ in range(50):
        assert limiter.check("a", "test", "e") == GLOBAL
    clock.now += 0.5  # one token back
    assert limiter.check("a", "test", "e") is None
    assert limiter.check("a", "test", "e") == GLOBAL


def test_accounts_and_modes_have_their_own_buckets():
    clock = Clock()
    limiter = RateLimiter(Rates(live=3, test=3, endpoint=0), clock)
    for _ in range(3):
        assert limiter.check("a", "test", "e") is None
    assert limiter.check("a", "test", "e") == GLOBAL
    assert limiter.check("a", "live", "e") is None
    assert limiter.check("b", "test", "e") is None


def test_rates_change_at_run_time_and_zero_turns_a_limit_off():
    clock = Clock()
    limiter = RateLimiter(Rates(live=1, test=1, endpoint=1), clock)
    limiter.set_rates({"test": 0, "endpoint": 0}, account="a")
    assert all(limiter.check("a", "test", "e") is None for _ in range(500))
    assert limiter.check("b", "test", "e") is None
    assert limiter.check("b", "test", "e") == GLOBAL
    with pytest.raises(ValueError, match="rate must be >= 0"):
        limiter.set_rates({"live": -1})


def test_a_burst_gets_stripes_429(sandbox: SandboxProcess, account: CreatedAccount):
    sandbox.control.set_rate_limits(test=25, live=100, endpoint=25, account=account.id)
    headers = {"Authorization": f"Bearer {account.keys['secret']}"}

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=sandbox.api_base, headers=headers) as client:
            return await asyncio.gather(*(client.get("/v1/charges") for _ in range(60)))

    responses = asyncio.run(burst())
    limited = [r for r in responses if r.status_code == 429]
    # 25 tokens, plus whatever refills while the burst is being served.
    assert len(limited) >= 15 and len(responses) - len(limited) >= 25
    body = limited[0].json()
    assert body == {
        "error": {
            "code": "rate_limit",
            "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": "Testmode request rate limit exceeded, the rate limits in testmode are "
            "lower than livemode. You can learn more about rate limits here "
            "https://stripe.com/docs/rate-limits.",
            "type": "invalid_request_error",
        }
    }
    assert limited[0].headers["Stripe-Rate-Limited-Reason"] in ("global-rate", "endpoint-rate")
    assert "Retry-After" not in limited[0].headers
    stats = sandbox.control.stats()["by_account"][f"{account.id}:test"]
    assert stats["rate_limited"] >= len(limited)
    # The live mode of the same account is untouched by the test-mode burst.
    live = httpx.get(
        f"{sandbox.api_base}/v1/charges",
        headers={"Authorization": f"Bearer {account.keys['secret_live']}"},
    )
    assert live.status_code == 200


def test_live_429_message(sandbox: SandboxProcess, account: CreatedAccount):
    sandbox.control.set_rate_limits(live=1, endpoint=0, account=account.id)
    headers = {"Authorization": f"Bearer {account.keys['secret_live']}"}
    with httpx.Client(base_url=sandbox.api_base, headers=headers) as client:
        assert client.get("/v1/customers").status_code == 200
        limited = client.get("/v1/customers")
    assert limited.status_code == 429
    assert limited.json()["error"]["message"].startswith("Request rate limit exceeded.")
    assert limited.headers["Stripe-Rate-Limited-Reason"] == "global-rate"


def test_paced_requests_under_the_limit_get_no_429(
    sandbox: SandboxProcess, account: CreatedAccount
):
    """Pacing is the point here: 45 requests at 90% of a 50/s limit, after a full burst.

    Each request waits its interval after the one before (never catching up on a late
    one), so a slow machine can only send them slower, never in a burst."""
    sandbox.control.set_rate_limits(test=50, endpoint=50, account=account.id)
    headers = {"Authorization": f"Bearer {account.keys['secret']}"}
    statuses: list[int] = []
    with httpx.Client(base_url=sandbox.api_base, headers=headers) as client:
        statuses += [client.get("/v1/charges").status_code for _ in range(50)]  # empties it
        for _ in range(45):
            time.sleep(1 / 45)
            statuses.append(client.get("/v1/charges").status_code)
    assert statuses == [200] * 95


def test_rate_limits_are_listed_and_reset(sandbox: SandboxProcess, account: CreatedAccount):
    state = sandbox.control.set_rate_limits(test=7, account=account.id)
    assert state["accounts"][account.id]["test"] == 7
    assert account.id not in sandbox.control.clear_rate_limits(account=account.id)["accounts"]
