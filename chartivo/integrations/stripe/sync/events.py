"""Reading Stripe's events list since a checkpoint, within the account's budget.

Only what planning needs is kept of each event: its object's kind and ``created``
(``plan.Change``). A key without Read on Events answers 403: the scan says so, and the
refresh falls back to reading tails and unsettled buckets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chartivo.integrations.stripe.catalogue import EVENTS_DASHBOARD_ROW, EVENTS_PATH
from chartivo.integrations.stripe.client import GARBLED, StripeCallError, StripeSession
from chartivo.integrations.stripe.sync.budget import Budget
from chartivo.integrations.stripe.sync.plan import EVENT_TYPES, Change, placed_at

PAGE_SIZE = 100


@dataclass
class EventScan:
    readable: bool = True
    changes: list[Change] = field(default_factory=list)
    newest: int | None = None  # ``created`` of the newest event read
    requests: int = 0


async def scan_events(session: StripeSession, budget: Budget, *, since: int) -> EventScan:
    """Every create or change event at or after ``since``; a 429 waits through the budget."""
    scan = EventScan()
    params: dict[str, Any] = {"limit": PAGE_SIZE, "created": {"gte": since}, "types": EVENT_TYPES}
    while True:
        await budget.acquire(EVENTS_PATH)
        scan.requests += 1
        try:
            page = await session.list(EVENTS_PATH, params, dashboard_row=EVENTS_DASHBOARD_ROW)
        except StripeCallError as error:
            if error.kind == "rate_limited":
                await budget.pause(error.retry_after or 1.0)
                continue
            if error.kind != "forbidden":
                raise
            scan.readable = False
            return scan
        for event in page.data:
            _read_event(scan, event)
        if not page.has_more or not page.data:
            return scan
        cursor = page.data[-1].get("id")
        if cursor == params.get("starting_after"):  # would ask for the same page forever
            raise StripeCallError("unavailable", GARBLED)
        params["starting_after"] = cursor


def _read_event(scan: EventScan, event: dict[str, Any]) -> None:
    created = event.get("created")
    if not isinstance(created, int):
        raise StripeCallError("unavailable", GARBLED)
    scan.newest = created if scan.newest is None else max(scan.newest, created)
    obj = (event.get("data") or {}).get("object") or {}
    placed = placed_at(obj)
    if placed is not None:
        scan.changes.append(Change(str(obj.get("object")), placed))
