"""Middleware of the web process: probes through the host check; private responses.

A load balancer or orchestrator probes each instance at its own address (``Host:
10.0.3.7:8000``), which is not one of the site's host names, so Django would answer 400
and log an error for every probe. The probes reveal nothing and build no links, so for
them alone the Host header is taken as it comes. Everything else about them (method,
CSRF, security headers) stays as for any other URL.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

PROBE_PATHS = frozenset({"/healthz", "/readyz"})


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS:
            host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
            request.get_host = lambda: host  # type: ignore[method-assign]
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Nothing personal is kept by a browser's or a proxy's cache: every response to a
    logged-in visitor, and every response that sets a cookie, says ``no-store``.

    In one place, so that pages, ``data.json``, ``export.csv`` and whatever is added later
    are covered without each view remembering to. It sits outside the session middleware,
    so it sees the cookies that one sets and the user the request loaded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.cookies or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
