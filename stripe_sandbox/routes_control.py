"""Sandbox-only control API under /_sandbox/ (no key; loopback clients only).

JSON in, JSON out. Errors use Stripe's error body so clients can share one error path.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

import orjson
from aiohttp import web

from . import errors, keys, objects
from .accounts import AccountSpec, parse_currencies, parse_end
from .state import SANDBOX, Sandbox

Json = dict[str, Any]
ControlHandler = Callable[[web.Request, Sandbox, Json], Awaitable[Any]]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def control(handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    @wraps(handler)
    async def wrapped(request: web.Request) -> web.Response:
        sandbox = request.app[SANDBOX]
        payload: Json = {}
        if request.can_read_body:
            raw = await request.read()
            if raw.strip():
                try:
                    loaded = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    return _json(errors.body("invalid_request_error", "Body is not JSON"), 400)
                if not isinstance(loaded, dict):
                    return _json(
                        errors.body("invalid_request_error", "Body must be an object"), 400
                    )
                payload = loaded
        try:
            return _json(await handler(request, sandbox, payload))
        except errors.StripeError as exc:
            return _json(exc.body, exc.status)
        except (ValueError, TypeError, KeyError) as exc:
            return _json(errors.body("invalid_request_error", str(exc)), 400)

    return wrapped


def _account_param(request: web.Request, payload: Json) -> str | None:
    account = payload.get("account") or request.query.get("account")
    if account is None:
        return None
    account = str(account)
    if account not in request.app[SANDBOX].registry.accounts:
        raise errors.no_such("account", account, "account")
    return account


@control
async def health(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return {
        "status": "ok",
        "api_version": objects.API_VERSION,
        "default_account": sandbox.registry.default_account,
        "accounts": len(sandbox.registry.accounts),
        "data_dir": str(sandbox.data_dir),
        "uptime": round(time.time() - sandbox.started, 3),
    }


@control
async def list_accounts(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return {"data": [a.to_json() for a in sandbox.registry.accounts.values()]}


@control
async def create_account(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    spec = AccountSpec(
        seed=str(payload.get("seed", "account")),
        charges=int(payload.get("charges", 200)),
        days=float(payload.get("days", 30)),
        end=parse_end(payload.get("end")),
        modes=tuple(payload.get("modes") or ("test", "live")),
        settlement_currencies=parse_currencies(payload.get("settlement_currencies")),
    )
    started = time.perf_counter()
    account = await sandbox.create_account(spec)
    return {
        "id": account.id,
        "keys": sandbox.registry.keys.names(account.id),
        "account": account.to_json(),
        "seconds": round(time.perf_counter() - started, 4),
    }


@control
async def list_keys(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    account = _account_param(request, payload)
    found = [k.to_json() for k in sandbox.registry.keys if account is None or k.account == account]
    return {"default_account": sandbox.registry.default_account, "data": found}


@control
async def create_key(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    api_key = sandbox.registry.key_from_spec(payload)
    sandbox.save_key(api_key)
    return api_key.to_json()


def _key(sandbox: Sandbox, payload: Json) -> keys.ApiKey:
    value = payload.get("key")
    api_key = sandbox.registry.keys.get(str(value)) if value else None
    if api_key is None:
        # Never echo the key itself back.
        raise errors.invalid_request("Unknown key", param="key", status=404)
    return api_key


@control
async def revoke_key(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    api_key = _key(sandbox, payload)
    api_key.revoked = bool(payload.get("revoked", True))
    sandbox.save_key(api_key)
    return api_key.to_json()


@control
async def set_permissions(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    api_key = _key(sandbox, payload)
    if api_key.kind != keys.RESTRICTED:
        raise errors.invalid_request("Only restricted keys have permissions", param="key")
    permissions = payload.get("permissions")
    if not isinstance(permissions, list):
        raise errors.invalid_request("permissions must be a list", param="permissions")
    api_key.permissions = keys.normalise_permissions(str(p) for p in permissions)
    sandbox.save_key(api_key)
    return api_key.to_json()


@control
async def get_faults(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return sandbox.faults.to_json()


def _only(payload: Json, allowed: set[str]) -> None:
    for name in payload:
        if name not in allowed:
            raise errors.unknown_parameter(name)


@control
async def set_faults(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    _only(payload, {"account", "latency", "error_rate", "drop_rate", "garbage_rate"})
    sandbox.faults.set(payload, _account_param(request, payload))
    return sandbox.faults.to_json()


@control
async def clear_faults(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    sandbox.faults.clear(_account_param(request, payload))
    return sandbox.faults.to_json()


def _rates_json(sandbox: Sandbox) -> Json:
    limiter = sandbox.limiter
    return {
        "global": limiter.default.to_json(),
        "accounts": {acct: r.to_json() for acct, r in limiter.overrides.items()},
    }


@control
async def get_rate_limits(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return _rates_json(sandbox)


@control
async def set_rate_limits(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    _only(payload, {"account", "live", "test", "endpoint"})
    sandbox.limiter.set_rates(payload, _account_param(request, payload))
    return _rates_json(sandbox)


@control
async def clear_rate_limits(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    account = _account_param(request, payload)
    if account is None:
        sandbox.limiter.overrides.clear()
        sandbox.limiter.set_rates(sandbox.initial_rates.to_json())
    else:
        sandbox.limiter.clear_override(account)
    return _rates_json(sandbox)


@control
async def open_dispute(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    charge = payload.get("charge")
    if not isinstance(charge, str):
        raise errors.missing_parameter("charge")
    amount = payload.get("amount")
    return sandbox.writer.open_dispute(
        charge,
        reason=str(payload.get("reason", "fraudulent")),
        amount=None if amount is None else int(amount),
        status=str(payload.get("status", "needs_response")),
    )


@control
async def close_dispute(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return sandbox.writer.close_dispute(request.match_info["id"], str(payload.get("outcome", "")))


@control
async def succeed_charge(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return sandbox.writer.succeed_charge(request.match_info["id"])


@control
async def pay_payout(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return sandbox.writer.pay_payout(request.match_info["id"])


@control
async def mistie_payout(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    difference = payload.get("difference")
    if not isinstance(difference, int) or isinstance(difference, bool):
        raise errors.invalid_request("difference must be an integer", param="difference")
    return sandbox.writer.mistie_payout(request.match_info["id"], difference)


@control
async def make_available(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return sandbox.writer.make_available(request.match_info["id"])


@control
async def get_stats(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    return sandbox.stats.to_json()


@control
async def reset_stats(request: web.Request, sandbox: Sandbox, payload: Json) -> Any:
    sandbox.stats.reset()
    return sandbox.stats.to_json()


def setup(app: web.Application) -> None:
    router = app.router
    router.add_get("/_sandbox/health", health)
    router.add_get("/_sandbox/accounts", list_accounts)
    router.add_post("/_sandbox/accounts", create_account)
    router.add_get("/_sandbox/keys", list_keys)
    router.add_post("/_sandbox/keys", create_key)
    router.add_post("/_sandbox/keys/revoke", revoke_key)
    router.add_post("/_sandbox/keys/permissions", set_permissions)
    router.add_get("/_sandbox/faults", get_faults)
    router.add_post("/_sandbox/faults", set_faults)
    router.add_delete("/_sandbox/faults", clear_faults)
    router.add_get("/_sandbox/rate_limits", get_rate_limits)
    router.add_post("/_sandbox/rate_limits", set_rate_limits)
    router.add_delete("/_sandbox/rate_limits", clear_rate_limits)
    router.add_post("/_sandbox/disputes", open_dispute)
    router.add_post("/_sandbox/disputes/{id}/close", close_dispute)
    router.add_post("/_sandbox/charges/{id}/succeed", succeed_charge)
    router.add_post("/_sandbox/payouts/{id}/pay", pay_payout)
    router.add_post("/_sandbox/payouts/{id}/mistie", mistie_payout)
    router.add_post("/_sandbox/balance_transactions/{id}/available", make_available)
    router.add_get("/_sandbox/stats", get_stats)
    router.add_post("/_sandbox/stats/reset", reset_stats)
