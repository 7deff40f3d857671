"""Making, finding and revoking personal access tokens.

A token is ``chv_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random
bits). The prefix lets the log filter (``chartivo.lib.redaction``) and secret scanners
recognise one wherever it is pasted. Only its SHA-256 is stored: with 256 random bits a
fast hash cannot be reversed or guessed, so the slow, slot-limited password hash
(``chartivo.accounts.hashing``) would only cost CPU on every API request and protect
nothing more. Tokens are compared by looking the digest up, never character by character.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from chartivo.api.models import ApiToken
from chartivo.orgs.models import Membership

TOKEN_PREFIX = "chv_"  # noqa: S105 - a prefix that marks tokens, not a secret
SHOWN_PREFIX = 8  # characters of a token shown in the list ("chv_AbC1")
# Last use is written at most this often per token: a script asking every second would
# otherwise turn each read into a write as well.
LAST_USED_PRECISION = timedelta(minutes=1)


@sensitive_variables("token")
def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


@sensitive_variables("secret")
def create_token(membership: Membership, name: str) -> NewToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=membership,
        name=name.strip()[:100] or "API token",
        digest=digest_of(secret),
        prefix=secret[:SHOWN_PREFIX],
    )
    return NewToken(token, secret)


@sensitive_variables("secret")
def find_token(secret: str) -> ApiToken | None:
    """The live token ``secret`` is, with its membership, organisation and user; None for
    anything else (revoked, its member removed, never made, malformed)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    return (
        ApiToken.objects.select_related("membership__organisation", "membership__user")
        .filter(digest=digest_of(secret), membership__user__is_active=True)
        .first()
    )


def mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke(membership: Membership, token_id: int) -> ApiToken | None:
    """Deletes one of the member's own tokens in this organisation; None if there is none."""
    token = ApiToken.objects.filter(membership=membership, pk=token_id).first()
    if token is not None:
        token.delete()
    return token
