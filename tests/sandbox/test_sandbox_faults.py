"""Faults on demand: latency, injected 500s, dropped connections, per account or global."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import stripe

from stripe_sandbox.faults import Faults, parse_latency
from stripe_sandbox.testing import CreatedAccount, SandboxProcess


def _timed_get(url: str, key: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return time.perf_counter() - started, response


def test_latency_per_account(sandbox: SandboxProcess, account: CreatedAccount):
    """Only lower bounds on time here: a loaded machine can only add to them. How fast an
    account without faults is answered is measured in ``bench/timing.py``."""
    sandbox.control.set_faults(latency="150-200", account=account.id)
    url = f"{sandbox.api_base}/v1/charges"
    elapsed, response = _timed_get(url, account.keys["secret"])
    assert response.status_code == 200
    assert elapsed >= 0.15
    # Errors wait too: a bad request of that account answers no sooner.
    elapsed, response = _timed_get(url + "?limit=0", account.keys["secret"])
    assert response.status_code == 400 and elapsed >= 0.15
    # Another account is not slowed down: the faults it is answered with carry no latency.
    faults = sandbox.control.faults()
    assert faults["global"]["latency"] is None
    assert faults["accounts"][account.id]["latency"] == [150.0, 200.0]
    assert set(faults["accounts"]) == {account.id}
    response = httpx.get(url, headers={"Authorization": f"Bearer {sandbox.keys['secret']}"})
    assert response.status_code == 200
    sandbox.control.clear_faults(account=account.id)
    assert account.id not in sandbox.control.faults()["accounts"]


def test_latency_overlaps_requests(sandbox: SandboxProcess, account: CreatedAccount):
    """Latency is a wait, not work: 30 requests of ~200 ms are in flight together (the
    wall time this takes is measured in ``bench/timing.py``)."""
    sandbox.control.set_faults(latency="180-220", account=account.id)
    headers = {"Authorization": f"Bearer {account.keys['secret']}"}

    async def many() -> list[int]:
        async with httpx.AsyncClient(base_url=sandbox.api_base, headers=headers) as client:
            responses = await asyncio.gather(*(client.get("/v1/customers") for _ in range(30)))
        return [r.status_code for r in responses]

    sandbox.control.reset_stats()
    assert asyncio.run(many()) == [200] * 30
    assert sandbox.control.stats()["peak_in_flight"] >= 20


def test_injected_500_has_stripes_api_error_body(sandbox: SandboxProcess, account: CreatedAccount):
    sandbox.control.set_faults(error_rate=1.0, account=account.id)
    response = httpx.get(
        f"{sandbox.api_base}/v1/charges",
        headers={"Authorization": f"Bearer {account.keys['secret']}"},
    )
    assert response.status_code == 500
    assert response.json() == {
        "error": {"message": "An unknown error occurred", "type": "api_error"}
    }
    client = stripe.StripeClient(account.keys["secret"], base_addresses={"api": sandbox.api_base})
    with pytest.raises(stripe.APIError) as raised:
        client.v1.customers.list()
    assert raised.value.http_status == 500
    other = httpx.get(
        f"{sandbox.api_base}/v1/charges",
        headers={"Authorization": f"Bearer {sandbox.keys['secret']}"},
    )
    assert other.status_code == 200


def test_dropped_connections(sandbox: SandboxProcess, account: CreatedAccount):
    sandbox.control.set_faults(drop_rate=1.0, account=account.id)
    sandbox.control.reset_stats()
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(
            f"{sandbox.api_base}/v1/charges",
            headers={"Authorization": f"Bearer {account.keys['secret']}"},
        )
    client = stripe.StripeClient(account.keys["secret"], base_addresses={"api": sandbox.api_base})
    with pytest.raises(stripe.APIConnectionError):
        client.v1.charges.list()
    assert sandbox.control.stats()["dropped"] == 2
    sandbox.control.clear_faults(account=account.id)
    assert isinstance(client.v1.charges.list().data, list)


def test_fault_rates_are_rates(sandbox: SandboxProcess, account: CreatedAccount):
    sandbox.control.set_faults(error_rate=0.3, account=account.id)
    headers = {"Authorization": f"Bearer {account.keys['secret']}"}
    with httpx.Client(base_url=sandbox.api_base, headers=headers) as client:
        statuses = [
            client.get("/v1/customers", params={"limit": 1}).status_code for _ in range(300)
        ]
    assert 45 <= statuses.count(500) <= 135
    assert set(statuses) == {200, 500}


def test_global_faults_apply_to_every_account():
    with SandboxProcess(charges=20, days=5, latency="120-130") as process:
        faults = process.control.faults()
        assert faults["global"]["latency"] == [120.0, 130.0]
        elapsed, response = _timed_get(f"{process.api_base}/v1/balance", process.keys["secret"])
        assert response.status_code == 200 and elapsed >= 0.12
        process.control.set_faults(error_rate=1.0)
        other = process.control.create_account(seed="x", charges=5, days=1, modes=["test"])
        _, response = _timed_get(f"{process.api_base}/v1/balance", other.keys["secret"])
        assert response.status_code == 500
        process.control.clear_faults()
        _, response = _timed_get(f"{process.api_base}/v1/balance", other.keys["secret"])
        assert response.status_code == 200


def test_fault_settings_are_validated(sandbox: SandboxProcess):
    assert parse_latency("150-300") == (150.0, 300.0)
    assert parse_latency("200") == (200.0, 200.0)
    assert parse_latency(None) is None
    with pytest.raises(ValueError):
        parse_latency("300-150")
    with pytest.raises(ValueError):
        Faults().updated({"error_rate": 2})
    response = httpx.post(f"{sandbox.api_base}/_sandbox/faults", json={"drop_rate": -1})
    assert response.status_code == 400
    response = httpx.post(f"{sandbox.api_base}/_sandbox/faults", json={"latencyy": 5})
    assert response.status_code == 400
