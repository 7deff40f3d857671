"""Tiny strict readers for settings that come from the environment.

Each one fails loudly on a value it cannot read, so that a typo in a deployment is an
error at start-up rather than a default silently taking its place. Secrets may also be
given as a file (``NAME_FILE``), the way container secret stores hand them over.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

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


def _shown(value: str) -> str:
    # A URL may carry a password: show its scheme and host only.
    try:
        parts = urlsplit(value)
    except ValueError:
        return "a value that is not a URL"
    if parts.password:
        return repr(f"{parts.scheme}://…@{parts.hostname or ''}")
    return repr(value[:200])
