"""The walker (sync/walker.py) against a Stripe list kept in memory: chains split, every
object is counted once, spans and remaining ranges always match, a vanished cursor
restarts its chain, and a chain that crashes is logged, never dropped."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from typing import Any, cast

import pytest

from chartivo.integrations.stripe.catalogue import CHARGES
from chartivo.integrations.stripe.client import Page, StripeCallError, StripeSession
from chartivo.integrations.stripe.sync.budget import LocalBudget, Rates
from chartivo.integrations.stripe.sync.walker import Chain, Walker
from chartivo.metrics.aggregation import AggregateKey, Extractor, Span, Totals

LO = 1_760_000_400 - 1_760_000_400 % 900
HI = LO + 3 * 86_400


def _charges(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        created = rng.randrange(LO - 3600, HI + 3600)  # some outside the range asked for
        out.append(
            {
                "id": f"ch_{i:06d}",
                "object": "charge",
                "created": created,
                "amount": rng.randrange(100, 10_000),
                "amount_captured": 0,
                "currency": rng.choice(["usd", "eur"]),
                "status": rng.choice(["succeeded", "failed"]),
                "payment_method_details": {"card": {"brand": "visa"}},
            }
        )
    # Stripe's order: newest first, ties broken by id.
    return sorted(out, key=lambda o: (o["created"], o["id"]), reverse=True)


class FakeStripe:
    """The list endpoint's rules: ``created`` filters, ``limit``, ``starting_after``."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects
        self.requests = 0
        self.fail_cursor_once: str | None = None
        self.garbage = False

    async def list(self, path: str, params: dict[str, Any], *, dashboard_row: str = "") -> Page:
        self.requests += 1
        await asyncio.sleep(0)
        created = params["created"]
        matching = [o for o in self.objects if created["gte"] <= o["created"] < created["lt"]]
        cursor = params.get("starting_after")
        if cursor is not None and cursor == self.fail_cursor_once:
            self.fail_cursor_once = None
            raise StripeCallError("invalid", "No such charge", status=404)
        if cursor is not None:
            position = next(i for i, o in enumerate(self.objects) if o["id"] == cursor)
            after = self.objects[position]
            key = (after["created"], after["id"])
            matching = [o for o in matching if (o["created"], o["id"]) < key]
        page = matching[: params["limit"]]
        if self.garbage:
            page = [{"id": "x"}]
        return Page(data=page, has_more=len(matching) > params["limit"])


def _expected(objects: list[dict[str, Any]]) -> dict[AggregateKey, Totals]:
    extractor = Extractor(CHARGES)
    out: dict[AggregateKey, Totals] = {}
    for obj in objects:
        if LO <= obj["created"] < HI:
            totals = out.setdefault(extractor.key(obj), [0] * 6)
            extractor.add(totals, obj)
    return out


def _walk(stripe: FakeStripe, latency: float = 0.3) -> tuple[Walker, list[Span]]:
    spans: list[Span] = []

    async def go() -> Walker:
        budget = LocalBudget(Rates(total=10_000, per_endpoint=10_000))
        session = cast(StripeSession, stripe)
        walker = Walker(session, budget, spans.append, connection_id=7, initial_latency=latency)
        walker.add(Chain(CHARGES, LO, HI, "backfill"))
        await walker.wait()
        return walker

    return asyncio.run(go()), spans


def _stored(spans: list[Span]) -> dict[AggregateKey, Totals]:
    covered: list[tuple[int, int]] = []
    out: dict[AggregateKey, Totals] = {}
    for span in spans:
        assert all(span.start <= k.bucket < span.end for k in span.totals)
        covered.append((span.start, span.end))
        out.update(span.totals)
    covered.sort()
    assert covered[0][0] == LO and covered[-1][1] == HI
    assert all(a[1] == b[0] for a, b in itertools.pairwise(covered))
    return out


def test_a_range_is_read_by_chains_that_split_and_count_every_object_once() -> None:
    objects = _charges(5000, seed=1)
    stripe = FakeStripe(objects)
    walker, spans = _walk(stripe)
    assert walker.fatal is None and walker.remaining() == []
    assert _stored(spans) == _expected(objects)
    # Split: more requests than one chain would make is fine; fewer pages than objects/100
    # would mean something was skipped.
    assert stripe.requests >= len(_expected(objects)) // 100
    assert len({(s.start, s.end) for s in spans}) > 1


def test_a_vanished_cursor_restarts_its_chain_and_loses_nothing() -> None:
    objects = _charges(800, seed=2)
    stripe = FakeStripe(objects)
    inside = [o for o in objects if LO <= o["created"] < HI]
    stripe.fail_cursor_once = inside[99]["id"]
    walker, spans = _walk(stripe, latency=0.0)
    assert walker.fatal is None
    assert _stored(spans) == _expected(objects)


def test_a_crashed_chain_is_logged_with_its_connection_and_stops_the_walk(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stripe = FakeStripe(_charges(50, seed=3))
    stripe.garbage = True
    with caplog.at_level(logging.ERROR):
        walker, spans = _walk(stripe)
    assert walker.fatal is not None and "could not read" in walker.fatal.message
    record = next(r for r in caplog.records if r.message == "sync.chain_failed")
    assert record.connection == 7  # type: ignore[attr-defined]
    assert "KeyError" in caplog.text  # the traceback, masked by the log filter
    assert spans == []
