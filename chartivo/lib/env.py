"""Tiny strict readers for settings that come from the environment.

Each one fails loudly on a value it cannot read, so that a typo in a deployment is an
error at start-up rather than a default silently taking its place. Secrets may also be
given as a file (``NAME_FILE``), the way container secret stores hand them over.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no; got {raw!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``; never a default."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE names a file that cannot be read: {exc.strerror}"
            ) from None
    return os.environ.get(name, "").strip()


def env_choice(name: str, default: str, choices: Sequence[str]) -> str:
    """One of ``choices``, compared without regard to case and surrounding spaces."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    for choice in choices:
        if value == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")


def env_url(name: str, default: str, *, schemes: Sequence[str]) -> str:
    """A URL with one of ``schemes`` and a host (or an empty value, when that is the default)."""
    raw = os.environ.get(name)
    value = default if raw is None else raw.strip()
    if value == "" and default == "":
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not (parts.hostname or parts.path):
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}; "
            f"got {_shown(value)}"
        )
    return value


_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


def parse_share(raw: str) -> tuple[float, bool]:
    """A rate as (value, is a percentage): ``20`` is (20.0, False), ``50%`` is (50.0, True)."""
    match = _SHARE.match(raw)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"must be a number above zero, or a percentage such as 50%; got {raw!r}")
    return float(match.group(1)), match.group(2) == "%"


def env_share(name: str, default: str) -> str:
    """A rate: a number, or a percentage of a limit (checked here, applied where it is used)."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    try:
        parse_share(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} {error}") from None
    return value


def env_address(name: str, default: str) -> str:
    """``host:port`` to listen on (``[::1]:8000`` for IPv6)."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"{name} must look like 0.0.0.0:8000; got {_shown(value)}")
    return value


@dataclass(frozen=True)
class EmailServer:
    """Where mail is handed over: an SMTP server, and how to talk to it."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    starttls: bool
    implicit_tls: bool


# scheme: (default port, STARTTLS, implicit TLS)
_EMAIL_SCHEMES = {
    "smtp": (25, False, False),
    "smtp+tls": (587, True, False),
    "smtps": (465, False, True),
}


def env_smtp(name: str) -> EmailServer | None:
    """``smtp://user:password@host:port``, ``smtp+tls://…`` (STARTTLS) or ``smtps://…``
    (implicit TLS); None when empty. Like every secret, it may come from ``NAME_FILE``."""
    value = env_secret(name)
    if not value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        parts, port = None, None
    scheme = parts.scheme.lower() if parts else ""
    if (
        parts is None
        or scheme not in _EMAIL_SCHEMES
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or (parts.username is None) != (parts.password is None)
    ):
        raise ImproperlyConfigured(
            f"{name} must look like smtp://user:password@host:port (smtp+tls:// for "
            f"STARTTLS, smtps:// for implicit TLS); got {_shown(value)}"
        )
    default_port, starttls, implicit_tls = _EMAIL_SCHEMES[scheme]
    return EmailServer(
        host=parts.hostname,
        port=port or default_port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        starttls=starttls,
        implicit_tls=implicit_tls,
    )


def env_sender(name: str, *, required: bool) -> str:
    """A sender such as ``Chartivo <noreply@chartivo.io>`` or a bare address."""
    value = os.environ.get(name, "").strip()
    if not value:
        if required:
            raise ImproperlyConfigured(
                f"{name} must be set when e-mail is on: the address mail comes from, "
                "e.g. Chartivo <noreply@chartivo.io>"
            )
        return ""
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        address = ""
    if not address or "\n" in value or "\r" in value:
        raise ImproperlyConfigured(
            f"{name} must be an address such as Chartivo <noreply@chartivo.io>; got {value[:200]!r}"
        )
    return value


def env_addresses(name: str) -> list[str]:
    """Comma-separated e-mail addresses (none when unset)."""
    addresses = env_list(name)
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name} must list e-mail addresses separated by commas; got {address[:200]!r}"
            ) from None
    return addresses


def _shown(value: str) -> str:
    # A URL may carry a password: whatever stands before its last "@" is never shown. Not
    # even a parser's idea of the password can be trusted: an unencoded "/" or "#" in it
    # makes ``urlsplit`` read the password as part of the path or the fragment.
    if "@" in value:
        return repr("…@" + value.rsplit("@", 1)[1][:100])
    return repr(value[:200])
