"""Checking a pasted key before it is saved: one ``limit=1`` list call per resource.

A 401 on any of them means Stripe rejected the key; a 403 names a resource the key may
not read. Both are answered on the form, before anything is stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from chartivo.integrations.stripe.catalogue import (
    EVENTS_DASHBOARD_ROW,
    EVENTS_PATH,
    RESOURCES,
)
from chartivo.integrations.stripe.client import StripeCallError, StripeSession, needs_read

EVENTS = "events"
RATE_LIMIT_ATTEMPTS = 4


@dataclass(frozen=True)
class ProbeResult:
    readable: dict[str, bool]  # resource key (and "events") -> may the key read it
    problems: dict[str, str]  # resource key -> "needs Read on Disputes"


def _targets() -> dict[str, tuple[str, str]]:
    targets = {key: (r.path, r.dashboard_row) for key, r in RESOURCES.items()}
    targets[EVENTS] = (EVENTS_PATH, EVENTS_DASHBOARD_ROW)
    return targets


async def _list_once(session: StripeSession, path: str, row: str) -> object:
    """One ``limit=1`` call; a 429 (the merchant's own traffic) is waited out, briefly."""
    for attempt in range(RATE_LIMIT_ATTEMPTS):
        try:
            return await session.list(path, {"limit": 1}, dashboard_row=row)
        except StripeCallError as error:
            if error.kind != "rate_limited" or attempt == RATE_LIMIT_ATTEMPTS - 1:
                raise
            await asyncio.sleep(error.retry_after or 0.5 * 2**attempt)
    raise AssertionError("unreachable")


@sensitive_variables("secret")
async def _probe(secret: str) -> ProbeResult:
    targets = _targets()
    async with StripeSession(secret, max_connections=len(targets)) as session:
        outcomes = await asyncio.gather(
            *(_list_once(session, path, row) for path, row in targets.values()),
            return_exceptions=True,
        )
    errors = [o for o in outcomes if isinstance(o, StripeCallError)]
    for kind in ("rejected", "unavailable", "rate_limited", "invalid"):
        first = next((e for e in errors if e.kind == kind), None)
        if first is not None:
            raise first
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
    return ProbeResult(readable=readable, problems=problems)


# Hides every variable of the frames below too: the SDK's hold the key as ``api_key``.
@sensitive_variables()
def probe_key(secret: str) -> ProbeResult:
    """Raises ``StripeCallError`` when the key cannot be verified (rejected, Stripe down)."""
    return asyncio.run(_probe(secret))
