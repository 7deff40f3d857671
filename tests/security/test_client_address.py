"""The client's address as every limit counts it: the connection's own, or behind one proxy
the right-most ``X-Forwarded-For`` entry, with IPv6 clients as their /64 network."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from chartivo.lib.client_address import client_address


@pytest.mark.parametrize(
    ("remote", "forwarded", "behind_proxy", "expected"),
    [
        ("203.0.113.7", None, False, "203.0.113.7"),
        ("203.0.113.7", "192.0.2.1", False, "203.0.113.7"),  # nobody vouches for the header
        ("127.0.0.1", "203.0.113.7", True, "203.0.113.7"),
        ("127.0.0.1", "192.0.2.1, 10.0.0.3, 203.0.113.7", True, "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7:4711", True, "203.0.113.7"),
        ("127.0.0.1", "[2001:db8:1:2::9]:4711", True, "2001:db8:1:2::/64"),
        ("127.0.0.1", "2001:db8:1:2:ffff::1", True, "2001:db8:1:2::/64"),
        ("127.0.0.1", "::ffff:203.0.113.7", True, "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, not-an-address", True, "unknown"),
        ("127.0.0.1", None, True, "unknown"),  # behind the proxy, yet it added nothing
    ],
)
def test_the_address_counted(
    settings: Any, remote: str, forwarded: str | None, behind_proxy: bool, expected: str
) -> None:
    settings.BEHIND_PROXY = behind_proxy
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)
    assert client_address(request) == expected
