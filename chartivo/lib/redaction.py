"""Masking of anything shaped like a Stripe key, a Chartivo API token or a share link's
token, wherever text may leave the process.

Stripe's own error messages carry a partly masked key (``sk_test_****…1234``); even that
is masked fully here, because the last four characters plus the prefix are all a reader
of a log should ever see, and only on the Integrations card.

Two nets, for the two ways text leaves: ``MaskStripeKeysFilter`` on the log handlers, and
``KeyMaskingExceptionReporter`` for Django's error reports (the DEBUG page and the e-mails
to ``ADMINS``), which print every frame's local variables.
"""

from __future__ import annotations

import logging
import re

from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter

# The prefix, then anything a key or a partly masked key is made of. A key may follow a
# digit or an underscore ("%20rk_live_…" in a logged URL), so only a letter in front
# means "part of another word" (``task_test_…`` is not a key).
STRIPE_KEY_PATTERN = re.compile(r"(?<![A-Za-z])((?:sk|rk|pk)_(?:test|live)_)[A-Za-z0-9*•.…_]+")
# A read API token (chartivo/api/tokens.py): "chv_" and URL-safe base64. The app never logs
# one, but a person may paste one into an address or a form field that is logged.
API_TOKEN_PATTERN = re.compile(r"(?<![A-Za-z])(chv_)[A-Za-z0-9_\-]+")

# What every LogRecord has; anything else on a record came from ``extra=`` (Django's
# request logs put the request there, and JSON logs print it with its query string).
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}

# A share link's token (chartivo/sharing/tokens.py): the address of a shared chart is its
# secret, so an access log or a 404 warning that names the path masks it.
SHARE_TOKEN_PATTERN = re.compile(r"(?<![A-Za-z])(cvs_)[A-Za-z0-9_\-]+")


def mask_stripe_keys(text: str) -> str:
    return STRIPE_KEY_PATTERN.sub(r"\1[redacted]", text)


def mask_secrets(text: str) -> str:
    """Stripe keys, API tokens and share tokens masked: what every log line and error
    report goes through."""
    text = SHARE_TOKEN_PATTERN.sub(r"\1[redacted]", mask_stripe_keys(text))
    return API_TOKEN_PATTERN.sub(r"\1[redacted]", text)


def _has_secret(text: str) -> bool:
    return any(
        pattern.search(text)
        for pattern in (STRIPE_KEY_PATTERN, API_TOKEN_PATTERN, SHARE_TOKEN_PATTERN)
    )


def mask_key_for_display(key: str) -> str:
    """``rk_live_••••••••3xQ9``: the prefix and the last four characters, nothing else."""
    prefix = key[:8] if key[:3] in {"sk_", "rk_", "pk_"} else ""
    return f"{prefix}{'•' * 8}{key[-4:]}"


class MaskStripeKeysFilter(logging.Filter):
    """Rewrites each record's message, exception text, stack and extras with keys, API
    tokens and share tokens masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_secrets(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _RECORD_ATTRIBUTES or isinstance(value, int | float | bool | None):
                continue
            text = str(value)
            if _has_secret(text):
                setattr(record, name, mask_secrets(text))
        return True


class KeyMaskingExceptionReporter(ExceptionReporter):
    """Django's error report with every key masked, whatever frame or value held one.

    ``sensitive_variables`` hides the names it is given, but only in frames below the
    decorated function and only when DEBUG is off; the SDK's own frames hold the key
    under other names (``api_key``, request headers). Masking the finished report covers
    them all, and the DEBUG page as well.
    """

    # Masking only swaps a key's characters for "[redacted]": safe HTML stays safe.
    def get_traceback_html(self) -> SafeString:
        return mark_safe(mask_secrets(super().get_traceback_html()))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return mark_safe(mask_secrets(super().get_traceback_text()))  # noqa: S308
