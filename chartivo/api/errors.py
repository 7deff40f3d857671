"""The read API's one error shape, ``{"error": {"code": …, "message": …}}``, for every
refusal: a bad parameter, a missing or revoked token, the rate limit, a missing address,
a method the API does not serve, and a server error.

Refusals the views make raise ``ApiError``. Django answers some requests before any view
of the API runs (an address that matches nothing, a method an endpoint does not serve, a
server error): ``ApiErrorsMiddleware`` rewrites those answers under ``/api/`` into the
same shape, keeping their status and headers (``Allow``), so a program reads every error
the same way and a person reads what to do next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

API_PREFIX = "/api/"
TOKENS_PAGE = "/account/api/"

MISSING_TOKEN = (
    "Send a personal access token in the Authorization header: "
    f"'Authorization: Bearer chv_…'. Make one on {TOKENS_PAGE}."
)
UNKNOWN_TOKEN = (
    "This token is not valid: it was revoked, its member left the organisation, or it was "
    f"mistyped. Make a new one on {TOKENS_PAGE}."
)
TOKEN_IN_ADDRESS = (
    "Tokens are never accepted in the address, where logs and browser histories keep "
    "them: send it in the Authorization header ('Authorization: Bearer chv_…') and revoke "
    f"this one on {TOKENS_PAGE}, since it was exposed."
)
_GENERIC = {
    400: ("bad_request", "The request could not be read: check its parameters."),
    401: ("unauthorized", MISSING_TOKEN),
    403: ("forbidden", "Not allowed: the API reads, with a token in the Authorization header."),
    404: (
        "not_found",
        "There is nothing at this address: the endpoints are listed at /api/v1/openapi.json.",
    ),
    405: ("method_not_allowed", "The API only reads: use GET."),
    429: ("rate_limited", "Too many requests with this token: wait as Retry-After says."),
    500: (
        "server_error",
        "Chartivo could not answer: the error was recorded; try again in a moment.",
    ),
}


class ApiError(Exception):
    """A refusal with its status, a code a program can test and a message a person acts on."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        where = [str(p) for p in error.get("loc", ()) if p not in ("query", "filters")]
        name = ".".join(where) or "request"
        parts.append(f"{name}: {error.get('msg', 'not valid')}")
    return "; ".join(parts) + ". See /api/v1/openapi.json for each parameter's values."


def install_handlers(api: NinjaAPI) -> None:
    """The API's exceptions as the one error shape (ninja's own are ``{"detail": …}``)."""

    def api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message)

    def validation(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return error_response(400, "invalid_parameter", _validation_message(exc.errors))

    def unauthorized(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(401, "unauthorized", MISSING_TOKEN)

    def throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(429, *_GENERIC[429])

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        code, message = _GENERIC.get(exc.status_code, ("error", str(exc)))
        return error_response(exc.status_code, code, message)

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(AuthenticationError, unauthorized)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)


class ApiErrorsMiddleware:
    """Under ``/api/``, an error Django answered (HTML or empty) becomes the API's JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message = _GENERIC.get(
            response.status_code, ("error", "The request could not be answered.")
        )
        replaced = error_response(response.status_code, code, message)
        for header in ("Allow", "Retry-After"):
            if header in response:
                replaced[header] = response[header]
        # Django logs (and mails) an error answer once: the replacement is the same answer.
        if getattr(response, "_has_been_logged", False):
            replaced._has_been_logged = True  # type: ignore[attr-defined]
        return replaced


def is_error_body(text: bytes) -> bool:
    """Whether ``text`` is the API's error shape (for tests and the fuzz run)."""
    try:
        body = json.loads(text)
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and set(error) == {"code", "message"}
