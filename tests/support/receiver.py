"""A real HTTP receiver for webhooks, on a free loopback port, in a thread of the test.

It keeps every request as it arrived (path, headers, body) and answers each with the
next status of its script (then 200). Given a signing secret, it checks each request's
``Chartivo-Signature`` itself, as the README tells a receiver to — recomputed here with
``hmac`` alone, not with Chartivo's code — so a test proves the documented scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    signature_valid: bool | None  # None: the receiver has no secret to check with

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def as_text(self) -> str:
        """What the request carried besides its address: headers and body, to search."""
        headers = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{headers}\n\n{self.body.decode(errors='replace')}"


def valid_signature(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The README's check: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = fields.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields.get("v1", ""))


class WebhookReceiver:
    def __init__(
        self,
        answers: list[int] | None = None,
        secret: str | None = None,
        path: str = "/hooks/chartivo",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.answers = list(answers or [])
        self.path = path
        self.secret = secret
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._scheme = "http"
        if tls is not None:  # https, with the certificate the context holds
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"{self._scheme}://{host!s}:{self.port}{self.path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers.items())
                with receiver._lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    valid = None
                    if receiver.secret is not None:
                        signature = headers.get("Chartivo-Signature", "")
                        valid = valid_signature(receiver.secret, body, signature)
                    receiver.received.append(Received(self.path, headers, body, status, valid))
                reply = b"this reply quotes the body it got: " + body  # never to be kept
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return _Handler

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bodies(self) -> Iterator[Any]:
        return (r.json for r in self.received)
