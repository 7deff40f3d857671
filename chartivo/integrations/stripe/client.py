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

import ssl
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

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limited", "unavailable")


REJECTED = (
    "Stripe rejected this key. Paste it again, or create a new restricted key in the Stripe "
    "Dashboard (Developers → API keys → Create restricted key)."
)
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
    if isinstance(exc, stripe.APIConnectionError):
        return StripeCallError(
            "unavailable",
            "Chartivo could not reach Stripe. It will try again by itself.",
            status=status,
        )
    if status is not None and status >= 500:
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


class _PooledHTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx client with a pool as large as the requests Chartivo keeps in flight.

    httpx keeps only 20 idle connections by default; at 100 requests/s and 300 ms each
    about 30 are in flight, and the rest would reconnect on every request.
    """

    def __init__(self, *, timeout: float, max_connections: int) -> None:
        super().__init__(timeout=timeout)
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=stripe.ca_bundle_path)
        self._client_async = httpx.AsyncClient(
            verify=verify,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )


@dataclass(frozen=True)
class Page:
    data: list[dict[str, Any]]
    has_more: bool


class StripeSession:
    """Async, read-only access to one Stripe account for the length of one job.

    The decrypted key lives only inside the SDK client held here, and only until
    ``aclose()``; use it as ``async with StripeSession.for_connection(c) as session``.
    """

    # Everything below this frame (the SDK's own) holds the key under other names.
    @sensitive_variables()
    def __init__(self, secret: str, *, max_connections: int = 64) -> None:
        self._http = _PooledHTTPXClient(
            timeout=settings.STRIPE_TIMEOUT_SECONDS, max_connections=max_connections
        )
        self._client = stripe.StripeClient(
            secret,
            base_addresses={"api": settings.STRIPE_API_BASE},
            stripe_version=API_VERSION,
            http_client=self._http,
            # The SDK retries connection errors and 5xx with its own backoff; 429s it does
            # not retry, and Chartivo answers those itself (sync/walker.py).
            max_network_retries=2,
        )

    @classmethod
    def for_connection(cls, connection: StripeConnection, **kwargs: Any) -> StripeSession:
        return cls(open_key(connection), **kwargs)

    async def __aenter__(self) -> StripeSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]
        del self._client

    async def list(
        self, path: str, params: dict[str, Any], *, dashboard_row: str = "this resource"
    ) -> Page:
        try:
            response = await self._client.raw_request_async("get", path, **params)
        except stripe.StripeError as exc:
            raise explain(exc, dashboard_row=dashboard_row) from None
        body = response.data
        return Page(data=body.get("data", []), has_more=bool(body.get("has_more")))


@sensitive_variables()
def open_key(connection: StripeConnection) -> str:
    return settings.CHARTIVO_KEYRING.open(connection.sealed_key, context=connection.seal_context)


@sensitive_variables()
def seal_key(secret: str, *, owner_id: int) -> str:
    return settings.CHARTIVO_KEYRING.seal(secret, context=seal_context(owner_id))
