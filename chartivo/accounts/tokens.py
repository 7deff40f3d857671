"""The secrets in account links: a sign-up confirmation and a password reset.

Each link works once: its token is bound to the account's state (the password hash, and
for a sign-up whether it is still pending), which using the link changes. Tokens are made
by the worker as it sends the mail, so they never sit in the task queue, and they travel
in the query string, which no log line records.
"""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from chartivo.accounts.models import User

_SIGNUP_SALT = "chartivo.accounts.signup"
SIGNUP_LINK_SECONDS = 24 * 3600


def _signup_state(user: User) -> str:
    state = f"{user.pk}|{user.password}|{user.is_active}|{user.signup_pending}"
    return salted_hmac(_SIGNUP_SALT, state, algorithm="sha256").hexdigest()[:32]


def signup_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _signup_state(user)}, salt=_SIGNUP_SALT)


def pending_user_for(token: str) -> User | None:
    """The pending account a live, unused confirmation token names; None otherwise."""
    try:
        data = signing.loads(token, salt=_SIGNUP_SALT, max_age=SIGNUP_LINK_SECONDS)
        user = User.objects.get(pk=int(data["u"]), signup_pending=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    return user if constant_time_compare(_signup_state(user), str(data.get("s"))) else None


def reset_query(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"u={uid}&t={default_token_generator.make_token(user)}"


def user_for_reset(uid: str, token: str) -> User | None:
    """The active account a live, unused reset token names; None otherwise."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None
