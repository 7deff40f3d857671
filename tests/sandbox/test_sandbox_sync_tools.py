"""Open-source Stripe sync tools read the sandbox unmodified: the requests that Singer's
tap-stripe and Airbyte's source-stripe send (headers, windows, expansions, event types,
payout transactions), reproduced as they are on the wire, get every object once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stripe_sandbox.testing import CreatedAccount, SandboxProcess

END = 1_790_000_000
DAY = 86_400

# tap-stripe pins this API version and lists with these expansions (old SDK: expand[0]=…).
TAP_VERSION = "2020-08-27"
TAP_EXPAND = {"customers": ["data.sources", "data.subscriptions", "data.tax_ids"]}
# Airbyte's source-stripe: its API version, its charges expansion and the event types of
# its incremental charges and payouts streams.
AIRBYTE_VERSION = "2022-11-15"
AIRBYTE_CHARGE_EVENTS = [
    "charge.captured",
    "charge.expired",
    "charge.failed",
    "charge.pending",
    "charge.refunded",
    "charge.refund.updated",
    "charge.succeeded",
    "charge.updated",
]
AIRBYTE_PAYOUT_EVENTS = [
    "payout.canceled",
    "payout.created",
    "payout.failed",
    "payout.paid",
    "payout.reconciliation_completed",
    "payout.updated",
]


@pytest.fixture(scope="module")
def account(sandbox: SandboxProcess) -> CreatedAccount:
    return sandbox.control.create_account(
        seed="sync-tools",
        charges=900,
        days=60,
        end=END,
        modes=["test"],
        settlement_currencies=["usd"],
    )


@pytest.fixture(scope="module")
def everything(sandbox: SandboxProcess, account: CreatedAccount) -> dict[str, list[str]]:
    """Every id of each list, read plainly, to compare the tools' reads with."""
    out: dict[str, list[str]] = {}
    headers = {"Authorization": f"Bearer {account.keys['secret']}"}
    with httpx.Client(base_url=sandbox.api_base, headers=headers, timeout=30) as http:
        for endpoint in (
            "charges",
            "customers",
            "refunds",
            "disputes",
            "payouts",
            "balance_transactions",
            "events",
        ):
            out[endpoint] = [o["id"] for o in _pages(http, endpoint, [])]
    return out


def _pages(
    http: httpx.Client, endpoint: str, params: list[tuple[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Follow ``starting_after`` as both tools do, the other parameters unchanged."""
    cursor = None
    while True:
        page_params = [*params, ("starting_after", cursor)] if cursor else params
        response = http.get(f"/v1/{endpoint}", params=page_params)
        assert response.status_code == 200, response.text
        page = response.json()
        yield from page["data"]
        if not page["has_more"] or not page["data"]:
            return
        cursor = page["data"][-1]["id"]


def _client(sandbox: SandboxProcess, account: CreatedAccount, version: str) -> httpx.Client:
    headers = {
        "Authorization": f"Bearer {account.keys['secret']}",
        "Stripe-Version": version,
        "Stripe-Account": account.id,
    }
    return httpx.Client(base_url=sandbox.api_base, headers=headers, timeout=30)


def test_tap_stripe(sandbox, account, everything):
    with _client(sandbox, account, TAP_VERSION) as http:
        # Connection check: the account, and its display name logged.
        found = http.get(f"/v1/accounts/{account.id}")
        assert found.status_code == 200 and found.json()["settings"]["dashboard"]["display_name"]
        start, window = END - 200 * DAY, 30 * DAY
        for stream in (
            "charges",
            "customers",
            "refunds",
            "disputes",
            "payouts",
            "balance_transactions",
            "events",
        ):
            seen: list[str] = []
            for low in range(start, END + 1, window):
                params: list[tuple[str, Any]] = [("limit", 100)]
                params += [(f"expand[{n}]", e) for n, e in enumerate(TAP_EXPAND.get(stream, []))]
                params += [("created[gte]", low), ("created[lt]", low + window)]
                for obj in _pages(http, stream, params):
                    seen.append(obj["id"])
                    if stream == "customers":
                        assert (
                            obj["subscriptions"]["data"] == []
                            and obj["tax_ids"]["object"] == "list"
                        )
            assert sorted(seen) == sorted(everything[stream]), stream
        # Updates come from events, a day at a time, one type pattern per stream.
        charge_events = [
            e
            for low in range(END - 30 * DAY, END + 1, DAY)
            for e in _pages(
                http,
                "events",
                [
                    ("limit", 100),
                    ("type", "charge.*"),
                    ("created[gte]", low),
                    ("created[lt]", low + DAY),
                ],
            )
        ]
        # "charge.*" also matches charge.dispute.* and charge.refund.*: the tap keeps the
        # events whose object is a charge.
        kinds = {e["data"]["object"]["object"] for e in charge_events}
        assert "charge" in kinds and kinds <= {"charge", "dispute", "refund"}
        # payout_transactions: the balance history of each automatic payout.
        payouts = list(_pages(http, "payouts", [("limit", 100)]))
        for payout in payouts[:10]:
            assert payout["automatic"] is True
            txns = list(
                _pages(http, "balance_transactions", [("limit", 100), ("payout", payout["id"])])
            )
            assert sum(t["net"] for t in txns if t["type"] != "payout") == payout["amount"]


def test_airbyte_source_stripe(sandbox, account, everything):
    with _client(sandbox, account, AIRBYTE_VERSION) as http:
        # The connection check reads the accounts stream (Connect accounts: none here).
        check = http.get("/v1/accounts", params={"limit": 100})
        assert check.status_code == 200 and check.json()["data"] == []
        window = [("created[gte]", END - 365 * DAY), ("created[lte]", END)]
        charges = list(
            _pages(http, "charges", [("limit", 100), ("expand[]", "data.refunds"), *window])
        )
        assert [c["id"] for c in charges] == everything["charges"]
        refunded = [c for c in charges if c["amount_refunded"]]
        assert refunded and all(c["refunds"]["object"] == "list" for c in charges)
        assert all(r["charge"] == c["id"] for c in refunded for r in c["refunds"]["data"])
        for stream in (
            "customers",
            "refunds",
            "disputes",
            "payouts",
            "balance_transactions",
            "events",
        ):
            got = [o["id"] for o in _pages(http, stream, [("limit", 100), *window])]
            assert got == everything[stream], stream
        for types in (AIRBYTE_CHARGE_EVENTS, AIRBYTE_PAYOUT_EVENTS):
            params = [("limit", 100), *window, *(("types[]", t) for t in types)]
            events = list(_pages(http, "events", params))
            assert events and {e["type"] for e in events} <= set(types)
        for payout in list(_pages(http, "payouts", [("limit", 100)]))[:10]:
            txns = list(
                _pages(http, "balance_transactions", [("limit", 100), ("payout", payout["id"])])
            )
            assert sum(t["net"] for t in txns if t["type"] != "payout") == payout["amount"]


def test_another_account_in_stripe_account_is_refused(sandbox, account):
    headers = {
        "Authorization": f"Bearer {account.keys['secret']}",
        "Stripe-Account": "acct_1NotThisOne000",
    }
    with httpx.Client(base_url=sandbox.api_base, headers=headers, timeout=30) as http:
        refused = http.get("/v1/charges")
        other = http.get("/v1/accounts/acct_1NotThisOne000")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_invalid"
    assert other.status_code == 403
