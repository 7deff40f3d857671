"""Helpers shared by the sandbox tests (a module of its own, importable from test files)."""

from __future__ import annotations

import copy
from typing import Any

import httpx

LIST_ENDPOINTS = ("charges", "customers", "refunds", "disputes", "balance_transactions", "events")


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
