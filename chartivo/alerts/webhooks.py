"""What a webhook receives for an alert, and the one HTTP request that sends it.

Two formats (``AlertRule.webhook_format``):

- ``slack``: Slack's incoming-webhook JSON (``text``, and ``blocks`` for clients that show
  them), which Slack, Mattermost, Rocket.Chat and Discord's ``/slack`` endpoint accept.
- ``signed``: Chartivo's own JSON, signed with the rule's secret in ``Chartivo-Signature``
  (``chartivo.alerts.signing``), for a program to read.

Bodies hold the rule's name and figures as words and numbers, times, and the e-mail's link
to the dashboard at the window (``email.dashboard_link``): no customer, no Stripe object
or its id, no e-mail address (one in a rule's name or summary is cut to its domain, as in
the e-mail), not the organisation's name (by default its first member's address).
The reply is never read beyond its status: its text may quote what was sent, and nothing
a receiver answers is shown or kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from chartivo.alerts.conditions import zone_of
from chartivo.alerts.email import dashboard_link, window_words, without_addresses
from chartivo.alerts.models import (
    FIRED,
    SIGNED,
    WINDOW_CHOICES,
    AlertDelivery,
    AlertEvent,
)
from chartivo.alerts.signing import SIGNATURE_HEADER, signature_header
from chartivo.charts.dashboard import HEADLINES

USER_AGENT = "Chartivo-Webhooks/1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Each of connect, write, read and pool: a receiver that hangs holds a worker slot for
# seconds, never minutes; a slow one is tried again later (``delivery.retry_delay``).
TIMEOUT = httpx.Timeout(10.0)
# The whole request: a receiver that drips its answer a byte at a time stays within each
# read's timeout, and would otherwise hold the slot until the job's own time runs out.
DEADLINE_SECONDS = 30.0
PRIVATE = "the address is on a private network"
_LABELS = {headline.key: headline.label for headline in HEADLINES}
_WINDOWS = dict(WINDOW_CHOICES)


@dataclass(frozen=True)
class Answer:
    """How a request went: ``status`` when the receiver answered; ``error`` in a few words
    ("HTTP 500", "timed out", an exception's class) when it was not accepted; ``final``
    when trying again cannot help (an address that is not http or https)."""

    status: int | None
    error: str = ""
    final: bool = False

    @property
    def accepted(self) -> bool:
        return not self.error


def metric_label(metric: str) -> str:
    return _LABELS.get(metric, metric.replace("_", " ").capitalize())


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_in_words(event: AlertEvent) -> str:
    """The window's length and its times in the rule's zone, as the e-mail writes them:
    "Last 24 hours, Sun 29 Nov 20:00 – Mon 30 Nov 2026 20:00 (Europe/Paris)"."""
    rule = event.rule
    zone = zone_of(rule)
    return f"{_WINDOWS.get(rule.window, rule.window)}, {window_words(event, zone)}"


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads <…> as links and mentions; a rule's name must stay plain text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(event: AlertEvent) -> dict[str, Any]:
    rule = event.rule
    fired = event.kind == FIRED
    mark = ":red_circle:" if fired else ":large_green_circle:"
    what = "fired" if fired else "recovered"
    name = _slack_escape(without_addresses(rule.name))
    figure = _slack_escape(
        f"{metric_label(rule.metric)}: {event.value} (expected {event.expected})"
    )
    window = _slack_escape(window_in_words(event))
    link = dashboard_link(event)
    text = f"{mark} Alert {what}: *{name}*\n{figure}\n{window}\n<{link}|Open the dashboard>"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{mark} *{name}* {what}"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_slack_escape(metric_label(rule.metric))}*"},
                    {"type": "mrkdwn", "text": _slack_escape(event.value)},
                    {"type": "mrkdwn", "text": "*Expected*"},
                    {"type": "mrkdwn", "text": _slack_escape(event.expected)},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": window}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the dashboard"},
                        "url": link,
                    }
                ],
            },
        ],
    }


def signed_body(event: AlertEvent, idempotency_id: str) -> dict[str, Any]:
    rule = event.rule
    return {
        "id": idempotency_id,
        "type": f"alert.{event.kind}",
        "created": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rule": {
            "name": without_addresses(rule.name),
            "metric": rule.metric,
            "metric_label": metric_label(rule.metric),
            "condition": rule.get_condition_display(),
            "window": _WINDOWS.get(rule.window, rule.window),
        },
        "value": event.value,
        "expected": event.expected,
        "summary": without_addresses(event.summary),
        "window": {
            "start": _iso(event.window_start),
            "end": _iso(event.window_end),
            "in_words": window_in_words(event),
        },
        "link": dashboard_link(event),
    }


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@sensitive_variables("secret")
def request_for(
    delivery: AlertDelivery, secret: str | None, now: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``delivery``'s request; ``secret`` signs a "signed" one."""
    event = delivery.event
    signed = event.rule.webhook_format == SIGNED
    body = encode(signed_body(event, delivery.idempotency_id) if signed else slack_body(event))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        IDEMPOTENCY_HEADER: delivery.idempotency_id,
    }
    if signed:
        if not secret:
            raise ValueError("a signed webhook needs its secret")
        timestamp = int(time.time()) if now is None else now
        headers[SIGNATURE_HEADER] = signature_header(secret, body, timestamp)
    return body, headers


def usable_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


async def _addresses_of(url: str) -> list[str]:
    """The addresses the host of ``url`` resolves to (itself when it is an address)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(parts.hostname or "", port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


def _at_address(url: str, address: str) -> tuple[str, str]:
    """``url`` aimed at ``address`` instead of its host, and the Host header it needs (the
    host as sent on the wire: a name in another script in its IDNA form).

    The request goes to the address that was checked: asking the resolver again when
    connecting would let a name that first answered a public address answer a private
    one the second time (DNS rebinding)."""
    parts = urlsplit(url)
    userinfo, at, _ = parts.netloc.rpartition("@")
    host = f"[{address}]" if ":" in address else address
    netloc = f"{userinfo}{at}{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), httpx.URL(url).netloc.decode("ascii")


async def _status_of(url: str, addresses: list[str], body: bytes, headers: dict[str, str]) -> int:
    """The status of one POST to the first of the checked ``addresses`` that accepts a
    connection (a name may give an IPv6 address its receiver does not listen on, or one
    that does not answer at all)."""
    given = httpx.URL(url)
    extensions = {"sni_hostname": given.raw_host.decode("ascii")} if given.scheme == "https" else {}
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        *others, last = addresses
        for address in others:
            with contextlib.suppress(httpx.ConnectError, httpx.ConnectTimeout):
                return await _one_post(client, url, address, body, headers, extensions)
        return await _one_post(client, url, last, body, headers, extensions)


async def _one_post(
    client: httpx.AsyncClient,
    url: str,
    address: str,
    body: bytes,
    headers: dict[str, str],
    extensions: dict[str, Any],
) -> int:
    pinned, host = _at_address(url, address)
    headers = {**headers, "Host": host}
    async with client.stream(
        "POST", pinned, content=body, headers=headers, extensions=extensions
    ) as reply:
        return reply.status_code  # the body is never read


async def _post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    addresses = await _addresses_of(url)
    if not addresses:
        return Answer(None, "the name has no address")
    private = any(not ipaddress.ip_address(a).is_global for a in addresses)
    if private and not settings.WEBHOOKS_TO_PRIVATE_ADDRESSES:
        return Answer(None, PRIVATE, final=True)
    status = await _status_of(url, addresses, body, headers)
    if 200 <= status < 300:
        return Answer(status)
    if 300 <= status < 400:
        return Answer(status, f"HTTP {status} (redirects are not followed)")
    return Answer(status, f"HTTP {status}")


def post(
    url: str, body: bytes, headers: dict[str, str], *, deadline: float = DEADLINE_SECONDS
) -> Answer:
    """POSTs ``body`` to ``url`` once, name lookup included, within ``deadline`` seconds in
    all. Redirects are not followed (the address a user gave is the only one a body goes
    to), nor is an address on a private network unless the operator allows it
    (``WEBHOOKS_TO_PRIVATE_ADDRESSES``); any 2xx is accepted. What goes wrong is named by
    its kind only: an exception's text can hold the address, whose path is a Slack
    webhook's secret. Called by the worker, outside any event loop."""
    if not usable_address(url):
        return Answer(None, "not an http or https address", final=True)
    try:
        return asyncio.run(asyncio.wait_for(_post(url, body, headers), deadline))
    except (TimeoutError, httpx.TimeoutException):
        return Answer(None, "timed out")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, ValueError) as error:
        # The name does not resolve (yet), the receiver refused, the address is unusable.
        return Answer(None, type(error).__name__)
