"""The aiohttp server: the /v1 request pipeline, the loopback-only control API, serving and
shutdown. (Start-up is ``startup``; the running state is ``state``.)

Pipeline of a /v1 request, in Stripe's order as far as it can be observed: route (404 for
an unknown URL), key (401), rate limit (429, checked on arrival so that a client pacing
itself is judged by when it sent), injected latency, injected drop or 500, the
``Stripe-Account`` header (403 for another account), permission (403), then the endpoint.
Errors raised before the latency still wait it out, so every answer of the sandbox takes the
configured time.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from . import errors, ids, keys, objects, routes_api, routes_control
from .keys import ApiKey
from .state import SANDBOX, Sandbox
from .stats import DROPPED
from .writes import Origin

log = logging.getLogger("stripe_sandbox")


def _respond(
    status: int, body: bytes, request_id: str, headers: dict[str, str] | None = None
) -> web.Response:
    out = {
        "Request-Id": request_id,
        "Stripe-Version": objects.API_VERSION,
        "Cache-Control": "no-cache, no-store",
    }
    if headers:
        out.update(headers)
    return web.Response(body=body, status=status, content_type="application/json", headers=out)


async def _wait(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


def _drop(request: web.Request) -> None:
    """Close the connection without an answer: the client sees a network error."""
    transport = request.transport
    if transport is not None:
        transport.close()
    raise asyncio.CancelledError


def _fingerprint(endpoint: str, form: dict[str, Any]) -> str:
    material = orjson.dumps([endpoint, form], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(material).hexdigest()


@dataclass
class _Call:
    """What the request counters and error bodies need to know of a request."""

    request_id: str
    endpoint: str
    account: str | None = None
    mode: str | None = None
    status: int = 500
    waited: bool = False


async def handle_api(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    sandbox.stats.begin()
    call = _Call(ids.request_id(), f"{request.method} (unrecognized)")
    try:
        try:
            response = await _serve(request, sandbox, call)
            call.status = response.status
            return response
        except errors.StripeError as exc:
            return await _error(sandbox, call, exc)
        except (asyncio.CancelledError, ConnectionResetError):
            call.status = DROPPED
            raise
        except Exception:
            log.exception("error serving %s", call.endpoint)
            call.status = 500
            return _respond(500, orjson.dumps(errors.api_error().body), call.request_id)
    finally:
        sandbox.stats.end(call.account, call.mode, call.endpoint, call.status)


def _check_stripe_account(request: web.Request, api_key: ApiKey) -> None:
    """Sync tools send their own account in ``Stripe-Account``; any other is refused."""
    named = request.headers.get("Stripe-Account")
    if named and named.strip() != api_key.account:
        raise errors.permission_denied_account(keys.mask_restricted(api_key.key), named.strip())


# What a broken proxy or a half-deployed API might send: a list of objects with no fields.
GARBAGE = orjson.dumps({"object": "list", "data": [{"id": "garbage"}], "has_more": True})


async def _serve(request: web.Request, sandbox: Sandbox, call: _Call) -> web.Response:
    route, object_id = routes_api.match(request.method, request.path)
    call.endpoint = route.endpoint
    api_key = sandbox.authenticate(request.headers.get("Authorization"))
    call.account, call.mode = api_key.account, api_key.mode
    dataset = sandbox.registry.dataset(api_key.account, api_key.mode)
    if dataset is None:
        raise errors.invalid_key(keys.mask_invalid(api_key.key))
    faults = sandbox.faults.for_account(api_key.account)
    limited = sandbox.limiter.check(api_key.account, api_key.mode, call.endpoint)
    if limited is not None:
        raise errors.rate_limited(api_key.livemode, limited)
    call.waited = True
    await _wait(sandbox.faults.latency_seconds(faults))
    if sandbox.faults.happens(faults.drop_rate):
        call.status = DROPPED
        _drop(request)
    if sandbox.faults.happens(faults.error_rate):
        raise errors.api_error()
    if sandbox.faults.happens(faults.garbage_rate):
        return _respond(200, GARBAGE, call.request_id)
    _check_stripe_account(request, api_key)
    permission = keys.RESOURCE_PERMISSION[route.resource] + ("_write" if route.write else "_read")
    if not api_key.allows(permission):
        raise errors.permission_denied(
            keys.mask_restricted(api_key.key), api_key.account, "rak_" + permission
        )
    form: dict[str, Any] = {}
    if route.write:
        posted = await request.post()
        form = routes_api.parse_form((k, v) for k, v in posted.items() if isinstance(v, str))
    idem_key = request.headers.get("Idempotency-Key") if route.write else None
    ctx = routes_api.Ctx(
        sandbox,
        dataset,
        api_key,
        list(request.query.items()),
        form,
        object_id,
        Origin(call.request_id, idem_key),
    )
    if idem_key:
        return _idempotent(sandbox, ctx, route, idem_key, call.request_id)
    status, body = route.handler(ctx)
    return _respond(status, body, call.request_id)


async def _error(sandbox: Sandbox, call: _Call, exc: errors.StripeError) -> web.Response:
    if not call.waited:
        await _wait(sandbox.faults.latency_seconds(sandbox.faults.for_account(call.account)))
    call.status = exc.status
    if call.account is not None and exc.status in (400, 402, 404):
        # Stripe links the request in the Dashboard once it knows the account.
        test = "" if call.mode == "live" else "test/"
        error = dict(exc.body["error"])
        error["request_log_url"] = (
            f"https://dashboard.stripe.com/{test}logs/{call.request_id}?t={int(time.time())}"
        )
        exc.body = {"error": dict(sorted(error.items()))}
    return _respond(exc.status, orjson.dumps(exc.body), call.request_id, exc.headers)


def _idempotent(
    sandbox: Sandbox, ctx: routes_api.Ctx, route: routes_api.Route, idem_key: str, request_id: str
) -> web.Response:
    cache_key = (ctx.api_key.account, ctx.api_key.mode, idem_key)
    fingerprint = _fingerprint(route.endpoint, ctx.form)
    cached = sandbox.idempotency.get(cache_key)
    if cached is not None:
        if cached[0] != fingerprint:
            raise errors.StripeError(
                400,
                errors.body(
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with. Try using a key other than "
                    f"'{idem_key}' if you meant to execute a different request.",
                ),
            )
        return _respond(cached[1], cached[2], request_id, {"Idempotent-Replayed": "true"})
    try:
        status, body = route.handler(ctx)
    except errors.StripeError as exc:
        # Stripe replays errors that reached the endpoint (a decline stays a decline).
        body = orjson.dumps(exc.body)
        sandbox.idempotency.put(cache_key, fingerprint, exc.status, body)
        raise
    sandbox.idempotency.put(cache_key, fingerprint, status, body)
    return _respond(status, body, request_id, {"Idempotency-Key": idem_key})


async def handle_unknown(request: web.Request) -> web.Response:
    exc = errors.unrecognized_url(request.method, request.path)
    return _respond(exc.status, orjson.dumps(exc.body), ids.request_id())


@web.middleware
async def loopback_only(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path.startswith("/_sandbox"):
        remote = request.remote or ""
        try:
            loopback = ipaddress.ip_address(remote.split("%")[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return web.json_response({"error": "control API is loopback-only"}, status=403)
    return await handler(request)


def build_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(middlewares=[loopback_only], client_max_size=1024**2)
    app[SANDBOX] = sandbox
    routes_control.setup(app)
    app.router.add_route("*", "/v1/{tail:.*}", handle_api)
    app.router.add_route("*", "/{tail:.*}", handle_unknown)
    return app


async def serve(sandbox: Sandbox, host: str, port: int) -> None:
    app = build_app(sandbox)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    # aiohttp exposes the bound sockets (needed for --port 0) only on the private server.
    sockets = getattr(site._server, "sockets", None) or []
    bound_port = int(sockets[0].getsockname()[1]) if sockets else port
    shown = f"[{host}]" if ":" in host else host
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("listening on http://%s:%d, data in %s", shown, bound_port, sandbox.data_dir)
    print(f"chartivo-sandbox ready at http://{shown}:{bound_port}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await runner.cleanup()
