"""The limits through real HTTP: ``chartivo serve`` (gunicorn with its production config)
behind a simulated proxy, on the test database (PostgreSQL in ``make test-postgres``), a
real worker process sending mail to a real SMTP server.

Each visitor is a separate HTTP client; the proxy's part — appending the client's address
to ``X-Forwarded-For`` — is done by ``Visitor``, and whatever a client writes to the left
of it is what an attacker controls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from chartivo.accounts import limits
from tests.production.conftest import web_server
from tests.support.mail import SmtpServer
from tests.support.web import Visitor
from tests.support.worker import worker_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LOGIN = "/account/login/"
PASSWORD = "a long password 1"  # the ``owner`` fixture's
OWNER_HOME = "203.0.113.7"
ATTACKER = "198.51.100.66"
GOOD = "correct horse battery staple 7"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with web_server(tmp_path / "web.log", REDIS_URL="", CHARTIVO_BEHIND_PROXY="1") as base:
        yield base


def attempt(base: str, email: str, password: str, address: str, forged: str | None = None) -> Any:
    with Visitor(base, address=address, forwarded=forged) as visitor:
        return visitor.submit(LOGIN, {"username": email, "password": password})


def wrong_password(response: httpx.Response) -> bool:
    return response.status_code == 200 and "Please enter a correct email" in response.text


def refused(response: httpx.Response) -> bool:
    return response.status_code == 429 and "Too many failed log-in attempts" in response.text


def signed_in(response: httpx.Response) -> bool:
    return response.status_code == 302 and response.headers["location"] == "/"


def test_five_wrong_passwords_sent_with_any_forwarded_for_do_not_lock_the_owner_out(
    served: str, owner: Any
) -> None:
    for forged in (OWNER_HOME, OWNER_HOME, "10.0.0.1", "192.0.2.1, 192.0.2.2", "garbage"):
        assert wrong_password(attempt(served, owner.email, "a guess", ATTACKER, forged))
    # The attacker's own pair is paused, whatever address it claims...
    assert refused(attempt(served, owner.email, PASSWORD, ATTACKER, forged=OWNER_HOME))
    # ...and the owner, at the address the attacker forged, logs in.
    assert signed_in(attempt(served, owner.email, PASSWORD, OWNER_HOME))


def test_spraying_is_bounded(served: str, owner: Any) -> None:
    assert signed_in(attempt(served, owner.email, PASSWORD, OWNER_HOME))  # home is known
    # Four guesses from each of ten addresses, then the right password from an eleventh.
    spread = [
        attempt(served, owner.email, "a guess", f"198.51.100.{place}")
        for place in range(10)
        for _ in range(4)
    ]
    assert sum(wrong_password(a) for a in spread) == limits.LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES.most
    assert all(wrong_password(a) or refused(a) for a in spread)
    assert refused(attempt(served, owner.email, PASSWORD, "198.51.100.200"))
    assert signed_in(attempt(served, owner.email, PASSWORD, OWNER_HOME))
    # Thirty emails from one address.
    sprayed = [attempt(served, f"user{n}@example.com", "a guess", ATTACKER) for n in range(30)]
    assert sum(wrong_password(a) for a in sprayed) == limits.LOGIN_ADDRESS.most
    assert all(refused(a) for a in sprayed[limits.LOGIN_ADDRESS.most :])


def test_concurrent_guesses_are_counted_before_any_password_is_hashed(
    tmp_path: Path, owner: Any
) -> None:
    """Sixteen guesses at once for one account from one address, through two servers (two
    processes counting in one database): however they interleave, exactly the pair's
    allowance ever reaches the password check. (A server busy with strangers may answer
    some "try again in a moment"; those are no guesses, and the visitor tries again.)"""
    environment = {"REDIS_URL": "", "CHARTIVO_BEHIND_PROXY": "1"}
    with (
        web_server(tmp_path / "one.log", **environment) as one,
        web_server(tmp_path / "two.log", **environment) as two,
    ):
        visitors = [Visitor((one, two)[n % 2], address=ATTACKER) for n in range(16)]
        for visitor in visitors:
            visitor.token_for(LOGIN)

        def guess(visitor: Visitor) -> list[httpx.Response]:
            answers: list[httpx.Response] = []
            while not answers or _busy(answers[-1]):
                answers.append(visitor.submit(LOGIN, {"username": owner.email, "password": "x"}))
            return answers

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = [a for tries in pool.map(guess, visitors) for a in tries]
        for visitor in visitors:
            visitor.close()
    final = [a for a in answers if not _busy(a)]
    assert len(final) == 16
    assert sum(wrong_password(a) for a in final) == 5
    assert sum(refused(a) for a in final) == 11


def _busy(response: httpx.Response) -> bool:
    return response.status_code == 429 and "Wait a few seconds" in response.text


def test_sign_up_and_password_change_are_limited_per_address(served: str, owner: Any) -> None:
    most = limits.SIGNUP_ADDRESS.most
    answers = []
    for n in range(most + 1):
        with Visitor(served, address=ATTACKER) as visitor:
            fields = {"email": f"new{n}@example.com", "password1": GOOD, "password2": GOOD}
            answers.append(visitor.submit("/account/signup/", fields))
    assert [a.status_code for a in answers] == [302] * most + [429]
    assert "Too many sign-ups from your network" in answers[-1].text

    with Visitor(served, address=OWNER_HOME) as visitor:
        assert signed_in(visitor.submit(LOGIN, {"username": owner.email, "password": PASSWORD}))
        changes = [
            visitor.submit(
                "/account/password/",
                {"old_password": "a guess", "new_password1": GOOD, "new_password2": GOOD},
            )
            for _ in range(limits.PASSWORD_CHANGE_ACCOUNT.most + 1)
        ]
    assert [a.status_code for a in changes] == [200] * limits.PASSWORD_CHANGE_ACCOUNT.most + [429]


@pytest.mark.parametrize("e_mail", ["on", "off"])
def test_six_simultaneous_sign_ups_of_one_address_answer_with_pages_never_500(
    tmp_path: Path, smtp_server: SmtpServer, django_user_model: Any, e_mail: str
) -> None:
    mail_env = smtp_server.environment() if e_mail == "on" else {}
    environment = {"REDIS_URL": "", "CHARTIVO_BEHIND_PROXY": "1", **mail_env}
    with web_server(tmp_path / "web.log", **environment) as base:
        # Six people (six addresses: one address alone meets the sign-up limit at five).
        visitors = [Visitor(base, address=f"192.0.2.{n}") for n in range(6)]
        for visitor in visitors:
            visitor.token_for("/account/signup/")
        emails = ["Dup@example.com", "dup@example.com"] * 3

        def sign_up(visitor: Visitor, email: str) -> httpx.Response:
            fields = {"email": email, "password1": GOOD, "password2": GOOD}
            while _busy(answer := visitor.submit("/account/signup/", fields)):
                pass  # "try again in a moment": the person does
            return answer

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(sign_up, visitors, emails))
        for visitor in visitors:
            visitor.close()
    statuses = sorted(a.status_code for a in answers)
    assert 500 not in statuses
    assert django_user_model.objects.filter(email__iexact="dup@example.com").count() == 1
    if e_mail == "on":
        assert statuses == [302] * 6
        assert {a.headers["location"] for a in answers} == {"/account/signup/sent/"}
    else:
        created = [a for a in answers if a.status_code == 302]
        assert len(created) == 1 and created[0].headers["location"] == "/"
        others = [a for a in answers if a.status_code != 302]
        assert all("An account with this email already exists" in a.text for a in others)


def test_password_reset_end_to_end_through_the_real_smtp_server(
    tmp_path: Path, smtp_server: SmtpServer, owner: Any
) -> None:
    log = tmp_path / "web.log"
    env = {"REDIS_URL": "", "CHARTIVO_BEHIND_PROXY": "1", **smtp_server.environment()}
    with (
        web_server(log, **env) as base,
        worker_process(tmp_path / "worker.log", **smtp_server.environment()),
    ):
        asked, nobody = Visitor(base, address=OWNER_HOME), Visitor(base, address=OWNER_HOME)
        page = "/account/password/reset/"
        for visitor, email in ((asked, "Owner@Example.com"), (nobody, "nobody@example.com")):
            answer = visitor.submit(page, {"email": email})
            assert answer.headers["location"] == "/account/password/reset/sent/"
        assert _without_token(asked.get("/account/password/reset/sent/").text) == _without_token(
            nobody.get("/account/password/reset/sent/").text
        )
        message = smtp_server.wait_for(to=owner.email)
        (link,) = message.links()
        assert link.startswith(base)

        chosen = asked.follow(link)
        assert chosen.status_code == 200 and "Choose a new password" in chosen.text
        new = "a brand new long password 2"
        done = asked.submit(str(chosen.url.path), {"new_password1": new, "new_password2": new})
        assert done.headers["location"] == "/" and asked.signed_in
        assert signed_in(attempt(base, owner.email, new, OWNER_HOME))
        assert wrong_password(attempt(base, owner.email, PASSWORD, OWNER_HOME))

        with Visitor(base, address="192.0.2.4") as later:
            reused = later.follow(link)
            assert reused.status_code == 400 and "This link does not work" in reused.text
        asked.close()
        nobody.close()
    assert [m.recipients for m in smtp_server.messages] == [[owner.email]]
    token = link.rsplit("t=", 1)[1]
    assert token not in log.read_text(), "the reset token reached the web server's log"


def test_no_control_socket_is_shared_between_servers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    environment = {"REDIS_URL": "", "HOME": str(home), "XDG_RUNTIME_DIR": ""}
    with (
        web_server(tmp_path / "one.log", **environment) as one,
        web_server(tmp_path / "two.log", **environment) as two,
    ):
        for base in (one, two):
            assert httpx.get(f"{base}/healthz").status_code == 200
        assert not list(home.rglob("*.ctl")), "a control socket at the shared default path"


def _without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
