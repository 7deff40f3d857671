"""What may be tried how often: log-in, sign-up, password change, reset, account mail.

Log-in has three counts, each taken before the password is hashed:
- per account and address: ``CHARTIVO_LOGIN_FAILURE_LIMIT`` failures (5) in 15 minutes
  pause that pair — the classic lock, which an attacker can only turn against themselves;
- per address: 20 failures in 15 minutes, whatever the accounts (a spray from one place);
- per account, from places it never logged in from: 10 failures an hour (guesses spread
  over many addresses). Its owner logging in from an address they used before is not
  counted here and not refused, so a flood cannot lock them out; from a new place they
  wait for the hour to end, or reset the password by e-mail, which lets them straight in.
The same page answers every refusal, whether the account exists or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from chartivo.accounts.models import KnownAddress, User
from chartivo.accounts.throttle import Limit, Refused, Taken, forget, take
from chartivo.lib.client_address import UNKNOWN, client_address

MINUTE, HOUR = 60, 3600
LOGIN_ADDRESS = Limit("login-address", 20, 15 * MINUTE)
LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES = Limit("login-account", 10, HOUR)
SIGNUP_ADDRESS = Limit("signup-address", 5, HOUR)
PASSWORD_CHANGE_ACCOUNT = Limit("password-change-account", 5, 15 * MINUTE)
PASSWORD_CHANGE_ADDRESS = Limit("password-change-address", 20, 15 * MINUTE)
RESET_ADDRESS = Limit("reset-address", 5, HOUR)
# Account mail (reset links, sign-up confirmations and notices) to any one address: nobody
# can make Chartivo flood a mailbox. Asked for from a place the account has logged in
# from (most likely its owner), mail counts against that place alone: strangers using up
# the mailbox's share cannot keep its owner from a reset link.
MAIL_RECIPIENT = Limit("mail-recipient", 3, HOUR)
MAIL_RECIPIENT_FROM_KNOWN_PLACE = Limit("mail-recipient-known-place", 3, HOUR)
# A known address is forgotten when its user has not logged in from it for this long.
KNOWN_ADDRESS_DAYS = 180


def login_pair_limit() -> Limit:
    return Limit("login-pair", settings.LOGIN_FAILURE_LIMIT, 15 * MINUTE)


@dataclass
class LoginAttempt:
    email: str
    address: str
    taken: Taken

    @property
    def pair_key(self) -> str:
        return login_pair_limit().key(self.email, self.address)


def begin_login(request: HttpRequest, email: str, *, known_place: bool) -> LoginAttempt | Refused:
    """Counts the attempt (``known_place``: from an address its account logged in from)."""
    address = client_address(request)
    pair = login_pair_limit()
    counts = [(pair, pair.key(email, address)), (LOGIN_ADDRESS, LOGIN_ADDRESS.key(address))]
    if not known_place:
        account = LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES
        counts.append((account, account.key(email)))
    taken = take(*counts)
    if isinstance(taken, Refused):
        return taken
    return LoginAttempt(email, address, taken)


def login_succeeded(attempt: LoginAttempt) -> None:
    """The right password: this was no guess. The pair starts afresh."""
    forget(attempt.pair_key)
    attempt.taken.give_back(*(k for k in attempt.taken.keys if k != attempt.pair_key))


def begin_signup(request: HttpRequest) -> Taken | Refused:
    address = client_address(request)
    return take((SIGNUP_ADDRESS, SIGNUP_ADDRESS.key(address)))


def begin_password_change(request: HttpRequest, user: User) -> Taken | Refused:
    address = client_address(request)
    return take(
        (PASSWORD_CHANGE_ACCOUNT, PASSWORD_CHANGE_ACCOUNT.key(str(user.pk))),
        (PASSWORD_CHANGE_ADDRESS, PASSWORD_CHANGE_ADDRESS.key(address)),
    )


def begin_reset(request: HttpRequest) -> Taken | Refused:
    return take((RESET_ADDRESS, RESET_ADDRESS.key(client_address(request))))


def may_mail(request: HttpRequest, email: str) -> bool:
    address = client_address(request)
    if is_known_address(email, address):
        known = MAIL_RECIPIENT_FROM_KNOWN_PLACE
        return not isinstance(take((known, known.key(email, address))), Refused)
    return not isinstance(take((MAIL_RECIPIENT, MAIL_RECIPIENT.key(email))), Refused)


def password_replaced(user: User) -> None:
    """A new password (changed, or reset through the mailbox): guesses at the old one no
    longer hold the account back."""
    forget(LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES.key(user.email))
    forget(PASSWORD_CHANGE_ACCOUNT.key(str(user.pk)))


# --- Known addresses ------------------------------------------------------------------------


def _address_digest(address: str) -> str:
    return salted_hmac("chartivo.known-address", address, algorithm="sha256").hexdigest()


def is_known_address(email: str, address: str) -> bool:
    if address == UNKNOWN:
        return False
    return KnownAddress.objects.filter(
        user__email=email,
        digest=_address_digest(address),
        last_seen__gte=timezone.now() - timedelta(days=KNOWN_ADDRESS_DAYS),
    ).exists()


def remember_address(request: HttpRequest, user: User) -> None:
    """Called at every log-in (password, sign-up confirmation, reset link)."""
    address = client_address(request)
    if address == UNKNOWN:
        return
    now = timezone.now()
    KnownAddress.objects.update_or_create(
        user=user, digest=_address_digest(address), defaults={"last_seen": now}
    )
    KnownAddress.objects.filter(
        user=user, last_seen__lt=now - timedelta(days=KNOWN_ADDRESS_DAYS)
    ).delete()
