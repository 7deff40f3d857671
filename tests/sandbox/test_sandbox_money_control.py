"""What the control API makes happen to money, with the events Stripe would emit: a payout
arriving, funds becoming available — and the fault of a paid payout that does not tie out
to the transactions it settled, for the app's reconciliation to find."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_sandbox.testing import CreatedAccount, SandboxError, SandboxProcess


@pytest.fixture
def usd(sandbox: SandboxProcess, request: pytest.FixtureRequest) -> CreatedAccount:
    """A month ending now: the last payouts are still on their way."""
    return sandbox.control.create_account(
        seed=request.node.nodeid,
        charges=400,
        days=30,
        modes=["test"],
        settlement_currencies=["usd"],
    )


def _settled(api: Any, payout: dict[str, Any]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.all("balance_transactions", payout=payout["id"])
    return [t for t in listed if t["id"] != payout["balance_transaction"]]


def test_a_payout_on_its_way_is_paid(sandbox, usd, api_factory):
    api = api_factory(usd.keys["secret"])
    waiting = [p for p in api.all("payouts") if p["status"] in ("pending", "in_transit")]
    assert waiting
    payout = waiting[0]
    paid = sandbox.control.pay_payout(payout["id"])
    assert paid["status"] == "paid" and paid["reconciliation_status"] == "completed"
    assert api.ok(f"/v1/payouts/{payout['id']}") == paid
    assert payout["id"] in {p["id"] for p in api.all("payouts", status="paid")}
    assert payout["id"] not in {p["id"] for p in api.all("payouts", status=payout["status"])}
    kinds = ["payout.updated", "payout.paid", "payout.reconciliation_completed"]
    latest = api.all("events", **{"types[]": kinds})[:3]
    assert [e["type"] for e in latest] == kinds[::-1]
    assert latest[2]["data"]["previous_attributes"]["status"] == payout["status"]
    assert all(e["data"]["object"] == paid for e in latest)
    with pytest.raises(SandboxError, match="not pending or in transit"):
        sandbox.control.pay_payout(payout["id"])


def test_a_paid_payout_made_not_to_tie_out(sandbox, usd, api_factory):
    api = api_factory(usd.keys["secret"])
    paid = api.all("payouts", status="paid")
    payout = paid[len(paid) // 2]
    assert sum(t["net"] for t in _settled(api, payout)) == payout["amount"]
    balance_before = api.ok("/v1/balance")
    faulty = sandbox.control.mistie_payout(payout["id"], 137)
    assert faulty["amount"] == payout["amount"] + 137
    assert api.ok(f"/v1/payouts/{payout['id']}")["amount"] == faulty["amount"]
    assert sum(t["net"] for t in _settled(api, faulty)) == faulty["amount"] - 137
    own = api.ok(f"/v1/balance_transactions/{payout['balance_transaction']}")
    assert own["amount"] == own["net"] == -faulty["amount"]
    before = {b["currency"]: b["amount"] for b in balance_before["available"]}
    after = {b["currency"]: b["amount"] for b in api.ok("/v1/balance")["available"]}
    assert after["usd"] == before["usd"] - 137
    (event,) = api.all("events", type="payout.updated")
    assert event["data"]["previous_attributes"] == {"amount": payout["amount"]}
    waiting = [p for p in api.all("payouts") if p["status"] != "paid"]
    with pytest.raises(SandboxError, match="not paid"):
        sandbox.control.mistie_payout(waiting[0]["id"], 1)
    with pytest.raises(SandboxError, match="difference"):
        sandbox.control.mistie_payout(payout["id"], 0)


def test_pending_funds_become_available(sandbox, usd, api_factory):
    client = stripe.StripeClient(usd.keys["secret"], base_addresses={"api": sandbox.api_base})
    charge = client.v1.charges.create({"amount": 9900, "currency": "eur", "source": "tok_de"})
    api = api_factory(usd.keys["secret"])
    txn = api.ok(f"/v1/balance_transactions/{charge.balance_transaction}")
    assert txn["status"] == "pending" and txn["currency"] == "usd" and txn["exchange_rate"]

    def usd_balance() -> tuple[int, int]:
        balance = api.ok("/v1/balance")
        available = {b["currency"]: b["amount"] for b in balance["available"]}
        pending = {b["currency"]: b["amount"] for b in balance["pending"]}
        return available["usd"], pending["usd"]

    available, pending = usd_balance()
    made = sandbox.control.make_available(txn["id"])
    assert made["status"] == "available" and made["available_on"] <= txn["available_on"]
    assert api.ok(f"/v1/balance_transactions/{txn['id']}") == made
    assert usd_balance() == (available + txn["net"], pending - txn["net"])
    (event,) = api.all("events", type="balance.available")
    assert event["data"]["object"] == api.ok("/v1/balance")
    with pytest.raises(SandboxError, match="already available"):
        sandbox.control.make_available(txn["id"])
