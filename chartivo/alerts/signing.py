"""Signing secrets of webhooks and the signature of each body sent, as Stripe signs its own.

A rule whose webhook format is "signed" has a secret (``new_secret``), shown to its owner
once and then kept sealed (``chartivo.lib.secretbox``) in ``AlertRule.webhook_secret_sealed``.
The seal is bound to the organisation and the rule, so a sealed secret copied into another
rule's row does not open there; a rule is saved (it has an id) before its secret is sealed.

Each request carries ``Chartivo-Signature: t=<Unix seconds>,v1=<hex>``, where ``<hex>`` is
the HMAC-SHA256, under the secret, of ``"<t>.<body>"``. A receiver recomputes it and refuses
a timestamp older than a few minutes, so a body captured on the way cannot be replayed
later (docs/alerts-delivery.md; the README shows a receiver in a few lines of Python).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from chartivo.alerts.models import AlertRule

SIGNATURE_HEADER = "Chartivo-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, written as URL-safe text after "whsec_"."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _context(rule: AlertRule) -> str:
    if rule.pk is None:
        raise ValueError("save the rule before sealing or opening its webhook secret")
    return f"alert-webhook:org:{rule.organisation_id}:rule:{rule.pk}"


@sensitive_variables("secret")
def seal_secret(rule: AlertRule, secret: str) -> str:
    """What to store in ``rule.webhook_secret_sealed`` for ``secret``."""
    sealed: str = settings.CHARTIVO_KEYRING.seal(secret, context=_context(rule))
    return sealed


@sensitive_variables()
def open_secret(rule: AlertRule) -> str:
    """The rule's signing secret. Raises ``chartivo.lib.secretbox.DecryptionError`` when the
    sealed value does not open (its encryption key was removed, or it belongs to another
    rule) and ``ValueError`` when the rule has none."""
    if not rule.webhook_secret_sealed:
        raise ValueError("the rule has no webhook signing secret")
    secret: str = settings.CHARTIVO_KEYRING.open(rule.webhook_secret_sealed, context=_context(rule))
    return secret


@sensitive_variables("secret")
def _digest(secret: str, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@sensitive_variables("secret")
def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The value of the ``Chartivo-Signature`` header for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},{SCHEME}={_digest(secret, body, timestamp)}"


@sensitive_variables("secret")
def verify(
    secret: str,
    body: bytes,
    header: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    *,
    now: int | None = None,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance_s``
    seconds of ``now`` (default: the clock). Any ``v1`` entry may match: a sender rotating
    its secret may sign with both."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == SCHEME and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = _digest(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
