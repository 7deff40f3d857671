"""Masking of anything shaped like a Stripe key, wherever text may leave the process.

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

# What every LogRecord has; anything else on a record came from ``extra=`` (Django's
# request logs put the request there, and JSON logs print it with its query string).
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


# A share link's token (chartivo/sharing/tokens.py): the address of a shared chart is
# its secret, so an access log or a 404 warning that names the path masks it.
SHARE_TOKEN_PATTERN = re.compile(r"cvs_[A-Za-z0-9_-]+")


def mask_stripe_keys(text: str) -> str:
    """Stripe keys and share tokens masked (both are secrets shaped so they can be found)."""
    text = SHARE_TOKEN_PATTERN.sub("cvs_[redacted]", text)
    return STRIPE_KEY_PATTERN.sub(r"\1[redacted]", text)


def holds_secret(text: str) -> bool:
    return bool(STRIPE_KEY_PATTERN.search(text) or SHARE_TOKEN_PATTERN.search(text))


def mask_key_for_display(key: str) -> str:
    """``rk_live_••••••••3xQ9``: the prefix and the last four characters, nothing else."""
    prefix = key[:8] if key[:3] in {"sk_", "rk_", "pk_"} else ""
    return f"{prefix}{'•' * 8}{key[-4:]}"


class MaskStripeKeysFilter(logging.Filter):
    """Rewrites each record's message, exception text, stack and extras with keys masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_stripe_keys(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_stripe_keys(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_stripe_keys(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_stripe_keys(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _RECORD_ATTRIBUTES or isinstance(value, int | float | bool | None):
                continue
            text = str(value)
            if holds_secret(text):
                setattr(record, name, mask_stripe_keys(text))
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
        return mark_safe(mask_stripe_keys(super().get_traceback_html()))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return mark_safe(mask_stripe_keys(super().get_traceback_text()))  # noqa: S308
