"""Fixtures for the sandbox's own tests: one sandbox process per test worker, fresh accounts
for tests that change data, and Stripe's published schemas."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the package may not be installed (editable) yet
    sys.path.insert(0, str(REPO))

from stripe_sandbox.testing import CreatedAccount, SandboxProcess  # noqa: E402

# Stripe's schemas, kept beside the tests (see stripe_spec/README.md).
STRIPE_DIR = Path(__file__).resolve().parent / "stripe_spec"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxProcess]:
    """Rate limits off: tests that exercise them set their own, per account."""
    with SandboxProcess(
        seed="tests", charges=400, days=20, test_rate=0, live_rate=0, endpoint_rate=0
    ) as process:
        yield process


@pytest.fixture
def account(sandbox: SandboxProcess, request: pytest.FixtureRequest) -> CreatedAccount:
    """A small account of its own for a test that changes data."""
    return sandbox.control.create_account(
        seed=request.node.nodeid, charges=60, days=10, modes=["test", "live"]
    )


class Api:
    """Raw HTTP to the sandbox with a key, for what the SDK hides (headers, exact bodies)."""

    def __init__(self, api_base: str, key: str | None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=api_base, headers=headers, timeout=30)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def all(self, endpoint: str, **params: Any) -> list[dict[str, Any]]:
        """Every object of a list, newest first, following starting_after."""
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            page_params = dict(params, limit=100)
            if cursor:
                page_params["starting_after"] = cursor
            page = self.ok(f"/v1/{endpoint}", **page_params)
            out.extend(page["data"])
            if not page["has_more"]:
                return out
            cursor = page["data"][-1]["id"]


@pytest.fixture
def api_factory(sandbox: SandboxProcess) -> Iterator[Any]:
    made: list[Api] = []

    def make(key: str | None) -> Api:
        api = Api(sandbox.api_base, key)
        made.append(api)
        return api

    yield make
    for api in made:
        api.client.close()


@pytest.fixture(scope="session")
def schema_defs() -> dict[str, Any]:
    path = STRIPE_DIR / "schemas-2023-08-16.json"
    defs: dict[str, Any] = json.loads(path.read_text())["$defs"]
    return defs


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    path = STRIPE_DIR / "openapi-subset-2023-08-16.json"
    spec: dict[str, Any] = json.loads(path.read_text())
    return spec
