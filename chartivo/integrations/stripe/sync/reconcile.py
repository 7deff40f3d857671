"""Checking that every paid payout ties out to the cent: read, compare, keep the totals.

For each paid payout in the history window that has not been checked at its current
amount, ``GET /v1/balance_transactions?payout=po_…`` lists the payout's own transaction and
the ones it paid out. It ties out when the nets of those it paid out add up to its amount
and its own transaction took exactly that amount from the balance. Only the totals and the
verdict are kept (``chartivo.metrics.models.PayoutCheck``), never a payout, a transaction
or an id: a payout that does not tie out is named by its currency, amount and dates, the
way it is found in the Stripe Dashboard.

A check is made once per payout and amount, so a refresh reads the transactions of the
payouts paid since the last one, not the window's again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from chartivo.integrations.stripe.client import GARBLED, StripeCallError, StripeSession
from chartivo.integrations.stripe.resources import BALANCE_TRANSACTIONS, PAYOUTS
from chartivo.integrations.stripe.sync import plan, schedule
from chartivo.integrations.stripe.sync.budget import Budget
from chartivo.integrations.stripe.sync.walker import Walker, WalkStats
from chartivo.metrics import payout_checks

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
# Payouts checked side by side: each is a sequence of pages, and together they keep the
# balance-transactions endpoint's share of the budget busy at a few hundred ms a page.
IN_FLIGHT = 8
# Payouts a run on the refresh queue checks: one round in flight. A first sync holds a
# month of daily payouts, each a read of its transactions; checked all at once, a burst of
# first syncs (a deploy that adds a resource, many keys saved at once) would hold every
# refresh behind it. The rest continue on the backfill queue, behind every refresh.
ON_REFRESH = IN_FLIGHT

PayoutKey = tuple[str, int, int]  # currency, created, arrival_date


@dataclass(frozen=True)
class CheckResult:
    currency: str
    created: int
    arrival: int
    amount: int
    settled: int  # Σ net of the transactions the payout paid out
    moved: int  # what its own transaction took from the balance (−its amount)
    transactions: int


def _key(payout: Mapping[str, Any]) -> PayoutKey:
    return (str(payout["currency"]).lower(), int(payout["created"]), int(payout["arrival_date"]))


def _source_id(txn: Mapping[str, Any]) -> str:
    source = txn.get("source")
    return str(source.get("id")) if isinstance(source, Mapping) else str(source or "")


async def _pages(
    session: StripeSession,
    budget: Budget,
    path: str,
    params: dict[str, Any],
    row: str,
    stats: WalkStats,
    on_page: Callable[[list[dict[str, Any]]], None],
) -> None:
    """Every page of one list, within the budget, each handed to ``on_page`` and dropped
    (a busy day's payout pays out thousands of transactions); a 429 waits."""
    params = {"limit": PAGE_SIZE, **params}
    while True:
        await budget.acquire(path)
        stats.requests += 1
        stats.per_endpoint[path] += 1
        try:
            page = await session.list(path, params, dashboard_row=row)
        except StripeCallError as error:
            if error.kind != "rate_limited":
                raise
            stats.rate_limited += 1
            await budget.pause(error.retry_after or 1.0)
            continue
        stats.answered += 1
        stats.objects += len(page.data)
        stats.objects_per_endpoint[path] += len(page.data)
        on_page(page.data)
        if not page.has_more or not page.data:
            return
        cursor = page.data[-1].get("id")
        if cursor == params.get("starting_after"):
            raise StripeCallError("unavailable", GARBLED)
        params["starting_after"] = cursor


async def _check(
    session: StripeSession, budget: Budget, payout: Mapping[str, Any], stats: WalkStats
) -> CheckResult:
    payout_id = str(payout["id"])
    totals = [0, 0, 0]  # settled, moved, transactions

    def add(page: list[dict[str, Any]]) -> None:
        for txn in page:
            if _source_id(txn) == payout_id:
                totals[1] -= int(txn["amount"])  # the payout's own transaction: −amount
            else:
                totals[0] += int(txn["net"])
                totals[2] += 1

    params = {"payout": payout_id}
    row = BALANCE_TRANSACTIONS.dashboard_row
    await _pages(session, budget, BALANCE_TRANSACTIONS.path, params, row, stats, add)
    currency, created, arrival = _key(payout)
    return CheckResult(currency, created, arrival, int(payout["amount"]), *totals)


async def paid_payouts(
    session: StripeSession, budget: Budget, *, since: int, stats: WalkStats
) -> list[dict[str, Any]]:
    """The paid payouts arriving at or after ``since`` (a page or two: one a day per
    settlement currency)."""
    payouts: list[dict[str, Any]] = []
    params = {"status": "paid", "arrival_date": {"gte": since}}

    def keep(page: list[dict[str, Any]]) -> None:
        payouts.extend(p for p in page if p.get("status") == "paid")

    await _pages(session, budget, PAYOUTS.path, params, PAYOUTS.dashboard_row, stats, keep)
    return payouts


async def check_payouts(
    session: StripeSession,
    budget: Budget,
    walker: Walker,
    *,
    connection_id: int,
    token: str,
    payouts_read: bool,
    seconds_left: float,
    now: int,
    most: int | None = None,
) -> bool:
    """After a run's walk: checks the paid payouts not checked yet at their amount, once
    payouts were read whole (or when some paid payout still lacks its check: a slice
    ended before it), at most ``most`` of them; returns whether some are left unchecked.
    Checks are written as they finish, at least once a second, under the run's lease like
    its aggregates (each write renews it), so a run stopped at any moment keeps what it
    checked."""
    blocked = {"payouts", "balance_transactions"} & set(walker.forbidden)
    left = {res for res, *_ in walker.remaining()}
    if walker.fatal is not None or blocked or "payouts" in left or seconds_left <= 0:
        return False
    since = plan.window_start(now, settings.HISTORY_DAYS)
    behind = sync_to_async(payout_checks.behind, thread_sensitive=True)
    if not payouts_read and not await behind(connection_id, since):
        return False
    known = await sync_to_async(payout_checks.checked, thread_sensitive=True)(connection_id, since)
    save = sync_to_async(_save, thread_sensitive=True)
    stats = walker.stats
    tasks: set[asyncio.Task[CheckResult]] = set()
    try:
        async with asyncio.timeout(seconds_left):
            payouts = await paid_payouts(session, budget, since=since, stats=stats)
            # Checks of payouts no longer paid in the window go first.
            await save(connection_id, token, [], {_key(p) for p in payouts}, since)
            todo = [p for p in payouts if known.get(_key(p)) != int(p["amount"])]
            later = todo[most:] if most is not None else []
            todo = todo[:most]
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def one(payout: Mapping[str, Any]) -> CheckResult:
                async with gate:
                    return await _check(session, budget, payout, stats)

            tasks = {asyncio.create_task(one(p)) for p in todo}
            while tasks:
                done, tasks = await asyncio.wait(
                    tasks, timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                )
                rows = [astuple(task.result()) for task in done]
                await save(connection_id, token, rows, None, since)
            return bool(later)
    except (TimeoutError, StripeCallError) as error:
        # Nothing is lost: the payouts without a check are checked at the next run.
        extra = {"connection": connection_id, "error": str(error) or "slice over"}
        logger.info("sync.reconcile_deferred", extra=extra)
        return False
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _save(
    connection_id: int,
    token: str,
    rows: list[tuple[Any, ...]],
    seen: set[PayoutKey] | None,
    since: int,
) -> None:
    with transaction.atomic():
        schedule.renew(connection_id, token)
        payout_checks.save(connection_id, rows, seen=seen, since=since)
