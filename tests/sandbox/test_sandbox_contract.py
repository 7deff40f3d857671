"""Every object, list and error the sandbox sends validates against Stripe's published
schemas (API 2023-08-16), and the official SDK reads every endpoint, sync and async."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest
import stripe
from jsonschema import Draft202012Validator

from stripe_sandbox.listing import RESOURCES
from stripe_sandbox.testing import CreatedAccount, SandboxProcess

LIST_ENDPOINTS = tuple(RESOURCES)

OBJECT = {name: resource.object_type for name, resource in RESOURCES.items()}
EXPANSIONS = {
    "charges": ["balance_transaction", "customer"],
    "refunds": ["charge", "balance_transaction"],
    "disputes": ["charge"],
    "balance_transactions": ["source"],
}


@pytest.fixture(scope="module")
def validators(schema_defs: dict[str, Any], openapi: dict[str, Any]) -> dict[str, Any]:
    """Validators for each object, each list envelope (from the OpenAPI responses) and the
    error body."""

    def make(schema: dict[str, Any]) -> Draft202012Validator:
        return Draft202012Validator({**schema, "$defs": schema_defs})

    out: dict[str, Any] = {name: make({"$ref": f"#/$defs/{name}"}) for name in set(OBJECT.values())}
    out["balance"] = make({"$ref": "#/$defs/balance"})
    out["account"] = make({"$ref": "#/$defs/account"})
    out["error"] = make({"$ref": "#/$defs/error"})
    for endpoint in LIST_ENDPOINTS:
        out[f"list:{endpoint}"] = make(list_envelope(openapi, endpoint, OBJECT[endpoint]))
    return out


def list_envelope(openapi: dict[str, Any], endpoint: str, object_type: str) -> dict[str, Any]:
    """The list envelope of an endpoint as Stripe's OpenAPI description gives it. The subset
    kept here lacks ``/v1/payouts``; every Stripe list shares one envelope, so that one is
    the charges' envelope with the item type and URL pattern of payouts."""
    path = openapi["paths"].get(f"/v1/{endpoint}") or openapi["paths"]["/v1/charges"]
    schema = openapi_schema(
        path["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    )
    schema["properties"]["data"]["items"] = {"$ref": f"#/$defs/{object_type}"}
    schema["properties"]["url"]["pattern"] = f"^/v1/{endpoint}"
    return dict(schema)


def check(validator: Draft202012Validator, instance: Any) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="module")
def busy_account(sandbox: SandboxProcess) -> CreatedAccount:
    """An account with every kind of change made through the API, so that it has events
    of every type and objects in every state."""
    created = sandbox.control.create_account(seed="contract", charges=80, days=15)
    client = stripe.StripeClient(created.keys["secret"], base_addresses={"api": sandbox.api_base})
    customer = client.v1.customers.create({"name": "Ada Lovelace", "email": "ada@example.com"})
    paid = client.v1.charges.create(
        {"amount": 5000, "currency": "usd", "source": "tok_visa", "customer": customer.id}
    )
    client.v1.refunds.create({"charge": paid.id, "amount": 1000, "reason": "duplicate"})
    client.v1.refunds.create({"charge": paid.id})
    kwd = client.v1.charges.create({"amount": 12340, "currency": "kwd", "source": "tok_amex"})
    jpy = client.v1.charges.create({"amount": 4200, "currency": "jpy", "source": "tok_jcb"})
    with pytest.raises(stripe.CardError):
        client.v1.charges.create({"amount": 900, "currency": "eur", "source": "tok_chargeDeclined"})
    pending = client.v1.charges.create(
        {"amount": 700, "currency": "gbp", "source": "tok_sandbox_pending"}
    )
    sandbox.control.succeed_charge(pending.id)
    won = sandbox.control.open_dispute(kwd.id, reason="fraudulent")
    sandbox.control.close_dispute(won["id"], "won")
    lost = sandbox.control.open_dispute(jpy.id, reason="product_not_received")
    sandbox.control.close_dispute(lost["id"], "lost")
    return created


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
@pytest.mark.parametrize("key_name", ["secret", "secret_live"])
def test_every_list_page_and_object_validates(
    endpoint: str, key_name: str, busy_account: CreatedAccount, api_factory, validators
):
    api = api_factory(busy_account.keys[key_name])
    cursor = None
    seen = 0
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["starting_after"] = cursor
        page = api.ok(f"/v1/{endpoint}", **params)
        check(validators[f"list:{endpoint}"], page)
        assert page["object"] == "list" and page["url"] == f"/v1/{endpoint}"
        for obj in page["data"]:
            check(validators[OBJECT[endpoint]], obj)
            if "livemode" in obj:
                assert obj["livemode"] is (key_name == "secret_live")
        seen += len(page["data"])
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    # Live data has no API-made changes, and too few charges to be sure of a dispute.
    if key_name == "secret" or endpoint in ("charges", "customers", "balance_transactions"):
        assert seen > 0, f"no {endpoint} to check"


@pytest.mark.parametrize(
    ("endpoint", "field"), [(e, f) for e, fields in EXPANSIONS.items() for f in fields]
)
def test_expanded_lists_and_retrieves_validate(
    endpoint: str, field: str, busy_account: CreatedAccount, api_factory, validators
):
    api = api_factory(busy_account.keys["secret"])
    page = api.ok(f"/v1/{endpoint}", limit=100, **{"expand[]": f"data.{field}"})
    check(validators[f"list:{endpoint}"], page)
    expanded = [obj for obj in page["data"] if obj.get(field) is not None]
    assert expanded, f"nothing to expand in {endpoint}.{field}"
    for obj in page["data"]:
        check(validators[OBJECT[endpoint]], obj)
    for obj in expanded:
        target = obj[field]
        if field == "source" and isinstance(target, str) and target.startswith("po_"):
            continue  # payouts are not stored objects: their ids stay ids
        assert isinstance(target, dict), f"{endpoint}.{field} not expanded: {target!r}"
        check(validators[target["object"]], target)
    sample = expanded[0]
    one = api.ok(f"/v1/{endpoint}/{sample['id']}", **{"expand[0]": field})
    check(validators[OBJECT[endpoint]], one)
    assert one == sample


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_retrieve_validates_and_matches_the_list(
    endpoint: str, busy_account: CreatedAccount, api_factory, validators
):
    api = api_factory(busy_account.keys["secret"])
    listed = api.ok(f"/v1/{endpoint}", limit=25)["data"]
    assert listed
    for obj in listed:
        one = api.ok(f"/v1/{endpoint}/{obj['id']}")
        check(validators[OBJECT[endpoint]], one)
        assert one == obj


def test_balance_and_account_validate(busy_account: CreatedAccount, api_factory, validators):
    for name in ("secret", "secret_live", "restricted"):
        balance = api_factory(busy_account.keys[name]).ok("/v1/balance")
        check(validators["balance"], balance)
        assert balance["livemode"] is name.endswith("live")
        currencies = {a["currency"] for a in balance["available"] + balance["pending"]}
        assert {"usd", "eur"} <= currencies
    account = api_factory(busy_account.keys["secret"]).ok("/v1/account")
    check(validators["account"], account)
    assert account["id"] == busy_account.id


def test_events_carry_their_objects(busy_account: CreatedAccount, api_factory, validators):
    events = api_factory(busy_account.keys["secret"]).all("events")
    types = {e["type"] for e in events}
    assert {
        "customer.created",
        "charge.succeeded",
        "charge.failed",
        "charge.pending",
        "charge.refunded",
        "refund.created",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    } <= types
    for event in events:
        inner = event["data"]["object"]
        check(validators[inner["object"]], inner)
        assert event["api_version"] == "2023-08-16"


def _error_cases(sandbox: SandboxProcess, account: CreatedAccount) -> list[tuple[int, Any]]:
    import httpx

    key = account.keys["secret"]
    base = sandbox.api_base
    auth = {"Authorization": f"Bearer {key}"}
    cases: list[tuple[int, Any]] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        cases.append((400, http.get("/v1/charges", params={"limit": 0}, headers=auth)))
        cases.append((400, http.get("/v1/charges", params={"limit": "x"}, headers=auth)))
        cases.append((400, http.get("/v1/charges", params={"colour": "red"}, headers=auth)))
        cases.append((400, http.get("/v1/charges", params={"expand[]": "data.x"}, headers=auth)))
        cases.append((401, http.get("/v1/charges")))
        cases.append(
            (401, http.get("/v1/charges", headers={"Authorization": "Bearer sk_test_nope"}))
        )
        cases.append(
            (
                401,
                http.get(
                    "/v1/charges",
                    headers={"Authorization": f"Bearer {account.keys['publishable']}"},
                ),
            )
        )
        cases.append(
            (
                403,
                http.get(
                    "/v1/disputes",
                    headers={"Authorization": f"Bearer {account.keys['restricted_no_disputes']}"},
                ),
            )
        )
        cases.append((404, http.get("/v1/charges/ch_missing", headers=auth)))
        cases.append((404, http.get("/v1/charges", params={"ending_before": "ch_x"}, headers=auth)))
        cases.append((404, http.get("/v1/widgets", headers=auth)))
        cases.append(
            (
                402,
                http.post(
                    "/v1/charges",
                    data={"amount": 500, "currency": "usd", "source": "tok_chargeDeclined"},
                    headers=auth,
                ),
            )
        )
        sandbox.control.set_rate_limits(test=1, endpoint=1, account=account.id)
        burst = [http.get("/v1/customers", headers=auth) for _ in range(3)]
        cases.append((429, burst[-1]))
        sandbox.control.clear_rate_limits(account=account.id)
        sandbox.control.set_faults(error_rate=1.0, account=account.id)
        cases.append((500, http.get("/v1/customers", headers=auth)))
        sandbox.control.clear_faults(account=account.id)
    return cases


def test_every_error_body_validates(sandbox: SandboxProcess, account: CreatedAccount, validators):
    for status, response in _error_cases(sandbox, account):
        assert response.status_code == status, (status, response.text)
        body = response.json()
        check(validators["error"], body)
        assert set(body["error"]) <= {
            "charge",
            "code",
            "decline_code",
            "doc_url",
            "message",
            "param",
            "request_log_url",
            "type",
        }
        assert None not in body["error"].values(), "Stripe leaves out what does not apply"


def services(client: stripe.StripeClient) -> dict[str, Any]:
    """The SDK's service for every list endpoint the sandbox serves."""
    found = {endpoint: getattr(client.v1, endpoint) for endpoint in LIST_ENDPOINTS}
    assert set(found) == set(RESOURCES)
    return found


def test_sdk_reads_every_endpoint_and_auto_paginates(
    sandbox: SandboxProcess, busy_account: CreatedAccount, api_factory
):
    client = stripe.StripeClient(
        busy_account.keys["restricted"], base_addresses={"api": sandbox.api_base}
    )
    raw = api_factory(busy_account.keys["restricted"])
    for endpoint, service in services(client).items():
        expected = [o["id"] for o in raw.all(endpoint)]
        got = [o.id for o in service.list({"limit": 7}).auto_paging_iter()]
        assert got == expected, endpoint
        first = service.retrieve(expected[0])
        assert first.id == expected[0]
    charge = client.v1.charges.retrieve(
        raw.all("charges")[0]["id"], {"expand": ["balance_transaction"]}
    )
    expanded = charge.balance_transaction
    assert expanded is None or not isinstance(expanded, str)
    assert client.v1.balance.retrieve().object == "balance"
    secret = stripe.StripeClient(
        busy_account.keys["secret"], base_addresses={"api": sandbox.api_base}
    )
    assert secret.v1.accounts.retrieve_current().id == busy_account.id


def test_async_sdk_reads_every_endpoint(
    sandbox: SandboxProcess, busy_account: CreatedAccount, api_factory
):
    raw = api_factory(busy_account.keys["restricted"])
    expected = {endpoint: [o["id"] for o in raw.all(endpoint)] for endpoint in OBJECT}

    async def read_all() -> dict[str, list[str]]:
        client = stripe.StripeClient(
            busy_account.keys["restricted"],
            base_addresses={"api": sandbox.api_base},
            http_client=stripe.HTTPXClient(),
        )
        out: dict[str, list[str]] = {}
        for endpoint, service in services(client).items():
            page = await service.list_async({"limit": 9})
            out[endpoint] = [o.id async for o in page.auto_paging_iter()]
            one = await service.retrieve_async(out[endpoint][0])
            assert one.id == out[endpoint][0]
        balance = await client.v1.balance.retrieve_async()
        assert balance.object == "balance"
        return out

    assert asyncio.run(read_all()) == expected


def test_list_envelope_is_exactly_stripes(busy_account: CreatedAccount, api_factory):
    response = api_factory(busy_account.keys["secret"]).get("/v1/charges", limit=1)
    assert list(json.loads(response.text)) == ["object", "data", "has_more", "url"]
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Request-Id"].startswith("req_")


def openapi_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema fragment as JSON Schema over ``$defs`` (refs rewritten)."""
    node = copy.deepcopy(node)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if "$ref" in value:
                value["$ref"] = value["$ref"].replace("#/components/schemas/", "#/$defs/")
            if value.pop("nullable", False):
                return {"anyOf": [walk(value), {"type": "null"}]}
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(node)
