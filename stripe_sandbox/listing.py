"""List and retrieve semantics: Stripe's parameters, cursors, filters and ``expand``.

Pages are newest first by ``(created, rid)``. ``starting_after`` returns the objects just
older than the cursor; ``ending_before`` the objects just newer than it (still sent newest
first), and ``has_more`` then says whether even newer ones exist. A cursor that names no
object of the list is a 404 ``resource_missing`` with ``param`` set, as in Stripe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .store import Store, table_for_id

CREATED_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Resource:
    name: str
    object_name: str
    filters: Mapping[str, str] = field(default_factory=dict)
    # Filters on fields the sandbox always leaves null: accepted, and they match nothing.
    null_filters: frozenset[str] = frozenset()
    expandable: frozenset[str] = frozenset()

    @property
    def table(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return f"/v1/{self.name}"


RESOURCES: dict[str, Resource] = {
    "charges": Resource(
        "charges",
        "charge",
        {"customer": "customer"},
        frozenset({"payment_intent", "transfer_group"}),
        frozenset({"balance_transaction", "customer", "failure_balance_transaction"}),
    ),
    "customers": Resource("customers", "customer", {"email": "email"}, frozenset({"test_clock"})),
    "refunds": Resource(
        "refunds",
        "refund",
        {"charge": "charge"},
        frozenset({"payment_intent"}),
        frozenset({"charge", "balance_transaction", "failure_balance_transaction"}),
    ),
    "disputes": Resource(
        "disputes",
        "dispute",
        {"charge": "charge"},
        frozenset({"payment_intent"}),
        frozenset({"charge"}),
    ),
    "balance_transactions": Resource(
        "balance_transactions",
        "balance transaction",
        {"type": "type", "source": "source", "currency": "currency", "payout": "payout"},
        expandable=frozenset({"source"}),
    ),
    "events": Resource("events", "event"),
}


@dataclass
class ListRequest:
    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    conditions: list[tuple[str, list[Any]]] = field(default_factory=list)
    expand: list[str] = field(default_factory=list)
    empty: bool = False


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise errors.invalid_integer(name, value) from None


_ARRAY = re.compile(r"^([a-z_]+)\[(\d*)\]$")


def _array_name(key: str) -> str | None:
    """``expand[]`` and ``expand[0]`` (the SDK's form) both mean ``expand``."""
    match = _ARRAY.match(key)
    return match.group(1) if match else None


def expand_fields(values: Iterable[str], resource: Resource, *, listing: bool) -> list[str]:
    fields: list[str] = []
    for value in values:
        path = value
        if listing:
            if not value.startswith("data."):
                hint = ""
                if value in resource.expandable:
                    hint = f" You may want to try expanding 'data.{value}' instead."
                raise errors.invalid_request(
                    f"This property cannot be expanded ({value}).{hint}", param="expand"
                )
            path = value.removeprefix("data.")
        if path not in resource.expandable:
            raise errors.invalid_request(
                f"This property cannot be expanded ({value}).", param="expand"
            )
        if path not in fields:
            fields.append(path)
    return fields


def parse_list(query: Iterable[tuple[str, str]], resource: Resource) -> ListRequest:
    req = ListRequest()
    expand: list[str] = []
    types: list[str] = []
    event_type: str | None = None
    for key, value in query:
        array = _array_name(key)
        if key == "limit":
            limit = _int("limit", value)
            if limit < 1:
                raise errors.invalid_request(
                    "This value must be greater than or equal to 1.", param="limit"
                )
            if limit > 100:
                raise errors.invalid_request(
                    "This value must be less than or equal to 100.", param="limit"
                )
            req.limit = limit
        elif key in ("starting_after", "ending_before"):
            setattr(req, key, value or None)
        elif key == "created":
            req.conditions.append(("created = ?", [_int("created", value)]))
        elif key.startswith("created[") and key.endswith("]") and key[8:-1] in CREATED_OPS:
            op = CREATED_OPS[key[8:-1]]
            req.conditions.append((f"created {op} ?", [_int(key, value)]))
        elif key == "expand" or array == "expand":
            expand.append(value)
        elif key in resource.filters:
            column = resource.filters[key]
            req.conditions.append(
                (f"{column} = ?", [value.lower() if key == "currency" else value])
            )
        elif key in resource.null_filters:
            req.empty = True
        elif resource.name == "events" and key == "type":
            event_type = value
        elif resource.name == "events" and array == "types":
            types.append(value)
        elif resource.name == "events" and key == "delivery_success":
            if value not in ("true", "false"):
                raise errors.invalid_request(f"Invalid boolean: {value}", param=key)
            # No webhook endpoints exist, so every event counts as delivered.
            req.empty = req.empty or value == "false"
        else:
            raise errors.unknown_parameter(key)
    if req.starting_after and req.ending_before:
        raise errors.invalid_request(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    if event_type is not None and types:
        raise errors.invalid_request(
            "You may pass either `type` or `types`, but not both.", param="types"
        )
    if event_type is not None:
        req.conditions.append(("type GLOB ?", [event_type]))
    if types:
        if len(types) > 20:
            raise errors.invalid_request("You may pass at most 20 `types`.", param="types")
        marks = ",".join("?" * len(types))
        req.conditions.append((f"type IN ({marks})", types))
    req.expand = expand_fields(expand, resource, listing=True)
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


def run_list(store: Store, ds: int, resource: Resource, req: ListRequest) -> bytes:
    cursor: tuple[int, int] | None = None
    newer = False
    anchor = req.starting_after or req.ending_before
    if anchor is not None:
        cursor = store.position(resource.table, ds, anchor)
        if cursor is None:
            param = "starting_after" if req.starting_after else "ending_before"
            raise errors.no_such(resource.object_name, anchor, param)
        newer = req.ending_before is not None
    if req.empty:
        return envelope([], False, resource.url)
    rows = store.page(resource.table, ds, req.conditions, cursor, newer, req.limit + 1)
    has_more = len(rows) > req.limit
    del rows[req.limit :]
    if newer:
        rows.reverse()
    if req.expand:
        rows = expand(store, ds, rows, req.expand)
    return envelope(rows, has_more, resource.url)


_FIELD_PATTERNS: dict[str, re.Pattern[bytes]] = {}


def _pattern(name: str) -> re.Pattern[bytes]:
    pattern = _FIELD_PATTERNS.get(name)
    if pattern is None:
        # The leading quote keeps "balance_transaction" from matching inside
        # "failure_balance_transaction"; ids are [A-Za-z0-9_] only.
        pattern = _FIELD_PATTERNS[name] = re.compile(b'"' + name.encode() + rb'":"([A-Za-z0-9_]+)"')
    return pattern


def expand(store: Store, ds: int, bodies: list[bytes], fields: list[str]) -> list[bytes]:
    """Replace each ``"field":"id"`` by ``"field":{object}`` without parsing the bodies."""
    for name in fields:
        pattern = _pattern(name)
        matches = [pattern.search(body) for body in bodies]
        wanted: dict[str, list[str]] = {}
        for match in matches:
            if match is not None:
                object_id = match.group(1).decode()
                table = table_for_id(object_id)
                if table is not None:
                    wanted.setdefault(table, []).append(object_id)
        found: dict[str, bytes] = {}
        for table, object_ids in wanted.items():
            found.update(store.bodies(table, ds, object_ids))
        out: list[bytes] = []
        prefix = b'"' + name.encode() + b'":'
        for body, match in zip(bodies, matches, strict=True):
            target = found.get(match.group(1).decode()) if match is not None else None
            if match is None or target is None:
                out.append(body)
            else:
                out.append(body[: match.start()] + prefix + target + body[match.end() :])
        bodies = out
    return bodies
