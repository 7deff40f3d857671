"""The one place Chartivo talks to Stripe, and the only module that opens a stored key.

Every call goes through the official SDK (``stripe.StripeClient``) with the API base from
``CHARTIVO_STRIPE_API_BASE``. Chartivo only ever reads: ``StripeSession`` exposes GETs and
nothing else. Lists are fetched with ``raw_request_async`` so a page stays the plain dict
Stripe sent: building SDK objects for 100 charges a page costs more CPU than everything
else the sync does together, and the aggregation only reads a few fields.

Errors become ``StripeCallError``, whose text is written for the user and never holds a
key (the SDK's own messages carry a partly masked one).
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx
import stripe
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from chartivo.integrations.stripe.models import seal_context
from chartivo.lib.redaction import mask_stripe_keys

if TYPE_CHECKING:
    from chartivo.integrations.stripe.models import StripeConnection

# The API version whose object shapes Chartivo reads (the sandbox speaks it too).
API_VERSION = "2023-08-16"

ErrorKind = Literal["rejected", "forbidden", "rate_limited", "unavailable", "invalid"]


_ACCOUNT_IN_REFUSAL = re.compile(r"on account '(acct_[A-Za-z0-9]{1,60})'")


class StripeCallError(Exception):
    """A failed Stripe call, explained. ``str()`` is safe to show and to log."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after


REJECTED = (
    "Stripe rejected this key. Paste it again, or create a new restricted key in the Stripe "
    "Dashboard (Developers → API keys → Create restricted key)."
)
NOT_ANSWERING = "Stripe did not answer in time. Chartivo will try again by itself."
GARBLED = "Stripe sent an answer Chartivo could not read. Chartivo will try again by itself."
REVOKED = (
    "Stripe no longer accepts the saved key (it may have been deleted or rolled). Create a "
    "new restricted key in the Stripe Dashboard and save it here."
)


def needs_read(dashboard_row: str) -> str:
    return f"needs Read on {dashboard_row}"


def explain(exc: stripe.StripeError, *, dashboard_row: str = "this resource") -> StripeCallError:
    """Turns an SDK error into words a user can act on (and a kind the sync can act on)."""
    status = exc.http_status
    if isinstance(exc, stripe.AuthenticationError):
        return StripeCallError("rejected", REJECTED, status=status)
    if isinstance(exc, stripe.PermissionError):
        return StripeCallError(
            "forbidden",
            f"The key cannot read {dashboard_row}: in the Stripe Dashboard, edit the key and "
            f"set {dashboard_row} to Read.",
            status=status,
        )
    if isinstance(exc, stripe.RateLimitError):
        return StripeCallError(
            "rate_limited",
            "Stripe asked Chartivo to slow down; the sync continues more slowly.",
            status=status,
            retry_after=_retry_after(exc),
        )
    if isinstance(exc, TimedOutError):
        return StripeCallError("unavailable", NOT_ANSWERING, status=status)
    if isinstance(exc, stripe.APIConnectionError):  # refused or dropped
        return StripeCallError(
            "unavailable",
            "Chartivo could not reach Stripe. It will try again by itself.",
            status=status,
        )
    if status is None or status < 400:  # a body that is not Stripe's JSON
        return StripeCallError("unavailable", GARBLED, status=status)
    if status >= 500:
        return StripeCallError(
            "unavailable",
            f"Stripe answered with an error ({status}). Chartivo will try again by itself.",
            status=status,
        )
    # A 400/404 means Chartivo asked something wrong: our bug, not the user's.
    detail = mask_stripe_keys(getattr(exc, "user_message", None) or "request not understood")
    return StripeCallError("invalid", f"Stripe could not answer a request: {detail}", status=status)


def _retry_after(exc: stripe.StripeError) -> float | None:
    headers = exc.headers or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


class TimedOutError(stripe.APIConnectionError):
    """A request Stripe did not answer within ``CHARTIVO_STRIPE_TIMEOUT_SECONDS``."""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for the process, with the SDK's CA bundle. Loading the bundle costs
    more CPU than the two requests of a quiet refresh; a context is safe to share between
    clients and threads once made, so every session reuses this one."""
    return ssl.create_default_context(cafile=stripe.ca_bundle_path)


class _PooledHTTPClient(stripe.HTTPClient):
    """An HTTP client for the SDK (its documented ``http_client=`` hook) with a pool as large
    as the requests Chartivo keeps in flight.

    ``stripe.HTTPXClient`` keeps httpx's default of 20 idle connections; at 100 requests/s
    and 300 ms each about 30 are in flight, and the rest would reconnect (a TLS handshake)
    on every request. Only the asynchronous calls Chartivo makes are implemented.
    """

    name = "chartivo-httpx"

    def __init__(self, *, timeout: float, max_connections: int) -> None:
        super().__init__()
        self._pool = httpx.AsyncClient(
            verify=_tls_context(),
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            response = await self._pool.request(method, url, headers=headers, data=post_data)
        except httpx.TimeoutException:
            raise TimedOutError(  # type: ignore[no-untyped-call]
                "Stripe did not answer in time", should_retry=True
            ) from None
        except httpx.HTTPError as exc:
            # Never the request or its headers: they hold the key.
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                f"Network error: {type(exc).__name__}", should_retry=True
            ) from None
        return response.content, response.status_code, response.headers

    async def close_async(self) -> None:
        await self._pool.aclose()


@dataclass(frozen=True)
class RetryPolicy:
    """The one rule for trying a Stripe call again, used by every call Chartivo makes.

    Retried: a connection error or timeout, a 5xx, and a 409 (Stripe's lock contention),
    up to ``retries`` more times, waiting 0.5 s, 1 s, 2 s, … (at most 8 s); a 429 only when
    ``rate_limited`` is set (the key check; the sync answers 429s through its budget,
    ``sync/budget.py``). No try starts, and none runs on, past ``deadline`` seconds from
    the first. Written here rather than with the SDK's ``max_network_retries`` (off) so that
    one overall deadline bounds the call whatever the per-request timeout, and so that
    the SDK's retries do not multiply with Chartivo's.
    """

    retries: int
    deadline: float
    rate_limited: bool = False

    def should_retry(self, error: StripeCallError, attempt: int) -> bool:
        if attempt > self.retries:
            return False
        if error.kind == "rate_limited":
            return self.rate_limited
        return error.kind == "unavailable" or error.status == 409

    @staticmethod
    def pause(error: StripeCallError, attempt: int) -> float:
        return error.retry_after or min(0.5 * 2 ** (attempt - 1), 8.0)


def sync_policy() -> RetryPolicy:
    retries = settings.STRIPE_RETRIES
    return RetryPolicy(retries=retries, deadline=float(settings.SYNC_SLICE_SECONDS))


@dataclass(frozen=True)
class Page:
    data: list[dict[str, Any]]
    has_more: bool


Codes = list[str]  # lower-case currency codes (``list`` is a method's name below)


class StripeSession:
    """Async, read-only access to one Stripe account for the length of one job.

    The decrypted key lives only inside the SDK client held here, and only until
    ``aclose()``; use it as ``async with StripeSession.for_connection(c) as session``.
    """

    # Everything below this frame (the SDK's own) holds the key under other names.
    @sensitive_variables()
    def __init__(
        self,
        secret: str,
        *,
        max_connections: int = 64,
        policy: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> None:
        self.policy = policy or sync_policy()
        self._http = _PooledHTTPClient(
            timeout=timeout or settings.STRIPE_TIMEOUT_SECONDS, max_connections=max_connections
        )
        self._client = stripe.StripeClient(
            secret,
            base_addresses={"api": settings.STRIPE_API_BASE},
            stripe_version=API_VERSION,
            http_client=self._http,
            max_network_retries=0,  # RetryPolicy decides
        )

    @classmethod
    def for_connection(cls, connection: StripeConnection, **kwargs: Any) -> StripeSession:
        return cls(open_key(connection), **kwargs)

    async def __aenter__(self) -> StripeSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.close_async()
        del self._client

    async def list(
        self, path: str, params: dict[str, Any], *, dashboard_row: str = "this resource"
    ) -> Page:
        """One list page, tried again as ``self.policy`` says; raises ``StripeCallError``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.deadline
        attempt = 0
        while True:
            attempt += 1
            try:
                async with asyncio.timeout_at(deadline):
                    return await self._list_once(path, params, dashboard_row)
            except TimeoutError:
                raise StripeCallError("unavailable", NOT_ANSWERING) from None
            except StripeCallError as error:
                wait = self.policy.pause(error, attempt)
                if not self.policy.should_retry(error, attempt) or loop.time() + wait > deadline:
                    raise
            await asyncio.sleep(wait)

    async def account(self) -> tuple[str, str, Codes]:
        """The key's own Stripe account: its id, its name in the Stripe Dashboard and the
        currencies it settles in (its default currency and those of the bank accounts it
        is paid out to), as far as Stripe tells ("" and [] where it does not). Stripe
        refuses the account to restricted keys, but its refusal names the account, which
        is all the id that is needed."""
        try:
            response = await self._client.raw_request_async("get", "/v1/account")
        except stripe.PermissionError as exc:
            found = _ACCOUNT_IN_REFUSAL.search(str(exc.user_message or ""))
            return (found.group(1) if found else "", "", [])
        except stripe.StripeError:
            return ("", "", [])
        body = response.data if isinstance(response.data, dict) else {}
        dashboard = (body.get("settings") or {}).get("dashboard") or {}
        name = dashboard.get("display_name") or (body.get("business_profile") or {}).get("name")
        account_id = body.get("id")
        banks = (body.get("external_accounts") or {}).get("data") or []
        currencies = [body.get("default_currency")] + [b.get("currency") for b in banks]
        return (
            account_id if isinstance(account_id, str) else "",
            name[:200] if isinstance(name, str) else "",
            _currencies(currencies),
        )

    async def balance_currencies(self) -> Codes:
        """The currencies the account's balance is held in (``GET /v1/balance``, available
        and pending), which are the currencies it settles in; [] where the key may not
        read the balance."""
        try:
            response = await self._client.raw_request_async("get", "/v1/balance")
        except stripe.StripeError:
            return []
        body = response.data if isinstance(response.data, dict) else {}
        parts = [*(body.get("available") or []), *(body.get("pending") or [])]
        return _currencies([p.get("currency") for p in parts if isinstance(p, dict)])

    async def _list_once(self, path: str, params: dict[str, Any], dashboard_row: str) -> Page:
        try:
            response = await self._client.raw_request_async("get", path, **params)
        except stripe.StripeError as exc:
            raise explain(exc, dashboard_row=dashboard_row) from None
        body = response.data
        if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
            raise StripeCallError("unavailable", GARBLED, status=response.code)
        return Page(data=body.get("data", []), has_more=bool(body.get("has_more")))


def _currencies(codes: list[Any]) -> list[str]:
    """Sorted lower-case ISO codes, whatever else a body held."""
    return sorted({c.lower() for c in codes if isinstance(c, str) and len(c) == 3 and c.isalpha()})


@sensitive_variables()
def open_key(connection: StripeConnection) -> str:
    return settings.CHARTIVO_KEYRING.open(connection.sealed_key, context=connection.seal_context)


@sensitive_variables()
def seal_key(secret: str, *, owner_id: int) -> str:
    return settings.CHARTIVO_KEYRING.seal(secret, context=seal_context(owner_id))
