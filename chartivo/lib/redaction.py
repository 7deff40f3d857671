"""Masking of anything shaped like a Stripe key, wherever text may leave the process.

Stripe's own error messages carry a partly masked key (``sk_test_****…1234``); even that
is masked fully here, because the last four characters plus the prefix are all a reader
of a log should ever see, and only on the Integrations card.
"""

from __future__ import annotations

import logging
import re

# The prefix, then anything a key or a partly masked key is made of.
STRIPE_KEY_PATTERN = re.compile(r"\b((?:sk|rk|pk)_(?:test|live)_)[A-Za-z0-9*•.…_]+")


def mask_stripe_keys(text: str) -> str:
    return STRIPE_KEY_PATTERN.sub(r"\1[redacted]", text)


def mask_key_for_display(key: str) -> str:
    """``rk_live_••••••••3xQ9``: the prefix and the last four characters, nothing else."""
    prefix = key[:8] if key[:3] in {"sk_", "rk_", "pk_"} else ""
    return f"{prefix}{'•' * 8}{key[-4:]}"


class MaskStripeKeysFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with keys masked."""

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
        return True
