"""The app's own 404, 403 and 500 pages, in every mode.

Outside debug mode Django renders ``404.html``, ``403.html`` and ``500.html`` through the
handlers below. In debug mode (the demo) it shows its technical pages instead, which
name the app's URL patterns and settings to whoever opens a missing address; the
middleware answers those with the app's pages too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.utils.log import log_response
from django.views.debug import get_exception_reporter_class

PAGES = {
    404: (
        "Page not found",
        "There is nothing at this address: the chart may have been deleted, or the link "
        "is mistyped.",
    ),
    403: ("Not allowed", "You cannot open this page with your account."),
    500: (
        "Something went wrong",
        "Chartivo could not show this page. The error was recorded; try again in a moment.",
    ),
}


def error_page(request: HttpRequest, code: int, details: str = "") -> HttpResponse:
    title, text = PAGES[code]
    context = {"code": code, "title": title, "text": text, "details": details}
    body: str
    try:
        body = loader.render_to_string(f"{code}.html", context, request=request)
    except Exception:  # noqa: BLE001 -- a page that fails to render must not hide the error it reports
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"
    response = HttpResponse(body, status=code)
    response.app_page = True  # type: ignore[attr-defined]
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


class AppErrorPagesMiddleware:
    """In debug mode, the app's 404 and 500 pages instead of Django's technical ones. A
    500 page in debug mode still carries the (key-masked) traceback for the developer,
    folded away under the app's own page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or isinstance(exception, Http404 | PermissionDenied):
            return None
        reporter_class: Any = get_exception_reporter_class(request)
        reporter = reporter_class(request, type(exception), exception, exception.__traceback__)
        response = error_page(request, 500, details=reporter.get_traceback_text())
        log_response(
            "Internal Server Error: %s",
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code in (404, 500)
            and not getattr(response, "app_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return error_page(request, response.status_code)
        return response
