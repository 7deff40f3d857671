"""A real SMTP server for tests (aiosmtpd, on a free loopback port), and what it received.

    with SmtpServer() as mail:                # or the ``smtp_server`` fixture
        ... the app sends to mail.url ...     # smtp://user:password@127.0.0.1:PORT
        message = mail.wait_for(to="ada@example.com")
        message["Subject"], message.text, message.links()

The server checks the log-in the app sends (``user``/``password``) and keeps every message
it accepted, parsed (``email.message.EmailMessage``), with the envelope's sender and
recipients. ``use_in_django(settings)`` points this process's Django at it, as
``CHARTIVO_EMAIL_URL`` does for the processes a test starts (``environment()``).
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SENDER = "Chartivo <noreply@chartivo.test>"
logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's line per SMTP command
_LINK = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class Received:
    """One accepted message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    def __getitem__(self, header: str) -> Any:
        return self.message[header]

    @property
    def text(self) -> str:
        """The plain-text body (the whole body for a message of one part)."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no text/plain part"
        return str(part.get_content())

    @property
    def raw(self) -> str:
        """Everything that was sent: headers and every part, as transmitted."""
        return self.message.as_string()

    def links(self) -> list[str]:
        return _LINK.findall(self.text)


class _Inbox:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.arrived = threading.Condition()

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        recipients = [str(r) for r in envelope.rcpt_tos]
        with self.arrived:
            self.received.append(Received(str(envelope.mail_from), recipients, message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, *, user: str = "chartivo", password: str = "smtp-test-password") -> None:  # noqa: S107
        self.user, self.password = user, password
        self.port = _free_port()
        self._inbox = _Inbox()
        self.logins_refused = 0
        self._controller = Controller(
            self._inbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=False,  # loopback only; TLS is the client library's concern
        )

    @property
    def url(self) -> str:
        return f"smtp://{self.user}:{self.password}@127.0.0.1:{self.port}"

    def environment(self, sender: str = SENDER) -> dict[str, str]:
        """What a Chartivo process started by a test needs to send here."""
        return {"CHARTIVO_EMAIL_URL": self.url, "CHARTIVO_EMAIL_FROM": sender}

    def use_in_django(self, settings: Any, sender: str = SENDER) -> None:
        """Points this process's Django (pytest-django's ``settings``) at this server."""
        settings.EMAIL_ENABLED = True
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", self.port
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = self.user, self.password
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DEFAULT_FROM_EMAIL = settings.SERVER_EMAIL = sender

    # --- what was received ---------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        with self._inbox.arrived:
            return list(self._inbox.received)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.recipients)]

    def wait_for(self, *, to: str, count: int = 1, timeout: float = 30) -> Received:
        """The ``count``-th message to ``to``, once it has arrived (for mail sent by another
        process); fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._inbox.arrived:
            while len(found := self.to(to)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} of {count} messages to {to} arrived")
                self._inbox.arrived.wait(left)
        return found[count - 1]

    def clear(self) -> None:
        with self._inbox.arrived:
            self._inbox.received.clear()

    # --- life ----------------------------------------------------------------------------

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.user.encode(),
            self.password.encode(),
        ):
            return AuthResult(success=True)
        self.logins_refused += 1
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def deliver_queued_mail() -> None:
    """Runs the queued e-mail tasks in this process, as a worker would (database backend)."""
    from django.core.management import call_command

    call_command(
        "db_worker",
        queue_name="email",
        batch=True,
        no_startup_delay=True,
        interval=0,
        reload=False,
        verbosity=0,
    )
