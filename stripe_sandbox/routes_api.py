"""The Stripe endpoints: what each /v1 route does once the request is authenticated,
within its rate limit and allowed by the key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import errors, expand, keys, listing, objects
from .accounts import Dataset
from .expand import Expander
from .keys import ApiKey
from .state import Sandbox
from .writes import Origin


@dataclass
class Ctx:
    sandbox: Sandbox
    dataset: Dataset
    api_key: ApiKey
    query: list[tuple[str, str]]
    form: dict[str, Any] = field(default_factory=dict)
    object_id: str | None = None
    origin: Origin = field(default_factory=Origin)

    def expander(self) -> Expander:
        account = self.sandbox.registry.accounts[self.dataset.account]
        return Expander(self.sandbox.store, self.dataset.ds, account.bank_account_bodies)


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
        paths = expand.fields(request.expand, resource.object_type, listing=True)
        try:
            bodies, has_more = listing.page(ctx.sandbox.store, ctx.dataset.ds, resource, request)
        except errors.StripeError as exc:
            cursor = request.starting_after or request.ending_before
            if exc.status == 404 and cursor:
                _other_mode(ctx, resource.table, cursor, exc)
            raise
        if paths and bodies:
            bodies = ctx.expander().expand(bodies, resource.object_type, paths)
        return 200, listing.envelope(bodies, has_more, resource.url)

    return handle


def _expand_param(query: Iterable[tuple[str, str]]) -> list[str]:
    values: list[str] = []
    for key, value in query:
        if key == "expand" or listing.array_name(key) == "expand":
            values.append(value)
        else:
            raise errors.unknown_parameter(key)
    return values


def _expanded(ctx: Ctx, body: bytes, object_type: str, values: Iterable[str]) -> bytes:
    paths = expand.fields(values, object_type, listing=False)
    if not paths:
        return body
    return ctx.expander().expand([body], object_type, paths)[0]


def _retrieve(resource: listing.Resource) -> Handler:
    def handle(ctx: Ctx) -> tuple[int, bytes]:
        assert ctx.object_id is not None
        values = _expand_param(ctx.query)
        body = ctx.sandbox.store.body(resource.table, ctx.dataset.ds, ctx.object_id)
        if body is None:
            exc = errors.no_such(resource.label, ctx.object_id, "id")
            _other_mode(ctx, resource.table, ctx.object_id, exc)
            raise exc
        return 200, _expanded(ctx, body, resource.object_type, values)

    return handle


def _balance(ctx: Ctx) -> tuple[int, bytes]:
    values = _expand_param(ctx.query)
    available, pending = ctx.sandbox.store.balance(ctx.dataset.ds, int(time.time()))
    body = orjson.dumps(objects.balance(ctx.dataset.livemode, available, pending))
    return 200, _expanded(ctx, body, "balance", values)


def _account(ctx: Ctx) -> tuple[int, bytes]:
    """``GET /v1/account`` and ``GET /v1/accounts/{id}``: the key's own account only."""
    values = _expand_param(ctx.query)
    account = ctx.sandbox.registry.accounts[ctx.dataset.account]
    if ctx.object_id is not None and ctx.object_id != account.id:
        raise errors.permission_denied_account(keys.mask_restricted(ctx.api_key.key), ctx.object_id)
    return 200, _expanded(ctx, orjson.dumps(account.stripe_object()), "account", values)


def _connected_accounts(ctx: Ctx) -> tuple[int, bytes]:
    """``GET /v1/accounts`` lists Connect accounts: a sandbox account has none."""
    request = listing.parse_list(ctx.query, listing.Resource("accounts", "account"))
    expand.fields(request.expand, "account", listing=True)
    return 200, listing.envelope([], False, "/v1/accounts")


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
    requested = ctx.form.get("expand") or []
    if isinstance(requested, str):
        requested = [requested]
    return 200, _expanded(ctx, orjson.dumps(obj), resource.object_type, requested)


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

    def get(name: str, one: bool, resource: str, handler: Handler) -> None:
        endpoint = f"GET /v1/{name}/:id" if one else f"GET /v1/{name}"
        table[("GET", name, one)] = Route("GET", endpoint, resource, False, handler)

    for name, resource in listing.RESOURCES.items():
        get(name, False, name, _list(resource))
        get(name, True, name, _retrieve(resource))
    get("balance", False, "balance", _balance)
    get("account", False, "account", _account)
    get("accounts", True, "account", _account)
    get("accounts", False, "connected_accounts", _connected_accounts)
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
