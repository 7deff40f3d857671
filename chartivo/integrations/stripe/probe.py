"""Checking a pasted key before it is saved: one ``limit=1`` list call per resource.

A 401 on any of them means Stripe rejected the key; a 403 names a resource the key may
not read. Both are answered on the form, before anything is stored. The whole check runs
under one deadline (``KEY_CHECK_SECONDS``): a web request thread must not wait on a Stripe
that hangs, and the user is told that nothing was saved.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace

from django.views.decorators.debug import sensitive_variables

from chartivo.integrations.stripe.catalogue import (
    EVENTS_DASHBOARD_ROW,
    EVENTS_PATH,
    RESOURCES,
)
from chartivo.integrations.stripe.client import (
    RetryPolicy,
    StripeCallError,
    StripeSession,
    needs_read,
)

EVENTS = "events"
KEY_CHECK_SECONDS = 9.0  # with the page around it, the form answers within 12 s
# Within the deadline: a dropped connection or a 429 from the merchant's own traffic is
# tried twice more (0.5 s, then 1 s later); a hang is cut by the deadline itself.
KEY_CHECK_POLICY = RetryPolicy(retries=2, deadline=KEY_CHECK_SECONDS, rate_limited=True)
NOT_SAVED = "your key was not saved — try again."
TIMED_OUT = f"Stripe did not answer in time; {NOT_SAVED}"


@dataclass(frozen=True)
class ProbeResult:
    readable: dict[str, bool]  # resource key (and "events") -> may the key read it
    problems: dict[str, str]  # resource key -> "needs Read on Disputes"
    account_id: str = ""  # the key's Stripe account ("acct_…"), when Stripe names it
    display_name: str = ""  # its name in the Stripe Dashboard, when the key may read it
    # The currencies it settles in: from the account where the key may read it ("account"),
    # else the currencies its balance is held in ("balance"); empty where neither answers.
    settlement_currencies: tuple[str, ...] = ()
    settlement_source: str = ""


def _targets() -> dict[str, tuple[str, str]]:
    targets = {key: (r.path, r.dashboard_row) for key, r in RESOURCES.items()}
    targets[EVENTS] = (EVENTS_PATH, EVENTS_DASHBOARD_ROW)
    return targets


def _not_saved(error: StripeCallError) -> StripeCallError:
    """The sync's wording ("will try again by itself") is wrong here: nothing was kept."""
    if error.message.startswith("Stripe did not answer in time"):
        return StripeCallError(error.kind, TIMED_OUT, status=error.status)
    first = error.message.split(". ")[0].split("; ")[0].rstrip(".")
    return StripeCallError(error.kind, f"{first}; {NOT_SAVED}", status=error.status)


async def _named_account(
    session: StripeSession, seconds: float
) -> tuple[str, str, list[str], list[str]]:
    """The account's id, name and settlement currencies, and its balance's currencies
    (asked only where the account is not readable: restricted keys)."""
    try:
        async with asyncio.timeout(seconds):
            account_id, name, currencies = await session.account()
            held: list[str] = [] if currencies else await session.balance_currencies()
            return account_id, name, currencies, held
    except TimeoutError:
        return ("", "", [], [])


@sensitive_variables("secret")
async def _probe(secret: str) -> ProbeResult:
    started = time.monotonic()
    targets = _targets()
    async with StripeSession(
        secret,
        max_connections=len(targets) + 1,
        policy=KEY_CHECK_POLICY,
        timeout=KEY_CHECK_SECONDS,
    ) as session:
        # The first check in a fresh process loads much of the SDK: that counts too.
        left = max(1.0, KEY_CHECK_SECONDS - (time.monotonic() - started))
        session.policy = replace(KEY_CHECK_POLICY, deadline=left)
        # The account is asked beside the checks, under their deadline: a Stripe that
        # does not name it leaves the name empty rather than the key unsaved.
        named, *outcomes = await asyncio.gather(
            _named_account(session, left),
            *(
                session.list(path, {"limit": 1}, dashboard_row=row)
                for path, row in targets.values()
            ),
            return_exceptions=True,
        )
    account_id, display_name, from_account, from_balance = (
        named if isinstance(named, tuple) else ("", "", [], [])
    )
    errors = [o for o in outcomes if isinstance(o, StripeCallError)]
    for kind in ("rejected", "unavailable", "rate_limited", "invalid"):
        first = next((e for e in errors if e.kind == kind), None)
        if first is not None:
            raise first if kind == "rejected" else _not_saved(first)
    unexpected = next(
        (o for o in outcomes if isinstance(o, BaseException) and o not in errors), None
    )
    if isinstance(unexpected, BaseException):
        raise unexpected
    readable: dict[str, bool] = {}
    problems: dict[str, str] = {}
    for (key, (_path, row)), outcome in zip(targets.items(), outcomes, strict=True):
        readable[key] = not isinstance(outcome, StripeCallError)
        if not readable[key]:
            problems[key] = needs_read(row)
    return ProbeResult(
        readable=readable,
        problems=problems,
        account_id=account_id,
        display_name=display_name,
        settlement_currencies=tuple(from_account or from_balance),
        settlement_source="account" if from_account else "balance" if from_balance else "",
    )


# Hides every variable of the frames below too: the SDK's hold the key as ``api_key``.
@sensitive_variables()
def probe_key(secret: str) -> ProbeResult:
    """Raises ``StripeCallError`` when the key cannot be verified (rejected, Stripe down)."""
    return asyncio.run(_probe(secret))
