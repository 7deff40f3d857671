"""Reading many ``created`` ranges of one Stripe account at once, within its budget.

Each range is read by a *chain*: a sequence of list requests, newest first, following
Stripe's cursor. Stripe returns at most 100 objects a request, so one chain is one request
in flight; to keep the budget full (rate × latency requests in flight, about 30 at 100/s
and 300 ms) a chain that learns its range holds more pages splits off the older part of
its range as new chains, until each endpoint has enough chains going.

Objects are aggregated as they arrive and dropped. A 15-minute bucket is complete once a
chain has passed below it; completed spans go to ``on_span`` and the chain's remaining
range shrinks to match, so what is persisted is always "these buckets are done, these
ranges are left", never a Stripe id. Nothing is ever counted twice: spans *replace* their
buckets when written.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chartivo.integrations.stripe.catalogue import Resource
from chartivo.integrations.stripe.client import GARBLED, StripeCallError, StripeSession
from chartivo.integrations.stripe.sync.budget import Budget
from chartivo.metrics.aggregation import (
    BUCKET_SECONDS,
    AggregateKey,
    Extractor,
    Span,
    Totals,
    fold,
    split_at,
)

logger = logging.getLogger(__name__)
PAGE_SIZE = 100
# More chains than this per endpoint only add memory (each holds a page in flight) and
# part-filled pages: 24 fill 25 requests/s up to a second of latency.
MAX_CHAINS_PER_ENDPOINT = 24


@dataclass
class Chain:
    resource: Resource
    lo: int  # created[gte]; raised when the chain gives its older part away
    hi: int  # created[lt]; fixed for the chain's life
    purpose: str
    done_to: int = 0  # buckets at or above this are complete and handed over
    cursor: str | None = None  # in memory only
    last_created: int | None = None
    pending: dict[AggregateKey, Totals] = field(default_factory=dict)
    pending_bucket: int | None = None
    seen: int = 0
    finished: bool = False

    def __post_init__(self) -> None:
        self.done_to = self.done_to or self.hi

    def restart(self) -> None:
        """Forget the cursor and the open bucket; read again from the last completed bucket."""
        self.hi = self.done_to
        self.cursor, self.last_created, self.pending_bucket = None, None, None
        self.pending = {}


@dataclass
class WalkStats:
    requests: int = 0
    objects: int = 0
    rate_limited: int = 0
    answered: int = 0  # requests Stripe answered with a page
    per_endpoint: Counter[str] = field(default_factory=Counter)  # requests
    objects_per_endpoint: Counter[str] = field(default_factory=Counter)


class Walker:
    def __init__(
        self,
        session: StripeSession,
        budget: Budget,
        on_span: Callable[[Span], None],
        *,
        connection_id: int = 0,
        initial_latency: float = 0.3,
    ) -> None:
        self.connection_id = connection_id
        self.session = session
        self.budget = budget
        self.on_span = on_span
        self.stats = WalkStats()
        self.chains: list[Chain] = []
        self.forbidden: dict[str, StripeCallError] = {}
        self.fatal: StripeCallError | None = None
        self._latency = initial_latency
        self._tasks: set[asyncio.Task[None]] = set()
        self._extractors: dict[str, Extractor] = {}
        self._idle = asyncio.Event()

    # --- running -----------------------------------------------------------------------
    def add(self, chain: Chain) -> None:
        self.chains.append(chain)
        self._extractors.setdefault(chain.resource.key, Extractor(chain.resource))
        task = asyncio.get_running_loop().create_task(self._run_chain(chain))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:
            # Never dropped: logged (the log's filter masks any key) with the connection.
            logger.error(
                "sync.chain_failed",
                exc_info=(type(exc), exc, exc.__traceback__),
                extra={"connection": self.connection_id},
            )
            if self.fatal is None:
                self.fatal = StripeCallError("unavailable", GARBLED)
            self.stop()
        if not self._tasks:
            self._idle.set()

    async def wait(self, seconds: float | None = None) -> bool:
        """Waits until every chain is done (True) or ``seconds`` pass (False)."""
        if not self._tasks:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def stop(self) -> None:
        # Cancelling is safe at any await: a chain's state only changes between awaits, and
        # what was not handed over as a completed span is simply read again next time.
        for task in list(self._tasks):
            task.cancel()

    def remaining(self) -> list[tuple[str, int, int, str]]:
        """(resource, start, end, purpose) still to read; consistent with spans handed over."""
        return [
            (c.resource.key, c.lo, c.done_to, c.purpose)
            for c in self.chains
            if not c.finished and c.lo < c.done_to
        ]

    # --- one chain -----------------------------------------------------------------------
    async def _run_chain(self, chain: Chain) -> None:
        resource = chain.resource
        attempt = 0
        while not chain.finished:
            if resource.key in self.forbidden or self.fatal is not None:
                return
            await self.budget.acquire(resource.path)
            params: dict[str, Any] = {
                "limit": PAGE_SIZE,
                resource.date_field: {"gte": chain.lo, "lt": chain.hi},
            }
            if chain.cursor is not None:
                params["starting_after"] = chain.cursor
            started = time.monotonic()
            self.stats.requests += 1
            self.stats.per_endpoint[resource.path] += 1
            try:
                page = await self.session.list(
                    resource.path, params, dashboard_row=resource.dashboard_row
                )
            except StripeCallError as error:
                attempt += 1
                if not await self._recover(chain, error, attempt):
                    return
                continue
            attempt = 0
            self.stats.answered += 1
            self._latency = 0.8 * self._latency + 0.2 * (time.monotonic() - started)
            self._absorb(chain, page.data, page.has_more)
            if page.has_more and not chain.finished and not resource.whole_range:
                self._maybe_split(chain)

    async def _recover(self, chain: Chain, error: StripeCallError, attempt: int) -> bool:
        """A 429 waits through the budget, and a vanished cursor restarts the chain; anything
        else (the client has already tried again as its policy says) stops the walk."""
        if error.kind == "rate_limited":
            self.stats.rate_limited += 1
            await self.budget.pause(error.retry_after or min(2.0 ** min(attempt, 5) / 4, 8.0))
            return True
        if error.kind == "forbidden":
            self.forbidden[chain.resource.key] = error
            return False
        if error.kind == "invalid" and chain.cursor is not None and attempt < 2:
            chain.restart()  # e.g. the cursor's object vanished: read the bucket again
            return True
        if self.fatal is None:
            self.fatal = error
        self.stop()
        return False

    def _absorb(self, chain: Chain, objects: list[dict[str, Any]], has_more: bool) -> None:
        extractor = self._extractors[chain.resource.key]
        lowest = fold(extractor, objects, chain.pending, low=chain.lo, high=chain.done_to)
        if lowest is not None and not chain.resource.whole_range:
            # Newest first: every bucket above the page's lowest one is complete.
            done, chain.pending = split_at(chain.pending, lowest + BUCKET_SECONDS)
            self._complete(chain, lowest + BUCKET_SECONDS, done)
            chain.pending_bucket = lowest
        if objects:
            chain.cursor = str(objects[-1]["id"])
            chain.last_created = int(objects[-1]["created"])
            chain.seen += len(objects)
            self.stats.objects += len(objects)
            self.stats.objects_per_endpoint[chain.resource.path] += len(objects)
        if not has_more:
            self._complete(chain, chain.lo, chain.pending)
            chain.pending = {}
            chain.finished = True
            self.chains.remove(chain)  # memory stays flat however many chains a sync makes

    def _complete(self, chain: Chain, low: int, totals: dict[AggregateKey, Totals]) -> None:
        if low < chain.done_to:
            self.on_span(Span(chain.resource.key, low, chain.done_to, totals))
            chain.done_to = low

    # --- splitting -----------------------------------------------------------------------
    def _target(self, resource: Resource) -> int:
        rate = min(self.budget.rates.per_endpoint, self.budget.rates.total)
        return max(2, min(MAX_CHAINS_PER_ENDPOINT, math.ceil(rate * self._latency * 1.3) + 1))

    def _maybe_split(self, chain: Chain) -> None:
        resource = chain.resource
        alive = sum(1 for c in self.chains if c.resource is resource and not c.finished)
        deficit = self._target(resource) - alive
        if deficit <= 0 or chain.pending_bucket is None or chain.last_created is None:
            return
        span = chain.pending_bucket - chain.lo  # untouched buckets below the current one
        if span < 2 * BUCKET_SECONDS:
            return
        density = chain.seen / max(1, chain.hi - chain.last_created)
        pages_left = density * span / PAGE_SIZE
        # Every chain ends on a part-filled page; give each at least three pages of work.
        pieces = min(deficit + 1, int(pages_left / 3), span // BUCKET_SECONDS)
        if pieces < 2:
            return
        bounds = [
            chain.lo + (span * i // pieces) // BUCKET_SECONDS * BUCKET_SECONDS
            for i in range(pieces)
        ] + [chain.pending_bucket]
        for low, high in itertools.pairwise(bounds[:-1]):
            if low < high:
                self.add(Chain(resource, low, high, chain.purpose))
        chain.lo = bounds[-2]
