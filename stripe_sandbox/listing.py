"""List semantics: Stripe's parameters, cursors and filters.

Pages are newest first by ``(created, rid)``. ``starting_after`` returns the objects just
older than the cursor; ``ending_before`` the objects just newer than it (still sent newest
first), and ``has_more`` then says whether even newer ones exist. A cursor that names no
object of the list is a 404 ``resource_missing`` with ``param`` set, as in Stripe. Every
filter Stripe documents for an endpoint is accepted; one on a field the sandbox always
leaves null (``payment_intent``…) matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .store import Store

RANGE_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
MAX_TYPES = 20


@dataclass(frozen=True)
class Resource:
    name: str
    object_type: str
    # Equality filters: query parameter -> column.
    filters: Mapping[str, str] = field(default_factory=dict)
    # Filters on fields the sandbox always leaves null: accepted, and they match nothing.
    null_filters: frozenset[str] = frozenset()
    # Integer columns filtered like ``created`` (a value, or ``[gt|gte|lt|lte]``).
    ranges: frozenset[str] = frozenset({"created"})

    @property
    def table(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return f"/v1/{self.name}"

    @property
    def label(self) -> str:
        """How Stripe names the object in "No such …" messages."""
        return self.object_type.replace("_", " ")


RESOURCES: dict[str, Resource] = {
    "charges": Resource(
        "charges",
        "charge",
        {"customer": "customer"},
        frozenset({"payment_intent", "transfer_group"}),
    ),
    "customers": Resource("customers", "customer", {"email": "email"}, frozenset({"test_clock"})),
    "refunds": Resource("refunds", "refund", {"charge": "charge"}, frozenset({"payment_intent"})),
    "disputes": Resource(
        "disputes", "dispute", {"charge": "charge"}, frozenset({"payment_intent"})
    ),
    "balance_transactions": Resource(
        "balance_transactions",
        "balance_transaction",
        {"type": "type", "source": "source", "currency": "currency", "payout": "payout"},
    ),
    "events": Resource("events", "event"),
    "payouts": Resource(
        "payouts",
        "payout",
        {"status": "status", "destination": "destination"},
        ranges=frozenset({"created", "arrival_date"}),
    ),
}


@dataclass
class ListRequest:
    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    conditions: list[tuple[str, list[Any]]] = field(default_factory=list)
    expand: list[str] = field(default_factory=list)
    empty: bool = False
    event_type: str | None = None
    types: list[str] = field(default_factory=list)


def to_int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise errors.invalid_integer(name, value) from None


_ARRAY = re.compile(r"^([a-z_]+)\[(\d*)\]$")
_RANGE = re.compile(r"^([a-z_]+)\[(gt|gte|lt|lte)\]$")


def array_name(key: str) -> str | None:
    """``expand[]`` and ``expand[0]`` (the SDK's form) both mean ``expand``."""
    match = _ARRAY.match(key)
    return match.group(1) if match else None


def _limit(value: str) -> int:
    limit = to_int("limit", value)
    if limit < 1:
        raise errors.invalid_request(
            "This value must be greater than or equal to 1.", param="limit"
        )
    if limit > 100:
        raise errors.invalid_request("This value must be less than or equal to 100.", param="limit")
    return limit


def _range(key: str, value: str, resource: Resource) -> tuple[str, list[Any]] | None:
    if key in resource.ranges:
        return (f"{key} = ?", [to_int(key, value)])
    match = _RANGE.match(key)
    if match and match.group(1) in resource.ranges:
        return (f"{match.group(1)} {RANGE_OPS[match.group(2)]} ?", [to_int(key, value)])
    return None


def _event_param(req: ListRequest, key: str, value: str) -> bool:
    """``type`` (with ``*`` wildcards), ``types[]`` and ``delivery_success``."""
    if key == "type":
        req.event_type = value
    elif array_name(key) == "types":
        req.types.append(value)
    elif key == "delivery_success":
        if value not in ("true", "false"):
            raise errors.invalid_request(f"Invalid boolean: {value}", param=key)
        # No webhook endpoints exist, so every event counts as delivered.
        req.empty = req.empty or value == "false"
    else:
        return False
    return True


def _param(req: ListRequest, resource: Resource, key: str, value: str) -> None:
    ranged = _range(key, value, resource)
    if ranged is not None:
        req.conditions.append(ranged)
    elif key == "limit":
        req.limit = _limit(value)
    elif key in ("starting_after", "ending_before"):
        setattr(req, key, value or None)
    elif key == "expand" or array_name(key) == "expand":
        req.expand.append(value)
    elif key in resource.filters:
        req.conditions.append(
            (f"{resource.filters[key]} = ?", [value.lower() if key == "currency" else value])
        )
    elif key in resource.null_filters:
        req.empty = True
    elif not (resource.name == "events" and _event_param(req, key, value)):
        raise errors.unknown_parameter(key)


def _event_conditions(req: ListRequest) -> None:
    if req.event_type is not None and req.types:
        raise errors.invalid_request(
            "You may pass either `type` or `types`, but not both.", param="types"
        )
    if req.event_type is not None:
        req.conditions.append(("type GLOB ?", [req.event_type]))
    if req.types:
        if len(req.types) > MAX_TYPES:
            raise errors.invalid_request(
                f"You may pass at most {MAX_TYPES} `types`.", param="types"
            )
        marks = ",".join("?" * len(req.types))
        req.conditions.append((f"type IN ({marks})", list(req.types)))


def parse_list(query: Iterable[tuple[str, str]], resource: Resource) -> ListRequest:
    req = ListRequest()
    for key, value in query:
        _param(req, resource, key, value)
    if req.starting_after and req.ending_before:
        raise errors.invalid_request(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    _event_conditions(req)
    return req


def envelope(bodies: list[bytes], has_more: bool, url: str) -> bytes:
    return b"".join(
        (
            b'{"object":"list","data":[',
            b",".join(bodies),
            b'],"has_more":',
            b"true" if has_more else b"false",
            b',"url":"',
            url.encode(),
            b'"}',
        )
    )


def page(store: Store, ds: int, resource: Resource, req: ListRequest) -> tuple[list[bytes], bool]:
    """Up to ``limit`` matching bodies next to the cursor, newest first, and ``has_more``."""
    cursor: tuple[int, int] | None = None
    newer = False
    anchor = req.starting_after or req.ending_before
    if anchor is not None:
        cursor = store.position(resource.table, ds, anchor)
        if cursor is None:
            param = "starting_after" if req.starting_after else "ending_before"
            raise errors.no_such(resource.label, anchor, param)
        newer = req.ending_before is not None
    if req.empty:
        return [], False
    rows = store.page(resource.table, ds, req.conditions, cursor, newer, req.limit + 1)
    has_more = len(rows) > req.limit
    del rows[req.limit :]
    if newer:
        rows.reverse()
    return rows, has_more
