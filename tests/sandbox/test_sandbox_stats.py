"""Observability: health, keys listing, request statistics."""

from __future__ import annotations

import httpx

from stripe_sandbox.testing import CreatedAccount, SandboxProcess


def test_stats_count_by_account_mode_endpoint_and_status(
    sandbox: SandboxProcess, account: CreatedAccount
):
    headers = {"Authorization": f"Bearer {account.keys['secret']}"}
    with httpx.Client(base_url=sandbox.api_base, headers=headers) as client:
        sandbox.control.reset_stats()
        for _ in range(3):
            client.get("/v1/charges")
        client.get("/v1/charges", params={"limit": 500})
        charge_id = client.get("/v1/charges").json()["data"][0]["id"]
        client.get(f"/v1/charges/{charge_id}")
    httpx.get(f"{sandbox.api_base}/v1/charges")  # no key: counted without an account
    stats = sandbox.control.stats()
    rows = {
        (r["account"], r["mode"], r["endpoint"], r["status"]): r["count"] for r in stats["rows"]
    }
    assert rows[(account.id, "test", "GET /v1/charges", 200)] == 4
    assert rows[(account.id, "test", "GET /v1/charges", 400)] == 1
    assert rows[(account.id, "test", "GET /v1/charges/:id", 200)] == 1
    assert rows[(None, None, "GET /v1/charges", 401)] == 1
    assert stats["by_account"][f"{account.id}:test"]["requests"] == 6
    assert stats["requests"] >= 7 and stats["peak_in_flight"] >= 1
    reset = sandbox.control.reset_stats()
    assert reset["requests"] == 0 and reset["rows"] == []


def test_health_and_keys(sandbox: SandboxProcess):
    health = sandbox.control.health()
    assert health["status"] == "ok" and health["api_version"] == "2023-08-16"
    assert health["default_account"] == sandbox.account
    listed = sandbox.control.keys()
    assert {"key", "name", "account", "mode", "type", "permissions", "revoked"} <= set(listed[0])
    assert sandbox.control.keys_by_name() == sandbox.keys


def test_unknown_urls_answer_like_stripe(sandbox: SandboxProcess):
    response = httpx.get(f"{sandbox.api_base}/v2/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("Unrecognized request URL (GET: /v2/")
    response = httpx.delete(
        f"{sandbox.api_base}/v1/charges",
        headers={"Authorization": f"Bearer {sandbox.keys['secret']}"},
    )
    assert response.status_code == 404
