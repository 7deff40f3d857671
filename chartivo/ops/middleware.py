"""Lets the health and readiness probes through Django's host check.

A load balancer or orchestrator probes each instance at its own address (``Host:
10.0.3.7:8000``), which is not one of the site's host names, so Django would answer 400
and log an error for every probe. The probes reveal nothing and build no links, so for
them alone the Host header is taken as it comes. Everything else about them (method,
CSRF, security headers) stays as for any other URL.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PROBE_PATHS = frozenset({"/healthz", "/readyz"})


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS:
            host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
            request.get_host = lambda: host  # type: ignore[method-assign]
        return self.get_response(request)
