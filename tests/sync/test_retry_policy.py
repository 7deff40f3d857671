"""The one retry rule (integrations/stripe/client.py): which errors, how often, how long."""

from __future__ import annotations

from chartivo.integrations.stripe.client import RetryPolicy, StripeCallError

DOWN = StripeCallError("unavailable", "down", status=503)
LOCKED = StripeCallError("invalid", "lock", status=409)
LIMITED = StripeCallError("rate_limited", "slow", status=429)
LIMITED_WITH_HINT = StripeCallError("rate_limited", "slow", status=429, retry_after=7.0)
FORBIDDEN = StripeCallError("forbidden", "no", status=403)
REJECTED = StripeCallError("rejected", "no", status=401)


def test_connection_errors_5xx_and_409_are_retried_up_to_the_count() -> None:
    policy = RetryPolicy(retries=2, deadline=60)
    assert policy.should_retry(DOWN, 1) and policy.should_retry(DOWN, 2)
    assert not policy.should_retry(DOWN, 3)
    assert policy.should_retry(LOCKED, 1)


def test_what_a_user_must_fix_is_never_retried() -> None:
    policy = RetryPolicy(retries=5, deadline=60, rate_limited=True)
    assert not policy.should_retry(FORBIDDEN, 1)
    assert not policy.should_retry(REJECTED, 1)


def test_429s_are_the_budgets_unless_the_policy_takes_them() -> None:
    assert not RetryPolicy(retries=5, deadline=60).should_retry(LIMITED, 1)
    assert RetryPolicy(retries=5, deadline=60, rate_limited=True).should_retry(LIMITED, 1)


def test_backoff_doubles_from_half_a_second_up_to_eight_and_follows_retry_after() -> None:
    assert [RetryPolicy.pause(DOWN, n) for n in range(1, 7)] == [0.5, 1, 2, 4, 8, 8]
    assert RetryPolicy.pause(LIMITED_WITH_HINT, 1) == 7.0
