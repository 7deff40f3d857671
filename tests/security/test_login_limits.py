"""Log-in, sign-up and password change limits as a visitor meets them: who is refused,
who still gets in, and that an attacker cannot turn a limit against an account's owner.

Behind a proxy the client is the right-most ``X-Forwarded-For`` entry, the one the proxy
wrote; what a client writes to its left changes nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from chartivo.accounts import hashing, limits
from chartivo.accounts.hashing import slot_count

pytestmark = pytest.mark.django_db
LOGIN = "/account/login/"
PASSWORD = "a long password 1"  # the ``owner`` fixture's
PROXY = "127.0.0.1"
OWNER_HOME = "203.0.113.7"
ATTACKER = "198.51.100.66"


def log_in(email: str, password: str, *, ip: str, forwarded: str | None = None) -> Any:
    """One attempt from a fresh browser: directly from ``ip``, or through the proxy with
    ``X-Forwarded-For: <forwarded>, <ip>`` as the proxy passes it on."""
    client = Client()
    if forwarded is None and not django_settings.BEHIND_PROXY:
        return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)
    chain = f"{forwarded}, {ip}" if forwarded else ip
    return client.post(
        LOGIN,
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-For": chain},
    )


def refused(response: Any) -> bool:
    return response.status_code == 429 and "Too many failed log-in attempts" in response.text


def wrong_password(response: Any) -> bool:
    return response.status_code == 200 and "Please enter a correct email" in response.text


def signed_in(response: Any) -> bool:
    return bool(response.status_code == 302 and response["Location"] == "/")


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.BEHIND_PROXY = True


# --- Behind one proxy ---------------------------------------------------------------------


def test_behind_a_proxy_a_spoofed_left_most_address_changes_nothing(
    owner: Any, behind_proxy: None
) -> None:
    # The attacker writes the owner's own address (and then others) to the left: the
    # proxy adds the attacker's real one on the right, which is what is counted.
    for spoof in (OWNER_HOME, OWNER_HOME, "192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert wrong_password(log_in(owner.email, "a guess", ip=ATTACKER, forwarded=spoof))
    assert refused(log_in(owner.email, "a guess", ip=ATTACKER, forwarded=OWNER_HOME))
    assert refused(log_in(owner.email, PASSWORD, ip=ATTACKER, forwarded="192.0.2.99"))
    # The owner, at the address the attacker named, is not locked out.
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))


def test_behind_a_proxy_five_failures_with_any_forwarded_for_do_not_lock_the_owner_out(
    owner: Any, behind_proxy: None
) -> None:
    # Five wrong passwords for the victim, each from a different client and spoofed chain.
    for number in range(5):
        attempt = log_in(owner.email, "a guess", ip=f"198.51.100.{number}", forwarded=OWNER_HOME)
        assert wrong_password(attempt)
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))


def test_directly_on_the_internet_x_forwarded_for_is_ignored(owner: Any, settings: Any) -> None:
    settings.BEHIND_PROXY = False
    for _ in range(5):
        response = Client().post(
            LOGIN,
            {"username": owner.email, "password": "a guess"},
            REMOTE_ADDR=ATTACKER,
            headers={"X-Forwarded-For": f"192.0.2.{_}"},
        )
        assert wrong_password(response)
    assert refused(log_in(owner.email, PASSWORD, ip=ATTACKER))


def test_an_ipv6_client_is_counted_per_64_network(owner: Any) -> None:
    for host in range(1, 6):
        assert wrong_password(log_in(owner.email, "a guess", ip=f"2001:db8:1:2::{host}"))
    assert refused(log_in(owner.email, PASSWORD, ip="2001:db8:1:2:ffff::9"))
    assert signed_in(log_in(owner.email, PASSWORD, ip="2001:db8:1:3::1"))


# --- Spraying -------------------------------------------------------------------------------


def test_four_guesses_from_each_of_ten_addresses_do_not_open_the_door_to_an_eleventh(
    owner: Any,
) -> None:
    # The owner logged in from home once (so home is a known place).
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))
    answers = [
        log_in(owner.email, "a guess", ip=f"198.51.100.{place}")
        for place in range(10)
        for _ in range(4)
    ]
    # Only the account's allowance for unknown places was ever checked; the rest were
    # refused before any password was hashed.
    checked = sum(wrong_password(a) for a in answers)
    assert checked == limits.LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES.most
    assert sum(refused(a) for a in answers) == len(answers) - checked
    # The right password from an eleventh address is refused, like any guess would be...
    assert refused(log_in(owner.email, PASSWORD, ip="198.51.100.200"))
    # ...while the owner at home still gets in.
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))


def test_the_account_limit_counts_guesses_from_unknown_places_only(owner: Any) -> None:
    most = limits.LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES.most
    for place in range(most):
        assert wrong_password(log_in(owner.email, "a guess", ip=f"198.51.100.{place}"))
    assert refused(log_in(owner.email, PASSWORD, ip="192.0.2.50"))
    assert wrong_password(log_in("someone.else@example.com", "a guess", ip="192.0.2.51"))


def test_thirty_emails_from_one_address_are_bounded(owner: Any, django_user_model: Any) -> None:
    most = limits.LOGIN_ADDRESS.most
    answers = [log_in(f"user{n}@example.com", "a guess", ip=ATTACKER) for n in range(30)]
    assert all(wrong_password(a) for a in answers[:most])
    assert all(refused(a) for a in answers[most:])
    # Even the right password of a real account is refused from there for now...
    assert refused(log_in(owner.email, PASSWORD, ip=ATTACKER))
    # ...and from anywhere else it works.
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))


def test_the_locked_page_is_the_same_for_an_account_and_for_no_account(owner: Any) -> None:
    pages = []
    for email in (owner.email, "nobody@example.com"):
        for _ in range(5):
            assert wrong_password(log_in(email, "a guess", ip=ATTACKER))
        locked = log_in(email, "a guess", ip=ATTACKER)
        assert refused(locked) and locked["Retry-After"].isdigit()
        pages.append(locked.content.replace(email.encode(), b""))
    assert pages[0] == pages[1]


def test_a_success_clears_the_pair_and_gives_back_its_counts(owner: Any) -> None:
    for _ in range(4):
        assert wrong_password(log_in(owner.email, "a guess", ip=OWNER_HOME))
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))
    for _ in range(5):
        assert wrong_password(log_in(owner.email, "a guess", ip=OWNER_HOME))


# --- Hashing ---------------------------------------------------------------------------------


@contextmanager
def every_slot_taken(state: Path) -> Iterator[None]:
    """Other processes hashing for strangers in every slot, and more waiting for one (in a
    state folder of this test's own: the run's is shared by every test process)."""
    folder = state / "hash-slots"
    folder.mkdir(mode=0o700, parents=True)
    held = []
    names = [f"slot-{n}" for n in range(slot_count())]
    names += [f"waiting-{n}" for n in range(2 * slot_count())]
    for name in names:
        descriptor = os.open(folder / name, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        held.append(descriptor)
    try:
        yield
    finally:
        for descriptor in held:
            os.close(descriptor)


def test_while_strangers_hash_in_every_slot_a_stranger_waits_and_the_owner_does_not(
    owner: Any, settings: Any, tmp_path: Path
) -> None:
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))  # home becomes known
    settings.STATE_DIR = tmp_path
    with every_slot_taken(tmp_path):
        busy = log_in(owner.email, PASSWORD, ip=ATTACKER)
        assert busy.status_code == 429 and "Wait a few seconds" in busy.text
        assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))
    # The refused attempt was no guess: it counted against nothing.
    for _ in range(5):
        assert wrong_password(log_in(owner.email, "a guess", ip=ATTACKER))


# --- Sign-up and password change ---------------------------------------------------------


def test_sign_ups_from_one_address_are_limited(django_user_model: Any) -> None:
    good = "correct horse battery staple 7"
    most = limits.SIGNUP_ADDRESS.most
    for n in range(most):
        response = Client().post(
            "/account/signup/",
            {"email": f"new{n}@example.com", "password1": good, "password2": good},
            REMOTE_ADDR=ATTACKER,
        )
        assert response.status_code == 302
    blocked = Client().post(
        "/account/signup/",
        {"email": "one.more@example.com", "password1": good, "password2": good},
        REMOTE_ADDR=ATTACKER,
    )
    assert blocked.status_code == 429 and "Too many sign-ups" in blocked.text
    assert not django_user_model.objects.filter(email="one.more@example.com").exists()
    elsewhere = Client().post(
        "/account/signup/",
        {"email": "one.more@example.com", "password1": good, "password2": good},
        REMOTE_ADDR=OWNER_HOME,
    )
    assert elsewhere.status_code == 302


def test_password_change_guesses_are_limited_per_account(owner: Any) -> None:
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    new = "a brand new long password 2"
    for _ in range(limits.PASSWORD_CHANGE_ACCOUNT.most):
        guess = client.post(
            "/account/password/",
            {"old_password": "a guess", "new_password1": new, "new_password2": new},
            REMOTE_ADDR=ATTACKER,
        )
        assert "Your old password was entered incorrectly" in guess.text
    # Even with the right old password, and from another address, it waits now.
    paused = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=OWNER_HOME,
    )
    assert paused.status_code == 429 and "changing the password is paused" in paused.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_password_change_that_only_fails_the_new_password_rules_is_no_guess(
    owner: Any,
) -> None:
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    for _ in range(limits.PASSWORD_CHANGE_ACCOUNT.most + 2):
        weak = client.post(
            "/account/password/",
            {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
        )
        assert weak.status_code == 200 and "This password is too common" in weak.text


@contextmanager
def every_stranger_turn_taken_in_this_process() -> Iterator[None]:
    """This web process already working on as many strangers' log-ins as it takes."""
    gate = hashing._strangers_here()
    held = 0
    while gate.acquire(blocking=False):
        held += 1
    try:
        yield
    finally:
        for _ in range(held):
            gate.release()


def test_a_process_busy_with_strangers_answers_one_more_at_once_and_lets_the_owner_in(
    owner: Any, django_user_model: Any
) -> None:
    assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))
    good = "correct horse battery staple 7"
    with every_stranger_turn_taken_in_this_process():
        for response in (
            log_in(owner.email, PASSWORD, ip=ATTACKER),
            Client().post(
                "/account/signup/",
                {"email": "new@example.com", "password1": good, "password2": good},
                REMOTE_ADDR=ATTACKER,
            ),
        ):
            assert response.status_code == 429 and "Wait a few seconds" in response.text
        assert signed_in(log_in(owner.email, PASSWORD, ip=OWNER_HOME))
    assert not django_user_model.objects.filter(email="new@example.com").exists()
    assert signed_in(log_in(owner.email, PASSWORD, ip=ATTACKER))
