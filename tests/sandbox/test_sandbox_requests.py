"""A request Stripe would accept is never refused: every ``expand`` Stripe documents for the
objects served (``x-expandableFields`` in its OpenAPI description), nested, and every list
filter Stripe documents for each endpoint — each answered as Stripe answers it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from stripe_sandbox.listing import RESOURCES
from stripe_sandbox.testing import CreatedAccount, SandboxProcess

from .conftest import Api
from .test_sandbox_contract import OBJECT, check

END = 1_790_000_000
# Filters of GET /v1/payouts, from Stripe's API reference (the OpenAPI subset kept here has
# no /v1/payouts).
PAYOUT_FILTERS = ["arrival_date", "created", "destination", "status"]


@pytest.fixture(scope="module")
def account(sandbox: SandboxProcess) -> CreatedAccount:
    return sandbox.control.create_account(
        seed="requests",
        charges=700,
        days=40,
        end=END,
        modes=["test"],
        settlement_currencies=["usd"],
    )


@pytest.fixture(scope="module")
def api(account: CreatedAccount, sandbox: SandboxProcess) -> Iterator[Api]:
    client = Api(sandbox.api_base, account.keys["secret"])
    yield client
    client.client.close()


def _expandable(openapi: dict[str, Any], object_type: str) -> list[str]:
    fields: list[str] = openapi["components"]["schemas"][object_type]["x-expandableFields"]
    return fields


def _validator(schema_defs: dict[str, Any], name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": schema_defs})


@pytest.mark.parametrize("endpoint", list(RESOURCES))
def test_every_documented_expand_is_accepted(endpoint, api, openapi, schema_defs):
    object_type = OBJECT[endpoint]
    validator = _validator(schema_defs, object_type)
    sample = api.ok(f"/v1/{endpoint}", limit=1)["data"][0]["id"]
    for field in _expandable(openapi, object_type):
        page = api.ok(f"/v1/{endpoint}", limit=20, **{"expand[]": f"data.{field}"})
        for obj in page["data"]:
            check(validator, obj)
        one = api.ok(f"/v1/{endpoint}/{sample}", **{"expand[]": field})
        check(validator, one)


def test_expanded_references_are_the_objects(api, schema_defs):
    charges = api.ok("/v1/charges", limit=100, **{"expand[]": ["data.refunds", "data.customer"]})
    for charge in charges["data"]:
        refunds = api.all("refunds", charge=charge["id"])
        assert charge["refunds"]["url"] == f"/v1/charges/{charge['id']}/refunds"
        assert [r["id"] for r in charge["refunds"]["data"]] == [r["id"] for r in refunds][:10]
        if charge["customer"] is not None:
            assert charge["customer"] == api.ok(f"/v1/customers/{charge['customer']['id']}")
    customers = api.ok(
        "/v1/customers",
        limit=5,
        **{
            "expand[0]": "data.sources",
            "expand[1]": "data.subscriptions",
            "expand[2]": "data.tax_ids",
        },
    )
    for customer in customers["data"]:
        for name in ("sources", "subscriptions", "tax_ids"):
            assert customer[name] == {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/customers/{customer['id']}/{name}",
            }
    banks = {b["id"]: b for b in api.ok("/v1/account")["external_accounts"]["data"]}
    payouts = api.ok(
        "/v1/payouts", limit=10, **{"expand[]": ["data.destination", "data.balance_transaction"]}
    )
    for payout in payouts["data"]:
        assert payout["destination"] == banks[payout["destination"]["id"]]
        assert payout["balance_transaction"]["source"] == payout["id"]
    sources = api.ok("/v1/balance_transactions", limit=100, **{"expand[]": "data.source"})
    kinds = {t["source"]["object"] for t in sources["data"]}
    assert {"charge", "payout"} <= kinds


def test_nested_expansions_up_to_four_levels(api, schema_defs):
    charges = api.ok(
        "/v1/charges",
        limit=50,
        **{
            "expand[]": ["data.balance_transaction.source", "data.refunds.data.balance_transaction"]
        },
    )
    for charge in charges["data"]:
        txn = charge["balance_transaction"]
        if txn is not None:
            assert txn["source"]["id"] == charge["id"]
        for refund in charge["refunds"]["data"]:
            assert refund["balance_transaction"] is None or refund["balance_transaction"][
                "object"
            ] == ("balance_transaction")
        check(_validator(schema_defs, "charge"), charge)
    refunds = api.ok(
        "/v1/refunds", limit=5, **{"expand[]": "data.charge.balance_transaction.source"}
    )
    for refund in refunds["data"]:
        assert refund["charge"]["balance_transaction"]["source"]["id"] == refund["charge"]["id"]
    too_deep = api.get(
        "/v1/refunds", **{"expand[]": "data.charge.balance_transaction.source.customer.x"}
    )
    assert too_deep.status_code == 400 and too_deep.json()["error"]["param"] == "expand"
    unknown = api.get("/v1/charges", **{"expand[]": "data.colour"})
    assert unknown.status_code == 400


def _value(name: str, api: Any) -> Any:
    """A value of the kind Stripe expects for a documented list parameter."""
    first = {
        "customer": lambda: api.ok("/v1/customers", limit=1)["data"][0]["id"],
        "charge": lambda: api.ok("/v1/charges", limit=1)["data"][0]["id"],
        "payout": lambda: api.ok("/v1/payouts", limit=1)["data"][0]["id"],
        "source": lambda: api.ok("/v1/charges", limit=1)["data"][0]["id"],
        "destination": lambda: api.ok("/v1/payouts", limit=1)["data"][0]["destination"],
    }
    fixed = {
        "created": END - 86_400,
        "arrival_date": END - 86_400,
        "email": "someone@example.com",
        "payment_intent": "pi_1NotAPaymentIntent",
        "transfer_group": "group-1",
        "test_clock": "clock_1NotAClock",
        "currency": "usd",
        "type": "charge",
        "delivery_success": "true",
        "limit": 3,
        "status": "paid",
    }
    return first[name]() if name in first else fixed[name]


@pytest.mark.parametrize("endpoint", list(RESOURCES))
def test_every_documented_filter_is_accepted(endpoint, api, openapi):
    documented = (
        [
            p["name"]
            for p in openapi["paths"][f"/v1/{endpoint}"]["get"]["parameters"]
            if p["in"] == "query"
        ]
        if f"/v1/{endpoint}" in openapi["paths"]
        else PAYOUT_FILTERS
    )
    for name in documented:
        if name in ("expand", "starting_after", "ending_before"):
            continue
        key = "types[]" if name == "types" else name
        value = "charge.succeeded" if name == "types" else _value(name, api)
        response = api.get(f"/v1/{endpoint}", **{key: value})
        assert response.status_code == 200, (endpoint, name, response.text)
        if name in ("created", "arrival_date"):
            for op in ("gt", "gte", "lt", "lte"):
                ranged = api.get(f"/v1/{endpoint}", **{f"{name}[{op}]": value})
                assert ranged.status_code == 200, (endpoint, name, op)


def test_payout_filters_select_what_they_name(api):
    payouts = api.all("payouts")
    day = sorted(p["arrival_date"] for p in payouts)[len(payouts) // 2]
    assert {p["id"] for p in api.all("payouts", **{"arrival_date[gte]": day})} == {
        p["id"] for p in payouts if p["arrival_date"] >= day
    }
    assert {p["id"] for p in api.all("payouts", arrival_date=day)} == {
        p["id"] for p in payouts if p["arrival_date"] == day
    }
    for status in ("paid", "in_transit"):
        assert [p["id"] for p in api.all("payouts", status=status)] == [
            p["id"] for p in payouts if p["status"] == status
        ]
    destination = payouts[0]["destination"]
    assert len(api.all("payouts", destination=destination)) == len(payouts)
    assert api.all("payouts", destination="ba_1Other") == []
