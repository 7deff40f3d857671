"""The one connection a webhook's request makes: to the address that was checked (the
receiver still sees the host it was given, and over https the certificate is checked
against that name), and never longer than the whole request's deadline, even from a
receiver that answers a byte at a time."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chartivo.alerts.webhooks import PRIVATE, _at_address, _status_of, post
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
        port = receiver.port
    assert received.headers["Host"] == f"localhost:{port}"
    assert received.body == BODY
    settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = False
    assert post(by_name, BODY, HEADERS).error == PRIVATE


def test_of_several_checked_addresses_the_first_that_listens_gets_the_request() -> None:
    with WebhookReceiver() as receiver:
        port = receiver.port
        url = f"http://receiver.example:{port}/hooks/chartivo"
        # The receiver listens on IPv4 only: the IPv6 address refuses (or is unreachable).
        status = asyncio.run(_status_of(url, ["::1", "127.0.0.1"], BODY, HEADERS))
        (received,) = receiver.received
    assert status == 200
    assert received.headers["Host"] == f"receiver.example:{port}"


def test_a_name_in_another_script_is_sent_as_its_idna_form() -> None:
    pinned, host = _at_address("https://user:pw@bücher.example:8443/hooks?x=1", "2001:db8::7")
    assert (pinned, host) == (
        "https://user:pw@[2001:db8::7]:8443/hooks?x=1",
        "xn--bcher-kva.example:8443",
    )


@contextmanager
def _dripping_receiver(every: float) -> Iterator[str]:
    """A receiver that reads the request and answers 200, one byte per ``every`` seconds:
    each byte comes well within a read's timeout, the whole answer does not."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(60)  # a request that never comes fails the test instead of hanging it
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


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for the DNS name ``name``, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize(("served_as", "accepted"), [("localhost", True), ("other.example", False)])
def test_over_https_the_certificate_is_checked_against_the_name_given(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served_as: str, accepted: bool
) -> None:
    settings.WEBHOOKS_TO_PRIVATE_ADDRESSES = True
    cert_file, key_file = _certificate(tmp_path, served_as)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # trusted, as a public CA would be
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    with WebhookReceiver(answers=[204], tls=tls) as receiver:
        answer = post(f"https://localhost:{receiver.port}/hooks", BODY, HEADERS)
    assert answer.accepted is accepted, answer
    assert answer.status == (204 if accepted else None)
