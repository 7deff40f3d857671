"""The Stripe endpoints: what each /v1 route does once the request is authenticated,
within its rate limit and allowed by the key."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from . import errors, listing, objects
from .accounts import Dataset
from .keys import ApiKey
from .writes import Origin

if TYPE_CHECKING:
    from .server import Sandbox


@dataclass
class Ctx:
    sandbox: Sandbox
    dataset: Dataset
    api_key: ApiKey
    query: list[tuple[str, str]]
    form: dict[str, Any] = field(default_factory=dict)
    object_id: str | None = None
    origin: Origin = field(default_factory=Origin)


Handler = Callable[[Ctx], tuple[int, bytes]]


@dataclass(frozen=True)
class Route:
    method: str
    endpoint: str
    resource: str
    write: bool
    handler: Handler


# -- reads ----------------------------------------------------------------------------------


def _other_mode(ctx: Ctx, table: str, object_id: str, exc: errors.StripeError) -> None:
    """Stripe tells when a missing id exists in the other mode; so does the sandbox."""
    other = "test" if ctx.dataset.livemode else "live"
    dataset = ctx.sandbox.registry.dataset(ctx.dataset.account, other)
    if dataset is not None and ctx.sandbox.store.position(table, dataset.ds, object_id):
        mine = "live" if ctx.dataset.livemode else "test"
        exc.body["error"]["message"] += (
            f"; a similar object exists in {other} mode, but a {mine} mode key was used to "
            "make this request."
        )


def _list(resource: listing.Resource) -> Handler:
    def handle(ctx: Ctx) -> tuple[int, bytes]:
        request = listing.parse_list(ctx.query, resource)
        try:
            return 200, listing.run_list(ctx.sandbox.store, ctx.dataset.ds, resource, request)
        except errors.StripeError as exc:
            cursor = request.starting_after or request.ending_before
            if exc.status == 404 and cursor:
                _other_mode(ctx, resource.table, cursor, exc)
            raise

    return handle


def _expand_param(
    query: Iterable[tuple[str, str]], allowed: frozenset[str] = frozenset()
) -> list[str]:
    values: list[str] = []
    for key, value in query:
        if key == "expand" or re.fullmatch(r"expand\[\d*\]", key):
            values.append(value)
        elif key not in allowed:
            raise errors.unknown_parameter(key)
    return values


def _retrieve(resource: listing.Resource) -> Handler:
    def handle(ctx: Ctx) -> tuple[int, bytes]:
        assert ctx.object_id is not None
        fields = listing.expand_fields(_expand_param(ctx.query), resource, listing=False)
        store = ctx.sandbox.store
        body = store.body(resource.table, ctx.dataset.ds, ctx.object_id)
        if body is None:
            exc = errors.no_such(resource.object_name, ctx.object_id, "id")
            _other_mode(ctx, resource.table, ctx.object_id, exc)
            raise exc
        if fields:
            body = listing.expand(store, ctx.dataset.ds, [body], fields)[0]
        return 200, body

    return handle


def _balance(ctx: Ctx) -> tuple[int, bytes]:
    _expand_param(ctx.query)
    available, pending = ctx.sandbox.store.balance(ctx.dataset.ds, int(time.time()))
    return 200, orjson.dumps(objects.balance(ctx.dataset.livemode, available, pending))


def _account(ctx: Ctx) -> tuple[int, bytes]:
    _expand_param(ctx.query)
    account = ctx.sandbox.registry.accounts[ctx.dataset.account]
    return 200, orjson.dumps(objects.account(account.id, account.created, account.email))


# -- writes ---------------------------------------------------------------------------------

_CREATE_PARAMS = {
    "customers": frozenset({"name", "email", "description", "phone", "metadata", "expand"}),
    "charges": frozenset(
        {
            "amount",
            "currency",
            "customer",
            "source",
            "description",
            "metadata",
            "receipt_email",
            "capture",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "expand",
        }
    ),
    "refunds": frozenset({"charge", "payment_intent", "amount", "reason", "metadata", "expand"}),
}


def _created(resource: listing.Resource, obj: dict[str, Any], ctx: Ctx) -> tuple[int, bytes]:
    body = orjson.dumps(obj)
    expand = ctx.form.get("expand") or []
    if isinstance(expand, str):
        expand = [expand]
    fields = listing.expand_fields(expand, resource, listing=False)
    if fields:
        body = listing.expand(ctx.sandbox.store, ctx.dataset.ds, [body], fields)[0]
    return 200, body


def _check_params(name: str, ctx: Ctx) -> None:
    for key in ctx.form:
        if key not in _CREATE_PARAMS[name]:
            raise errors.unknown_parameter(key)


def _create_customer(ctx: Ctx) -> tuple[int, bytes]:
    _check_params("customers", ctx)
    obj = ctx.sandbox.writer.create_customer(ctx.dataset, ctx.form, ctx.origin)
    return _created(listing.RESOURCES["customers"], obj, ctx)


def _create_charge(ctx: Ctx) -> tuple[int, bytes]:
    _check_params("charges", ctx)
    obj = ctx.sandbox.writer.create_charge(ctx.dataset, ctx.form, ctx.origin)
    return _created(listing.RESOURCES["charges"], obj, ctx)


def _create_refund(ctx: Ctx) -> tuple[int, bytes]:
    _check_params("refunds", ctx)
    obj = ctx.sandbox.writer.create_refund(ctx.dataset, ctx.form, ctx.origin)
    return _created(listing.RESOURCES["refunds"], obj, ctx)


# -- routing --------------------------------------------------------------------------------


def _routes() -> dict[tuple[str, str, bool], Route]:
    table: dict[tuple[str, str, bool], Route] = {}
    for name, resource in listing.RESOURCES.items():
        table[("GET", name, False)] = Route("GET", f"GET /v1/{name}", name, False, _list(resource))
        table[("GET", name, True)] = Route(
            "GET", f"GET /v1/{name}/:id", name, False, _retrieve(resource)
        )
    table[("GET", "balance", False)] = Route("GET", "GET /v1/balance", "balance", False, _balance)
    table[("GET", "account", False)] = Route("GET", "GET /v1/account", "account", False, _account)
    creators: dict[str, Handler] = {
        "customers": _create_customer,
        "charges": _create_charge,
        "refunds": _create_refund,
    }
    for name, handler in creators.items():
        table[("POST", name, False)] = Route("POST", f"POST /v1/{name}", name, True, handler)
    return table


ROUTES = _routes()


def match(method: str, path: str) -> tuple[Route, str | None]:
    parts = path.rstrip("/").split("/")
    # ["", "v1", resource] or ["", "v1", resource, id]
    if len(parts) in (3, 4) and parts[0] == "" and parts[1] == "v1":
        object_id = parts[3] if len(parts) == 4 else None
        route = ROUTES.get((method, parts[2], object_id is not None))
        if route is not None and (object_id is None or object_id):
            return route, object_id
    raise errors.unrecognized_url(method, path)


def parse_form(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding: ``metadata[k]=v`` is a hash, ``expand[0]=x`` a list."""
    out: dict[str, Any] = {}
    for key, value in items:
        name, bracket, rest = key.partition("[")
        if not bracket:
            out[name] = value
            continue
        inner = rest.split("]", 1)[0]
        if inner == "" or inner.isdigit():
            existing = out.setdefault(name, [])
            if isinstance(existing, list):
                existing.append(value)
            else:
                raise errors.invalid_request(f"Invalid array: {name}", param=name)
        else:
            existing = out.setdefault(name, {})
            if isinstance(existing, dict):
                existing[inner] = value
            else:
                raise errors.invalid_request(f"Invalid hash: {name}", param=name)
    return out
