"""The aiohttp server: start-up (data, keys), the /v1 request pipeline, and shutdown.

Pipeline of a /v1 request, in Stripe's order as far as it can be observed: route (404 for
an unknown URL), key (401), rate limit (429, checked on arrival so that a client pacing
itself is judged by when it sent), injected latency, injected drop or 500, permission (403),
then the endpoint. Errors raised before the latency still wait it out, so every answer of
the sandbox takes the configured time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import ipaddress
import json
import logging
import signal
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from . import errors, ids, keys, objects, routes_api
from .accounts import Account, AccountSpec, Registry, build_account, key_from_json
from .faults import FaultInjector, Faults
from .keys import ApiKey
from .ratelimit import RateLimiter, Rates
from .stats import DROPPED, Stats
from .store import Store
from .writes import Origin, Writer

log = logging.getLogger("stripe_sandbox")

DB_NAME = "sandbox.sqlite3"


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 12111
    seed: str = "chartivo"
    charges: int = 5000
    days: float = 365.0
    end: int = field(default_factory=lambda: int(time.time()))
    modes: tuple[str, ...] = ("test", "live")
    data_dir: Path | None = None
    keys_file: Path | None = None
    accounts: int = 0
    accounts_charges: int = 200
    rates: Rates = field(default_factory=Rates)
    faults: Faults = field(default_factory=Faults)

    def generation_params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "charges": self.charges,
            "days": self.days,
            "end": self.end,
            "modes": list(self.modes),
            "accounts": self.accounts,
            "accounts_charges": self.accounts_charges,
        }

    def extra_account_seed(self, n: int) -> str:
        return f"{self.seed}/{n}"


class IdempotencyCache:
    """Replays a POST's first answer for a repeated Idempotency-Key, as Stripe does."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, ...], tuple[str, int, bytes]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> tuple[str, int, bytes] | None:
        return self._entries.get(key)

    def put(self, key: tuple[str, ...], fingerprint: str, status: int, body: bytes) -> None:
        self._entries[key] = (fingerprint, status, body)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


class Sandbox:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        limiter: RateLimiter,
        faults: FaultInjector,
        data_dir: Path,
    ) -> None:
        self.store = store
        self.registry = registry
        self.limiter = limiter
        self.initial_rates = limiter.default
        self.faults = faults
        self.data_dir = data_dir
        self.stats = Stats()
        self.writer = Writer(store, registry)
        self.idempotency = IdempotencyCache()
        self.started = time.time()

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    def authenticate(self, header: str | None) -> ApiKey:
        if not header or not header.strip():
            raise errors.no_key()
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "bearer":
            key = value.strip()
        elif scheme.lower() == "basic":
            try:
                key = base64.b64decode(value.strip()).decode().split(":", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                key = value.strip()
        else:
            key = header.strip()
        if not key:
            raise errors.no_key()
        api_key = self.registry.keys.get(key)
        if api_key is None or api_key.revoked:
            raise errors.invalid_key(keys.mask_invalid(key))
        if api_key.kind == keys.PUBLISHABLE:
            raise errors.publishable_key()
        return api_key

    async def create_account(self, spec: AccountSpec) -> Account:
        """Generation runs on a worker thread with its own SQLite connection (WAL lets the
        event loop keep reading); the account becomes visible once it is complete."""
        spec.validate()
        ordinal = self.registry.next_ordinal(spec.seed)
        loop = asyncio.get_running_loop()
        account, api_keys = await loop.run_in_executor(
            None, _build_on_thread, self.db_path, spec, ordinal
        )
        self.registry.add(account, api_keys)
        return account

    def save_key(self, api_key: ApiKey) -> None:
        self.registry.save_key(self.store, api_key)


def _build_on_thread(path: Path, spec: AccountSpec, ordinal: int) -> tuple[Account, list[ApiKey]]:
    store = Store(path, cache_mb=32)
    try:
        return build_account(store, spec, ordinal)
    finally:
        store.close()


SANDBOX = web.AppKey("sandbox", Sandbox)


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


async def handle_api(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    sandbox.stats.begin()
    request_id = ids.request_id()
    account: str | None = None
    mode: str | None = None
    endpoint = f"{request.method} (unrecognized)"
    status = 500
    waited = False
    try:
        try:
            route, object_id = routes_api.match(request.method, request.path)
            endpoint = route.endpoint
            api_key = sandbox.authenticate(request.headers.get("Authorization"))
            account, mode = api_key.account, api_key.mode
            dataset = sandbox.registry.dataset(account, mode)
            if dataset is None:
                raise errors.invalid_key(keys.mask_invalid(api_key.key))
            faults = sandbox.faults.for_account(account)
            limited = sandbox.limiter.check(account, mode, endpoint)
            if limited is not None:
                raise errors.rate_limited(api_key.livemode, limited)
            waited = True
            await _wait(sandbox.faults.latency_seconds(faults))
            if sandbox.faults.happens(faults.drop_rate):
                status = DROPPED
                _drop(request)
            if sandbox.faults.happens(faults.error_rate):
                raise errors.api_error()
            permission = keys.RESOURCE_PERMISSION[route.resource]
            permission += "_write" if route.write else "_read"
            if not api_key.allows(permission):
                raise errors.permission_denied(
                    keys.mask_restricted(api_key.key), account, "rak_" + permission
                )
            form: dict[str, Any] = {}
            if route.write:
                posted = await request.post()
                form = routes_api.parse_form(
                    (k, v) for k, v in posted.items() if isinstance(v, str)
                )
            idem_key = request.headers.get("Idempotency-Key") if route.write else None
            ctx = routes_api.Ctx(
                sandbox,
                dataset,
                api_key,
                list(request.query.items()),
                form,
                object_id,
                Origin(request_id, idem_key),
            )
            if idem_key:
                response = _idempotent(sandbox, ctx, route, idem_key, request_id)
                status = response.status
                return response
            status, body = route.handler(ctx)
            return _respond(status, body, request_id)
        except errors.StripeError as exc:
            if not waited:
                await _wait(sandbox.faults.latency_seconds(sandbox.faults.for_account(account)))
            status = exc.status
            if account is not None and exc.status in (400, 402, 404):
                # Stripe links the request in the Dashboard once it knows the account.
                test = "" if mode == "live" else "test/"
                error = dict(exc.body["error"])
                error["request_log_url"] = (
                    f"https://dashboard.stripe.com/{test}logs/{request_id}?t={int(time.time())}"
                )
                exc.body = {"error": dict(sorted(error.items()))}
            return _respond(exc.status, orjson.dumps(exc.body), request_id, exc.headers)
        except (asyncio.CancelledError, ConnectionResetError):
            status = DROPPED
            raise
        except Exception:
            log.exception("error serving %s", endpoint)
            status = 500
            return _respond(500, orjson.dumps(errors.api_error().body), request_id)
    finally:
        sandbox.stats.end(account, mode, endpoint, status)


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
    from . import routes_control

    app = web.Application(middlewares=[loopback_only], client_max_size=1024**2)
    app[SANDBOX] = sandbox
    routes_control.setup(app)
    app.router.add_route("*", "/v1/{tail:.*}", handle_api)
    app.router.add_route("*", "/{tail:.*}", handle_unknown)
    return app


# -- start-up -------------------------------------------------------------------------------


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def _reusable(path: Path, params: str) -> bool:
    if not path.exists():
        return False
    try:
        store = Store(path)
        try:
            return store.get_meta("params") == params and store.get_meta("complete") == "1"
        finally:
            store.close()
    except sqlite3.DatabaseError:
        return False


def _generate_all(store: Store, config: Config) -> None:
    specs = [AccountSpec(config.seed, config.charges, config.days, config.end, config.modes)]
    specs += [
        AccountSpec(
            config.extra_account_seed(n),
            config.accounts_charges,
            config.days,
            config.end,
            config.modes,
        )
        for n in range(1, config.accounts + 1)
    ]
    for number, spec in enumerate(specs):
        started = time.perf_counter()
        account, _ = build_account(store, spec, 0)
        if number == 0 or number == len(specs) - 1 or number % 50 == 0:
            log.info(
                "generated account %d/%d %s in %.1fs: %s",
                number + 1,
                len(specs),
                account.id,
                time.perf_counter() - started,
                account.counts,
            )


def open_sandbox(config: Config, data_dir: Path) -> Sandbox:
    """Generate (or reuse) the data, load accounts and keys, apply the keys file."""
    path = data_dir / DB_NAME
    params = json.dumps(config.generation_params(), sort_keys=True)
    if _reusable(path, params):
        log.info("reusing generated data in %s", path)
        store = Store(path)
    else:
        _remove_db(path)
        store = Store(path, cache_mb=512)
        # No journal while bulk loading: a crash means regenerating anyway.
        store.db.execute("PRAGMA journal_mode=OFF")
        store.create_schema()
        started = time.perf_counter()
        _generate_all(store, config)
        store.create_indexes()
        store.set_meta("params", params)
        store.set_meta("complete", "1")
        store.db.execute("PRAGMA journal_mode=WAL")
        store.db.execute("PRAGMA cache_size=-131072")
        log.info("generated data in %.1fs into %s", time.perf_counter() - started, path)
    registry = Registry()
    for doc in store.load_accounts():
        account = Account.from_json(json.loads(doc))
        registry.add(account, [])
    for doc in store.load_keys():
        registry.keys.add(key_from_json(json.loads(doc)))
    sandbox = Sandbox(
        store, registry, RateLimiter(config.rates), FaultInjector(config.faults), data_dir
    )
    if config.keys_file is not None:
        for spec in keys.load_keys_file(config.keys_file):
            sandbox.save_key(key_from_spec(registry, spec))
    return sandbox


def key_from_spec(registry: Registry, spec: dict[str, Any]) -> ApiKey:
    """A key described in the keys file or POST /_sandbox/keys, added to the registry."""
    account_id = spec.get("account") or "default"
    if account_id == "default":
        account_id = registry.default_account
    account = registry.accounts.get(str(account_id))
    if account is None:
        raise ValueError(f"unknown account {account_id!r}")
    mode = str(spec.get("mode", "test"))
    if mode not in account.datasets:
        raise ValueError(f"account {account.id} has no {mode} data")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("every key needs a name")
    api_key = keys.make_key(
        account.seed,
        account.id,
        name,
        mode,
        str(spec.get("type", keys.RESTRICTED)),
        spec.get("permissions", []),
        key=spec.get("key"),
    )
    registry.keys.add(api_key)
    return api_key


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
