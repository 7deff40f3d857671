"""Share tokens: 256 random bits, stored only as their SHA-256.

A plain hash, not a password hash: the token is random and long, so nobody can guess it
from its digest, and a lookup by digest is one indexed query. The prefix ``cvs_`` makes a
token recognisable wherever text leaves the process, so logs and error reports mask it
(``chartivo.lib.redaction``) like a Stripe key.
"""

from __future__ import annotations

import hashlib
import re
import secrets

PREFIX = "cvs_"
TOKEN_PATTERN = re.compile(r"cvs_[A-Za-z0-9_-]{20,}")


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return TOKEN_PATTERN.fullmatch(token) is not None
