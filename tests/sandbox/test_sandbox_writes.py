"""Writes through the SDK and the control API, and the events they emit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from stripe_sandbox.testing import CreatedAccount, SandboxError, SandboxProcess


@pytest.fixture
def client(sandbox: SandboxProcess, account: CreatedAccount) -> stripe.StripeClient:
    return stripe.StripeClient(account.keys["secret"], base_addresses={"api": sandbox.api_base})


def events(api: Any, **params: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = api.all("events", **params)
    return result


def txns_of(api: Any, source: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = api.all("balance_transactions", source=source)
    return result


def test_create_customer_emits_customer_created(client, account, api_factory):
    customer = client.v1.customers.create(
        {"name": "Grace Hopper", "email": "grace@example.com", "metadata": {"team": "navy"}}
    )
    api = api_factory(account.keys["secret"])
    assert api.ok(f"/v1/customers/{customer.id}")["metadata"] == {"team": "navy"}
    assert api.all("customers")[0]["id"] == customer.id
    (event,) = events(api, type="customer.created")
    assert event["data"]["object"]["id"] == customer.id
    assert event["request"]["id"].startswith("req_")
    assert api.all("customers", email="grace@example.com")[0]["id"] == customer.id


def test_successful_charge(client, account, api_factory):
    charge = client.v1.charges.create(
        {"amount": 2500, "currency": "usd", "source": "tok_mastercard"}
    )
    assert charge.status == "succeeded" and charge.paid and charge.captured
    assert charge.payment_method_details.card.brand == "mastercard"
    api = api_factory(account.keys["secret"])
    (txn,) = txns_of(api, charge.id)
    assert txn["id"] == charge.balance_transaction
    assert txn["reporting_category"] == "charge" and txn["amount"] == 2500
    assert txn["net"] == 2500 - txn["fee"] and txn["fee"] == sum(
        f["amount"] for f in txn["fee_details"]
    )
    (event,) = events(api, type="charge.succeeded")
    assert event["data"]["object"]["id"] == charge.id


def test_declined_card_is_a_402_and_a_failed_charge(client, account, api_factory):
    with pytest.raises(stripe.CardError) as raised:
        client.v1.charges.create(
            {"amount": 1500, "currency": "eur", "source": "tok_chargeDeclined"}
        )
    error = raised.value
    assert error.http_status == 402
    assert error.code == "card_declined"
    assert isinstance(error.json_body, dict)
    body = error.json_body["error"]
    assert body["type"] == "card_error" and body["decline_code"] == "generic_decline"
    assert body["message"] == "Your card was declined."
    api = api_factory(account.keys["secret"])
    failed = api.ok(f"/v1/charges/{body['charge']}")
    assert failed["status"] == "failed" and failed["paid"] is False
    assert failed["failure_code"] == "card_declined" and failed["balance_transaction"] is None
    assert failed["outcome"]["type"] == "issuer_declined"
    (event,) = events(api, type="charge.failed")
    assert event["data"]["object"]["id"] == failed["id"]


def test_pending_charge_succeeds_later(sandbox, client, account, api_factory):
    charge = client.v1.charges.create(
        {"amount": 900, "currency": "gbp", "source": "tok_sandbox_pending"}
    )
    assert charge.status == "pending" and charge.balance_transaction is None
    api = api_factory(account.keys["secret"])
    assert txns_of(api, charge.id) == []
    assert [e["type"] for e in events(api)] == ["charge.pending"]
    succeeded = sandbox.control.succeed_charge(charge.id)
    assert succeeded["status"] == "succeeded" and succeeded["paid"] is True
    (txn,) = txns_of(api, charge.id)
    assert succeeded["balance_transaction"] == txn["id"] and txn["currency"] == "gbp"
    assert api.ok(f"/v1/charges/{charge.id}")["status"] == "succeeded"
    latest = events(api)[0]
    assert latest["type"] == "charge.succeeded" and latest["data"]["object"]["paid"] is True
    with pytest.raises(SandboxError, match="not pending"):
        sandbox.control.succeed_charge(charge.id)


def test_refunds_update_the_charge_and_add_balance_transactions(client, account, api_factory):
    charge = client.v1.charges.create({"amount": 10_000, "currency": "usd", "source": "tok_visa"})
    partial = client.v1.refunds.create({"charge": charge.id, "amount": 2500, "reason": "duplicate"})
    assert partial.status == "succeeded" and partial.amount == 2500
    api = api_factory(account.keys["secret"])
    after = api.ok(f"/v1/charges/{charge.id}")
    assert after["amount_refunded"] == 2500 and after["refunded"] is False
    (refund_txn,) = txns_of(api, partial.id)
    assert refund_txn["amount"] == -2500 and refund_txn["reporting_category"] == "refund"
    assert refund_txn["id"] == partial.balance_transaction
    refunded_event = events(api, type="charge.refunded")[0]
    assert refunded_event["data"]["previous_attributes"] == {"amount_refunded": 0}
    assert refunded_event["data"]["object"]["amount_refunded"] == 2500
    assert events(api, type="refund.created")[0]["data"]["object"]["id"] == partial.id

    rest = client.v1.refunds.create({"charge": charge.id})  # amount defaults to the remainder
    assert rest.amount == 7500 and rest.reason is None
    full = api.ok(f"/v1/charges/{charge.id}")
    assert full["amount_refunded"] == 10_000 and full["refunded"] is True
    latest = events(api, type="charge.refunded")[0]
    assert latest["data"]["previous_attributes"] == {"amount_refunded": 2500, "refunded": False}
    assert [r["id"] for r in api.all("refunds", charge=charge.id)] == [rest.id, partial.id]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": charge.id})
    assert raised.value.code == "charge_already_refunded"


def test_refund_validation(client):
    charge = client.v1.charges.create({"amount": 1000, "currency": "usd", "source": "tok_visa"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": charge.id, "amount": 5000})
    assert raised.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": "ch_nope"})
    assert raised.value.http_status == 404 and raised.value.param == "charge"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": charge.id, "reason": "bored"})
    assert raised.value.param == "reason"


def test_charge_validation(client):
    cases = [
        ({"currency": "usd", "source": "tok_visa"}, "amount"),
        ({"amount": 100, "source": "tok_visa"}, "currency"),
        ({"amount": 100, "currency": "xxx", "source": "tok_visa"}, "currency"),
        ({"amount": 1005, "currency": "kwd", "source": "tok_visa"}, "amount"),
        ({"amount": 10, "currency": "usd", "source": "tok_visa"}, "amount"),
        ({"amount": 1000, "currency": "usd", "source": "tok_nope"}, "source"),
        ({"amount": 1000, "currency": "usd", "source": "tok_visa", "colour": "red"}, "colour"),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            client.v1.charges.create(params)
        assert raised.value.param == param, params


def test_dispute_won(sandbox, client, account, api_factory):
    charge = client.v1.charges.create({"amount": 4000, "currency": "usd", "source": "tok_visa"})
    dispute = sandbox.control.open_dispute(charge.id, reason="fraudulent")
    assert dispute["status"] == "needs_response" and dispute["amount"] == 4000
    api = api_factory(account.keys["secret"])
    assert api.ok(f"/v1/charges/{charge.id}")["disputed"] is True
    assert api.all("disputes", charge=charge.id)[0]["id"] == dispute["id"]
    (withdrawal,) = txns_of(api, dispute["id"])
    assert withdrawal["reporting_category"] == "dispute" and withdrawal["amount"] == -4000
    assert withdrawal["net"] == -4000 - withdrawal["fee"] and withdrawal["fee"] > 0
    types = [e["type"] for e in events(api, type="charge.dispute.*")]
    assert types == ["charge.dispute.funds_withdrawn", "charge.dispute.created"]

    won = sandbox.control.close_dispute(dispute["id"], "won")
    assert won["status"] == "won" and len(won["balance_transactions"]) == 2
    reversal = txns_of(api, dispute["id"])[0]
    assert reversal["reporting_category"] == "dispute_reversal" and reversal["amount"] == 4000
    assert api.ok(f"/v1/disputes/{dispute['id']}") == won
    closed = events(
        api, **{"types[]": ["charge.dispute.closed", "charge.dispute.funds_reinstated"]}
    )
    assert [e["type"] for e in closed] == [
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]
    assert closed[1]["data"]["previous_attributes"] == {"status": "needs_response"}
    with pytest.raises(SandboxError, match="already closed"):
        sandbox.control.close_dispute(dispute["id"], "lost")


def test_dispute_lost_and_inquiry(sandbox, client, account, api_factory):
    charge = client.v1.charges.create({"amount": 3000, "currency": "jpy", "source": "tok_jcb"})
    dispute = sandbox.control.open_dispute(charge.id, reason="product_not_received")
    lost = sandbox.control.close_dispute(dispute["id"], "lost")
    assert lost["status"] == "lost" and len(lost["balance_transactions"]) == 1
    api = api_factory(account.keys["secret"])
    assert len(txns_of(api, dispute["id"])) == 1
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.StripeClient(
            account.keys["secret"], base_addresses={"api": sandbox.api_base}
        ).v1.refunds.create({"charge": charge.id})
    assert raised.value.code == "charge_disputed"

    other = client.v1.charges.create({"amount": 1200, "currency": "usd", "source": "tok_visa"})
    inquiry = sandbox.control.open_dispute(other.id, status="warning_needs_response")
    assert inquiry["balance_transactions"] == [] and inquiry["is_charge_refundable"] is True
    assert sandbox.control.close_dispute(inquiry["id"], "won")["status"] == "warning_closed"
    assert txns_of(api, inquiry["id"]) == []


def test_event_filters(client, account, api_factory):
    client.v1.customers.create({"name": "One"})
    client.v1.charges.create({"amount": 700, "currency": "usd", "source": "tok_visa"})
    api = api_factory(account.keys["secret"])
    every = events(api)
    assert [e["type"] for e in every] == ["charge.succeeded", "customer.created"]
    assert [e["type"] for e in events(api, type="charge.*")] == ["charge.succeeded"]
    assert len(events(api, **{"types[]": ["charge.succeeded", "customer.created"]})) == 2
    created = every[-1]["created"]
    assert len(events(api, **{"created[gte]": created})) == 2
    assert events(api, **{"created[lt]": created}) == []
    assert events(api, delivery_success="false") == []
    both = api.get("/v1/events", type="charge.succeeded", **{"types[]": "customer.created"})
    assert both.status_code == 400


def test_idempotent_requests_replay(sandbox, account):
    headers = {
        "Authorization": f"Bearer {account.keys['secret']}",
        "Idempotency-Key": "order-42",
    }
    data = {"amount": "1234", "currency": "usd", "source": "tok_visa"}
    with httpx.Client(base_url=sandbox.api_base, headers=headers) as http:
        first = http.post("/v1/charges", data=data)
        again = http.post("/v1/charges", data=data)
        changed = http.post("/v1/charges", data={**data, "amount": "999"})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert changed.status_code == 400 and changed.json()["error"]["type"] == "idempotency_error"


def test_expand_on_create(client):
    charge = client.v1.charges.create(
        {"amount": 800, "currency": "usd", "source": "tok_visa", "expand": ["balance_transaction"]}
    )
    assert charge.balance_transaction.object == "balance_transaction"


def test_control_errors(sandbox: SandboxProcess):
    with pytest.raises(SandboxError, match="404"):
        sandbox.control.open_dispute("ch_missing")
    with pytest.raises(SandboxError, match="404"):
        sandbox.control.succeed_charge("ch_missing")
    response = httpx.post(f"{sandbox.api_base}/_sandbox/disputes", content=b"not json")
    assert response.status_code == 400
