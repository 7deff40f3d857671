"""Who an API request acts for: a personal access token in ``Authorization: Bearer``.

The token is looked up at every request together with its membership, so a revoked
token, or one whose member was removed (which deletes the membership and its tokens),
is refused at the very next request; the role is read each time too, so a token reads
what its member may read now. Nothing of a session is read or written: a browser's
cookies give the API nothing, and the API sets none.

A token in the address is refused outright (and never looked up): addresses end up in
logs, proxies and histories.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from chartivo.accounts.throttle import Limit, Refused, take
from chartivo.api.errors import TOKEN_IN_ADDRESS, UNKNOWN_TOKEN, ApiError
from chartivo.api.models import ApiToken
from chartivo.api.tokens import TOKEN_PREFIX, find_token, mark_used
from chartivo.orgs.access import acting_as

# Names a program might put a token under in the address.
_ADDRESS_NAMES = frozenset({"token", "access_token", "api_key", "apikey", "key", "bearer"})


def _token_in_address(request: HttpRequest) -> bool:
    return any(
        name.lower() in _ADDRESS_NAMES or TOKEN_PREFIX in value
        for name, values in request.GET.lists()
        for value in values
    )


class BearerToken(HttpBearer):
    """The API's only way in. ninja's own ``HttpBearer`` logs a malformed header, token
    and all, in debug mode: this one reads the header itself and logs nothing."""

    # Error reports list every frame's variables: the token's are hidden in them (and the
    # report is masked as a whole besides: chartivo.lib.redaction).
    @sensitive_variables("secret", "scheme")
    def __call__(self, request: HttpRequest) -> Any:
        if _token_in_address(request):
            raise ApiError(400, "token_in_address", TOKEN_IN_ADDRESS)
        scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None  # answered 401, with how to send a token
        return self.authenticate(request, secret.strip())

    @sensitive_variables("token")
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = find_token(token)
        if found is None:
            raise ApiError(401, "invalid_token", UNKNOWN_TOKEN)
        membership = found.membership
        # The views read the organisation and role as a page does, from the membership.
        request.user = membership.user
        acting_as(request, membership)
        mark_used(found)
        return found


def api_limit() -> Limit:
    return Limit("api-token", settings.API_REQUESTS_PER_MINUTE, 60)


class PerTokenLimit(BaseThrottle):
    """``CHARTIVO_API_REQUESTS_PER_MINUTE`` per token, counted in the database like the
    log-in limits (``chartivo.accounts.throttle``), so every web process shares one count.
    ninja answers a refusal with 429 and ``Retry-After`` (the seconds until the window ends)."""

    def __init__(self) -> None:
        # ninja asks ``wait`` right after ``allow_request``, on the same thread; one
        # instance serves every thread of the process.
        self._refused = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return True
        limit = api_limit()
        taken = take((limit, limit.key(str(token.pk))))
        if isinstance(taken, Refused):
            self._refused.retry_after = taken.retry_after
            return False
        return True

    def wait(self) -> float | None:
        return float(getattr(self._refused, "retry_after", 60))
