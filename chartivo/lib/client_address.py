"""The address a request came from, as every limit on log-in, sign-up and reset counts it.

Directly on the internet that is the connection's own address. Behind one proxy
(``CHARTIVO_BEHIND_PROXY``) every connection comes from the proxy, and the client is the
address the proxy itself added to ``X-Forwarded-For``: the right-most entry. Everything to
its left was sent by the client and may be anything, so it is never read — a visitor who
writes someone else's address there is still counted under their own.

IPv6 clients are counted per /64 network: one customer's line (or one rented server)
holds millions of addresses of the same /64, and a limit per single address would let it
step around every limit.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def client_address(request: HttpRequest) -> str:
    """The client's address (an IPv6 one as its /64 network), or ``unknown``."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidate = forwarded.rsplit(",", 1)[-1] if forwarded else ""
    else:
        candidate = request.META.get("REMOTE_ADDR", "")
    return _normalised(candidate)


def _normalised(text: str) -> str:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:4711"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:4711"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
