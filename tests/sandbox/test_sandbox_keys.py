"""Keys: Stripe's 401s and 403s, modes, restricted-key permissions, run-time changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import stripe

from stripe_sandbox import keys
from stripe_sandbox.testing import CreatedAccount, SandboxProcess

DEFAULT_NAMES = {
    "secret",
    "secret_live",
    "publishable",
    "restricted",
    "restricted_no_disputes",
    "restricted_no_events",
    "restricted_live",
}


def test_default_keys_look_like_stripes(sandbox: SandboxProcess):
    assert set(sandbox.keys) >= DEFAULT_NAMES
    prefixes = {
        "secret": "sk_test_",
        "secret_live": "sk_live_",
        "publishable": "pk_test_",
        "restricted": "rk_test_",
        "restricted_live": "rk_live_",
    }
    for name, prefix in prefixes.items():
        key = sandbox.keys[name]
        assert key.startswith(prefix)
        assert 95 <= len(key) - len(prefix) <= 110
        assert re.fullmatch(r"[a-z]{2}_(test|live)_[A-Za-z0-9]+", key)
    listed = {k["name"]: k for k in sandbox.control.keys(sandbox.account)}
    assert listed["restricted"]["permissions"] == sorted("rak_" + p for p in keys.FULL_READ)
    assert "rak_dispute_read" not in listed["restricted_no_disputes"]["permissions"]
    assert "rak_event_read" not in listed["restricted_no_events"]["permissions"]
    assert listed["restricted_live"]["mode"] == "live"


def test_unknown_key_is_401_with_the_key_masked(api_factory):
    key = "sk_test_" + "A1b2C3d4" * 12 + "WXYZ"
    response = api_factory(key).get("/v1/charges")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == (
        "Invalid API Key provided: sk_test_" + "*" * (len(key) - 12) + "WXYZ"
    )
    assert key[8:-4] not in error["message"]
    base = str(api_factory(key).client.base_url)
    with pytest.raises(stripe.AuthenticationError) as raised:
        stripe.StripeClient(key, base_addresses={"api": base}).v1.charges.list()
    assert raised.value.http_status == 401


def test_no_key_is_401(api_factory):
    response = api_factory(None).get("/v1/charges")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("You did not provide an API key.")


def test_publishable_key_is_401(sandbox: SandboxProcess, api_factory):
    response = api_factory(sandbox.keys["publishable"]).get("/v1/customers")
    assert response.status_code == 401
    assert "cannot be made with a publishable API key" in response.json()["error"]["message"]


def test_basic_auth_works_like_bearer(sandbox: SandboxProcess):
    import httpx

    response = httpx.get(
        f"{sandbox.api_base}/v1/charges", auth=(sandbox.keys["secret"], ""), params={"limit": 1}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("key_name", "path", "permission"),
    [
        ("restricted_no_disputes", "/v1/disputes", "rak_dispute_read"),
        ("restricted_no_disputes", "/v1/disputes/dp_anything", "rak_dispute_read"),
        ("restricted_no_events", "/v1/events", "rak_event_read"),
        ("restricted", "/v1/account", "rak_accounts_kyc_id_numbers_read"),
    ],
)
def test_missing_permission_is_403_naming_it(
    sandbox: SandboxProcess, api_factory, key_name: str, path: str, permission: str
):
    key = sandbox.keys[key_name]
    response = api_factory(key).get(path)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    masked = key[:8] + "*" * (len(key) - 14) + key[-6:]
    assert error["message"] == (
        f"The provided key '{masked}' does not have the required permissions for this "
        f"endpoint on account '{sandbox.account}'. Having the '{permission}' permission "
        "would allow this request to continue."
    )
    client = stripe.StripeClient(key, base_addresses={"api": sandbox.api_base})
    calls: dict[str, Callable[[], object]] = {
        "/v1/disputes": client.v1.disputes.list,
        "/v1/disputes/dp_anything": lambda: client.v1.disputes.retrieve("dp_anything"),
        "/v1/events": client.v1.events.list,
        "/v1/account": client.v1.accounts.retrieve_current,
    }
    with pytest.raises(stripe.PermissionError) as raised:
        calls[path]()
    assert raised.value.http_status == 403


@pytest.mark.parametrize(
    ("endpoint", "permission"),
    [
        ("charges", "rak_charge_read"),
        ("refunds", "rak_charge_read"),  # refunds ride on the Charges permission
        ("customers", "rak_customer_read"),
        ("disputes", "rak_dispute_read"),
        ("balance_transactions", "rak_balance_transaction_source_read"),
        ("events", "rak_event_read"),
        ("balance", "rak_balance_read"),
    ],
)
def test_each_resource_needs_its_read_permission(
    sandbox: SandboxProcess, account: CreatedAccount, api_factory, endpoint: str, permission: str
):
    key = sandbox.control.create_key("only-" + endpoint, account=account.id, permissions=[])
    api = api_factory(key["key"])
    denied = api.get(f"/v1/{endpoint}")
    assert denied.status_code == 403
    assert f"'{permission}'" in denied.json()["error"]["message"]
    sandbox.control.set_permissions(key["key"], [permission])
    assert api.get(f"/v1/{endpoint}").status_code == 200
    # Write implies read, as in Stripe.
    sandbox.control.set_permissions(key["key"], [permission.replace("_read", "_write")])
    assert api.get(f"/v1/{endpoint}").status_code == 200


def test_restricted_key_cannot_write_without_write_permission(account: CreatedAccount, api_factory):
    api = api_factory(account.keys["restricted"])
    response = api.client.post("/v1/customers", data={"name": "Nope"})
    assert response.status_code == 403
    assert "'rak_customer_write'" in response.json()["error"]["message"]


def test_secret_key_gets_the_account(sandbox: SandboxProcess, api_factory):
    account = api_factory(sandbox.keys["secret"]).ok("/v1/account")
    assert account["id"] == sandbox.account and account["object"] == "account"


def test_modes_are_separate_datasets(sandbox: SandboxProcess, api_factory):
    test_api = api_factory(sandbox.keys["secret"])
    live_api = api_factory(sandbox.keys["secret_live"])
    test_ids = {c["id"] for c in test_api.all("charges")}
    live = live_api.all("charges")
    assert live and all(c["livemode"] for c in live)
    assert not test_ids & {c["id"] for c in live}
    other = test_api.get(f"/v1/charges/{live[0]['id']}")
    assert other.status_code == 404
    error = other.json()["error"]
    assert error["code"] == "resource_missing" and error["param"] == "id"
    assert error["message"] == (
        f"No such charge: '{live[0]['id']}'; a similar object exists in live mode, but a "
        "test mode key was used to make this request."
    )
    assert error["request_log_url"].startswith("https://dashboard.stripe.com/test/logs/req_")
    cursor = test_api.get("/v1/charges", starting_after=live[0]["id"])
    assert cursor.status_code == 404 and cursor.json()["error"]["param"] == "starting_after"
    assert "exists in live mode" in cursor.json()["error"]["message"]
    assert api_factory(sandbox.keys["restricted_live"]).ok("/v1/balance")["livemode"] is True


def test_accounts_are_separate(sandbox: SandboxProcess, account: CreatedAccount, api_factory):
    mine = api_factory(account.keys["secret"]).all("customers")
    theirs = api_factory(sandbox.keys["secret"]).get(f"/v1/customers/{mine[0]['id']}")
    assert theirs.status_code == 404


def test_revoking_a_key_in_use_rejects_the_next_request(
    sandbox: SandboxProcess, account: CreatedAccount, api_factory
):
    key = account.keys["restricted"]
    api = api_factory(key)
    assert api.get("/v1/charges").status_code == 200
    sandbox.control.revoke_key(key)
    response = api.get("/v1/charges")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("Invalid API Key provided: rk_test_")
    listed = sandbox.control.keys(account.id)
    assert next(k for k in listed if k["key"] == key)["revoked"]
    sandbox.control.revoke_key(key, revoked=False)
    assert api.get("/v1/charges").status_code == 200


def test_permissions_change_at_run_time(
    sandbox: SandboxProcess, account: CreatedAccount, api_factory
):
    key = account.keys["restricted"]
    api = api_factory(key)
    assert api.get("/v1/disputes").status_code == 200
    remaining = [p for p in keys.FULL_READ if p != "dispute_read"]
    sandbox.control.set_permissions(key, remaining)
    assert api.get("/v1/disputes").status_code == 403
    assert api.get("/v1/charges").status_code == 200


def test_keys_file_adds_keys(tmp_path: Path):
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(
        json.dumps(
            {
                "keys": [
                    {
                        "name": "reporting",
                        "mode": "live",
                        "type": "restricted",
                        "permissions": ["rak_charge_read"],
                    },
                    {"name": "ops", "account": "default", "mode": "test", "type": "secret"},
                ]
            }
        )
    )
    with SandboxProcess(charges=20, days=5, keys_file=keys_file) as process:
        everything = process.control.keys()
        listed = {k["name"]: k for k in everything}
        assert listed["reporting"]["permissions"] == ["rak_charge_read"]
        assert listed["reporting"]["key"].startswith("rk_live_")
        assert process.keys["ops"].startswith("sk_test_")
        import httpx

        headers = {"Authorization": f"Bearer {listed['reporting']['key']}"}
        ok = httpx.get(f"{process.api_base}/v1/charges", headers=headers)
        assert ok.status_code == 200 and ok.json()["data"][0]["livemode"] is True
        denied = httpx.get(f"{process.api_base}/v1/customers", headers=headers)
        assert denied.status_code == 403


def test_mask_helpers():
    key = "rk_live_" + "x" * 90 + "abcdef"
    assert keys.mask_restricted(key) == "rk_live_" + "*" * 90 + "abcdef"
    assert keys.mask_invalid(key).endswith("*cdef")
    assert keys.mask_invalid("short") == "s****"
