"""The one connection a webhook's request makes: to the address that was checked (the
receiver still sees the host it was given), and never longer than the whole request's
deadline, even from a receiver that answers a byte at a time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chartivo.alerts.webhooks import PRIVATE, post
from tests.support.receiver import WebhookReceiver

BODY, HEADERS = b'{"text":"hello"}', {"Content-Type": "application/json"}
REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: " + b"." * 30 + b"\r\n\r\n"


def test_the_request_goes_to_the_checked_address_with_the_host_it_was_given(
    settings: Any,
) -> None:
    settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = True
    with WebhookReceiver() as receiver:
        by_name = receiver.url.replace("127.0.0.1", "localhost")
        assert post(by_name, BODY, HEADERS).accepted
        (received,) = receiver.received
    port = by_name.split(":")[2].split("/")[0]
    assert received.headers["Host"] == f"localhost:{port}"
    assert received.body == BODY
    settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = False
    assert post(by_name, BODY, HEADERS).error == PRIVATE


@contextmanager
def _dripping_receiver(every: float) -> Iterator[str]:
    """A receiver that reads the request and answers 200, one byte per ``every`` seconds:
    each byte comes well within a read's timeout, the whole answer does not."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in REPLY:
                if stop.wait(every):
                    return
                connection.sendall(bytes([byte]))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hooks"
    finally:
        stop.set()
        thread.join()
        server.close()


def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_deadline(settings: Any) -> None:
    settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = True
    every, deadline = 0.5, 2.0
    assert len(REPLY) * every > 5 * deadline  # the whole answer would take far longer
    started = time.monotonic()
    with _dripping_receiver(every) as url:
        answer = post(url, BODY, HEADERS, deadline=deadline)
    assert (answer.status, answer.error) == (None, "timed out")
    assert time.monotonic() - started >= deadline  # it was the whole-request deadline
