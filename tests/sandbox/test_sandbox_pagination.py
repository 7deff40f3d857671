"""Property tests: any sequence of page requests, with any limit and any ``created`` filter,
returns exactly the matching objects, newest first, with no duplicate and no gap, even when
many objects share a second.

The oracle reads the sandbox's SQLite file directly: the matching set comes from each
object's ``created``, and the order is newest first with insertion order breaking ties.
A page after (before) a cursor holds the matching objects just older (newer) than it,
wherever the cursor itself falls, which is how Stripe defines cursors.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stripe_sandbox.testing import CreatedAccount, SandboxProcess

ENDPOINTS = ("charges", "customers", "balance_transactions")


class World:
    """The account under test and, per endpoint, its objects in the oracle's order."""

    def __init__(self, sandbox: SandboxProcess, account: CreatedAccount) -> None:
        self.http = httpx.Client(
            base_url=sandbox.api_base,
            headers={"Authorization": f"Bearer {account.keys['secret']}"},
            timeout=30,
        )
        db = Path(sandbox.control.health()["data_dir"]) / "sandbox.sqlite3"
        ds = account.account["datasets"]["test"]
        self.order: dict[str, list[tuple[str, int]]] = {}
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            for endpoint in ENDPOINTS:
                rows = conn.execute(
                    f"SELECT id, created, rid FROM {endpoint} WHERE ds = ?",  # noqa: S608
                    (ds,),
                ).fetchall()
                rows.sort(key=lambda r: (r[1], r[2]), reverse=True)
                self.order[endpoint] = [(r[0], r[1]) for r in rows]
        self.rank = {e: {oid: n for n, (oid, _) in enumerate(o)} for e, o in self.order.items()}

    def matching(self, endpoint: str, created: dict[str, int]) -> list[str]:
        def keep(t: int) -> bool:
            return all(
                {"": t == v, "gt": t > v, "gte": t >= v, "lt": t < v, "lte": t <= v}[op]
                for op, v in created.items()
            )

        return [oid for oid, t in self.order[endpoint] if keep(t)]

    def page(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.http.get(f"/v1/{endpoint}", params=params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture(scope="module")
def world(sandbox: SandboxProcess) -> World:
    # 150 charges in 40 seconds: most seconds hold several objects.
    account = sandbox.control.create_account(
        seed="pagination", charges=150, days=40 / 86_400, modes=["test"]
    )
    client = stripe.StripeClient(account.keys["secret"], base_addresses={"api": sandbox.api_base})
    for n in range(25):  # API-made objects, several per second, right after the generated ones
        client.v1.charges.create({"amount": 500 + n, "currency": "usd", "source": "tok_visa"})
    return World(sandbox, account)


def _params(created: dict[str, int]) -> dict[str, Any]:
    return {("created" if op == "" else f"created[{op}]"): v for op, v in created.items()}


@st.composite
def created_filters(draw: st.DrawFn, world: World, endpoint: str) -> dict[str, int]:
    times = [t for _, t in world.order[endpoint]]
    moments = st.integers(min(times) - 2, max(times) + 2) | st.sampled_from(times)
    kind = draw(st.sampled_from(["none", "exact", "range"]))
    if kind == "none":
        return {}
    if kind == "exact":
        return {"": draw(moments)}
    ops = draw(st.sets(st.sampled_from(["gt", "gte", "lt", "lte"]), min_size=1, max_size=2))
    return {op: draw(moments) for op in ops}


LIMITS = st.integers(1, 6) | st.integers(1, 100)


def check_page(
    world: World,
    endpoint: str,
    expected: list[str],
    page: dict[str, Any],
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int,
) -> list[str]:
    ids = [o["id"] for o in page["data"]]
    rank = world.rank[endpoint]
    if after is not None:
        rest = [oid for oid in expected if rank[oid] > rank[after]]
        assert ids == rest[:limit]
        assert page["has_more"] == (len(rest) > limit)
    elif before is not None:
        rest = [oid for oid in expected if rank[oid] < rank[before]]
        assert ids == rest[-limit:] if rest else ids == []
        assert page["has_more"] == (len(rest) > limit)
    else:
        assert ids == expected[:limit]
        assert page["has_more"] == (len(expected) > limit)
    return ids


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_walk_returns_the_matching_pages(world: World, data: st.DataObject) -> None:
    endpoint = data.draw(st.sampled_from(ENDPOINTS))
    created = data.draw(created_filters(world, endpoint))
    expected = world.matching(endpoint, created)
    limit = data.draw(LIMITS)
    page = world.page(endpoint, {"limit": limit, **_params(created)})
    ids = check_page(world, endpoint, expected, page, limit=limit)
    steps = data.draw(st.lists(st.tuples(st.sampled_from(["next", "prev"]), LIMITS), max_size=10))
    for direction, step_limit in steps:
        if not ids:
            break
        params = {"limit": step_limit, **_params(created)}
        if direction == "next":
            params["starting_after"] = ids[-1]
            page = world.page(endpoint, params)
            ids = check_page(world, endpoint, expected, page, after=ids[-1], limit=step_limit)
        else:
            params["ending_before"] = ids[0]
            page = world.page(endpoint, params)
            ids = check_page(world, endpoint, expected, page, before=ids[0], limit=step_limit)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_cursors_outside_the_filter_still_mark_a_position(
    world: World, data: st.DataObject
) -> None:
    endpoint = data.draw(st.sampled_from(ENDPOINTS))
    created = data.draw(created_filters(world, endpoint))
    expected = world.matching(endpoint, created)
    cursor = data.draw(st.sampled_from([oid for oid, _ in world.order[endpoint]]))
    limit = data.draw(LIMITS)
    side = data.draw(st.sampled_from(["starting_after", "ending_before"]))
    page = world.page(endpoint, {"limit": limit, side: cursor, **_params(created)})
    if side == "starting_after":
        check_page(world, endpoint, expected, page, after=cursor, limit=limit)
    else:
        check_page(world, endpoint, expected, page, before=cursor, limit=limit)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_full_walks_both_ways_have_no_duplicate_and_no_gap(
    world: World, data: st.DataObject
) -> None:
    endpoint = data.draw(st.sampled_from(ENDPOINTS))
    created = data.draw(created_filters(world, endpoint))
    expected = world.matching(endpoint, created)
    forward: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": data.draw(LIMITS), **_params(created)}
        if cursor:
            params["starting_after"] = cursor
        page = world.page(endpoint, params)
        forward += [o["id"] for o in page["data"]]
        if not page["has_more"]:
            break
        cursor = forward[-1]
    assert forward == expected
    # Backwards from past the oldest object: prepend each newer page.
    oldest = world.order[endpoint][-1][0]
    backward: list[str] = []
    anchor = oldest
    while True:
        page = world.page(
            endpoint, {"limit": data.draw(LIMITS), "ending_before": anchor, **_params(created)}
        )
        ids = [o["id"] for o in page["data"]]
        backward = ids + backward
        if not page["has_more"] or not ids:
            break
        anchor = ids[0]
    assert backward == [oid for oid in expected if oid != oldest]
    assert len(set(forward)) == len(forward)


def test_many_objects_share_a_second(world: World) -> None:
    times = [t for _, t in world.order["charges"]]
    assert len(times) - len(set(times)) >= 50


def test_sdk_auto_pagination_matches_the_oracle(sandbox: SandboxProcess, world: World) -> None:
    key = world.http.headers["Authorization"].removeprefix("Bearer ")
    client = stripe.StripeClient(key, base_addresses={"api": sandbox.api_base})
    times = sorted({t for _, t in world.order["charges"]})
    middle = times[len(times) // 2]
    created = {"gte": middle}
    got = [
        c.id
        for c in client.v1.charges.list({"limit": 3, "created": {"gte": middle}}).auto_paging_iter()
    ]
    assert got == world.matching("charges", created)
    # The SDK pages backwards when it starts with ending_before.
    oldest = world.order["charges"][-1][0]
    backwards = [
        c.id
        for c in client.v1.charges.list({"limit": 4, "ending_before": oldest}).auto_paging_iter()
    ]
    assert sorted(backwards, key=world.rank["charges"].__getitem__) == [
        oid for oid, _ in world.order["charges"][:-1]
    ]
