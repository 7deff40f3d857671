"""Stripe's error responses: status codes, bodies and the messages Stripe words them with."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
PUBLISHABLE_KEY_MESSAGE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)
LIVE_RATE_LIMIT_MESSAGE = (
    "Request rate limit exceeded. You can learn more about rate limits here "
    "https://stripe.com/docs/rate-limits."
)
TEST_RATE_LIMIT_MESSAGE = (
    "Testmode request rate limit exceeded, the rate limits in testmode are lower than "
    "livemode. You can learn more about rate limits here https://stripe.com/docs/rate-limits."
)
API_ERROR_MESSAGE = "An unknown error occurred"


class StripeError(Exception):
    """Raised anywhere in a request to answer with a Stripe error body."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(body.get("error", {}).get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def body(
    type_: str,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Stripe leaves out `code`, `param` and `doc_url` when they do not apply (no nulls)."""
    error: dict[str, Any] = {"message": message, "type": type_, **extra}
    if code is not None:
        error["code"] = code
        error["doc_url"] = DOCS + code.replace("_", "-")
    if param is not None:
        error["param"] = param
    return {"error": dict(sorted(error.items()))}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeError:
    return StripeError(status, body("invalid_request_error", message, code=code, param=param))


def unknown_parameter(name: str) -> StripeError:
    return invalid_request(
        f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
    )


def missing_parameter(name: str) -> StripeError:
    return invalid_request(f"Missing required param: {name}.", param=name, code="parameter_missing")


def invalid_integer(name: str, value: str) -> StripeError:
    return invalid_request(f"Invalid integer: {value}", param=name)


def no_such(object_name: str, object_id: str, param: str) -> StripeError:
    return invalid_request(
        f"No such {object_name}: '{object_id}'",
        param=param,
        code="resource_missing",
        status=404,
    )


def unrecognized_url(method: str, path: str) -> StripeError:
    return invalid_request(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or "
        "we can help at https://support.stripe.com/.",
        status=404,
    )


def invalid_key(masked: str) -> StripeError:
    return StripeError(401, body("invalid_request_error", f"Invalid API Key provided: {masked}"))


def no_key() -> StripeError:
    return StripeError(401, body("invalid_request_error", NO_KEY_MESSAGE))


def publishable_key() -> StripeError:
    return StripeError(401, body("invalid_request_error", PUBLISHABLE_KEY_MESSAGE))


def permission_denied(masked: str, account: str, permission: str) -> StripeError:
    return StripeError(
        403,
        body(
            "invalid_request_error",
            f"The provided key '{masked}' does not have the required permissions for this "
            f"endpoint on account '{account}'. Having the '{permission}' permission would "
            "allow this request to continue.",
        ),
    )


def rate_limited(livemode: bool, reason: str) -> StripeError:
    # Stripe names the limiter in Stripe-Rate-Limited-Reason and sends no Retry-After.
    message = LIVE_RATE_LIMIT_MESSAGE if livemode else TEST_RATE_LIMIT_MESSAGE
    return StripeError(
        429,
        body("invalid_request_error", message, code="rate_limit"),
        {"Stripe-Rate-Limited-Reason": reason},
    )


def api_error() -> StripeError:
    return StripeError(500, body("api_error", API_ERROR_MESSAGE))


def card_declined(charge_id: str, code: str, decline_code: str | None, message: str) -> StripeError:
    extra: dict[str, Any] = {"charge": charge_id}
    if decline_code is not None:
        extra["decline_code"] = decline_code
    return StripeError(402, body("card_error", message, code=code, **extra))


def permission_denied_account(masked: str, account: str) -> StripeError:
    """A ``Stripe-Account`` header naming an account the key cannot act for."""
    return StripeError(
        403,
        body(
            "invalid_request_error",
            f"The provided key '{masked}' does not have access to account '{account}' (or "
            "that account does not exist). Application access may have been revoked.",
            code="account_invalid",
        ),
    )
