"""What the security tests share: a second user, the logs as written, and a leak counter.

A leak is reported by *where* and *how many*, never by showing the text around it: an
assertion message that printed the haystack would put the key into the test output.
"""

from __future__ import annotations

import contextlib
import io
import logging
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from chartivo.lib.redaction import MaskStripeKeysFilter

SAVE_URL = "/integrations/stripe/"
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def leaks(text: str, secrets: dict[str, str]) -> dict[str, int]:
    """How often each secret (by its label) occurs in ``text``; only those that do."""
    return {label: text.count(value) for label, value in secrets.items() if value in text}


def response_text(response: Any) -> str:
    """Everything a client receives: status line, headers and body."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return f"{response.status_code}\n{headers}\n\n{body.decode(errors='replace')}"


class _RawRecords(logging.Handler):
    """Each record as the app made it, before any filter: message, exception, extras."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [str(record.msg), repr(record.args)]
        with contextlib.suppress(TypeError, ValueError):  # a malformed call logs no message
            parts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        parts.extend(str(v) for v in (record.exc_text, record.stack_info) if v)
        parts.extend(
            f"{name}={value}"
            for name, value in vars(record).items()
            if name not in _RECORD_ATTRIBUTES
        )
        self.lines.append(" ".join(parts))


@dataclass
class LogCapture:
    raw: _RawRecords
    text_output: io.StringIO
    json_output: io.StringIO = field(default_factory=io.StringIO)

    @property
    def raw_text(self) -> str:
        return "\n".join(self.raw.lines)

    @property
    def written(self) -> str:
        """Every line the app's configured handler wrote, and the same records as JSON."""
        return self.text_output.getvalue() + "\n" + self.json_output.getvalue()


def _configured_handler() -> logging.StreamHandler[Any]:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and any(
            isinstance(f, MaskStripeKeysFilter) for f in handler.filters
        ):
            return handler
    raise AssertionError("the root logger has no handler with the Stripe key mask (LOGGING)")


def _json_formatter() -> logging.Formatter:
    logging_config: dict[str, Any] = settings.LOGGING
    config = dict(logging_config["formatters"]["json"])
    factory = import_string(config.pop("()"))
    formatter: logging.Formatter = factory(**config)
    return formatter


@pytest.fixture
def app_logs() -> Iterator[LogCapture]:
    """The root logger's output for one test: what the app's handler writes (text, and the
    production JSON format), and the raw records before the mask, at DEBUG and up."""
    root = logging.getLogger()
    console = _configured_handler()
    capture = LogCapture(raw=_RawRecords(), text_output=io.StringIO())
    json_handler = logging.StreamHandler(capture.json_output)
    json_handler.setFormatter(_json_formatter())
    for existing in console.filters:
        json_handler.addFilter(existing)
    previous_stream = console.setStream(capture.text_output)
    previous_level = root.level
    root.handlers.insert(0, capture.raw)  # first, so it sees each record before the mask
    root.addHandler(json_handler)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.setLevel(previous_level)
        root.removeHandler(json_handler)
        root.removeHandler(capture.raw)
        if previous_stream is not None:
            console.setStream(previous_stream)


@pytest.fixture
def other_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("other@example.com", "another long password 2")


@pytest.fixture
def other_client(other_user: Any) -> Client:
    client = Client()
    client.force_login(other_user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # as written in the URLconf, e.g. "charts/<int:chart_id>/"

    @property
    def needs_chart(self) -> bool:
        return "<int:chart_id>" in self.pattern

    def url(self, chart_id: int | None = None, **ids: int | str) -> str:
        """The route's address; ``ids`` gives the other ids its pattern names
        (``connection_id``, ``member_id``, ``invitation_id``, ``token_id``, ``link_id``,
        ``rule_id``;
        1 when not given) and a share link's ``token``."""
        from django.urls import reverse

        if self.needs_chart:
            assert chart_id is not None
        kwargs = {"chart_id": chart_id, **ids}
        names = (
            "chart_id",
            "connection_id",
            "member_id",
            "invitation_id",
            "token_id",
            "link_id",
            "rule_id",
        )
        wanted: dict[str, int | str] = {
            k: kwargs.get(k) or 1 for k in names if f"<int:{k}>" in self.pattern
        }
        if "<str:token>" in self.pattern:
            # A well-formed token of no link unless one is given.
            wanted["token"] = str(ids.get("token") or "cvs_" + "0" * 43)
        return reverse(self.name, kwargs=wanted or None)


def every_route() -> list[Route]:
    """Every URL the app serves, found in the URLconf itself: a new one cannot be missed."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                assert entry.name, f"the URL {prefix}{entry.pattern} has no name"
                yield Route(namespace + entry.name, prefix + str(entry.pattern))

    return list(walk(get_resolver().url_patterns, "", ""))
