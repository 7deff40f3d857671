"""What every object builder shares: the API version the shapes follow and the dict type."""

from __future__ import annotations

from typing import Any

API_VERSION = "2023-08-16"

Obj = dict[str, Any]

NULL_ADDRESS: Obj = {
    "city": None,
    "country": None,
    "line1": None,
    "line2": None,
    "postal_code": None,
    "state": None,
}


def list_object(url: str, data: list[Obj] | None = None, has_more: bool = False) -> Obj:
    """A list embedded in an object (a charge's refunds, an account's bank accounts)."""
    return {"object": "list", "data": data or [], "has_more": has_more, "url": url}
