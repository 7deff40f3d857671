"""Sign-up and password reset by e-mail, through a real SMTP server: the links work once,
expire, and no page tells a visitor whether an address has an account.

Mail is queued by the request and sent by the worker's task (run here in-process with
``deliver_queued_mail``), as in production.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from chartivo.accounts import limits
from chartivo.accounts.tokens import SIGNUP_LINK_SECONDS
from tests.support.mail import SmtpServer, deliver_queued_mail

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes its connection
PASSWORD = "a long password 1"  # the ``owner`` fixture's
GOOD = "correct horse battery staple 7"
_TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def sign_up(client: Client, email: str, password: str = GOOD, ip: str = "203.0.113.7") -> Any:
    return client.post(
        "/account/signup/",
        {"email": email, "password1": password, "password2": password},
        REMOTE_ADDR=ip,
    )


def ask_for_reset(client: Client, email: str, ip: str = "203.0.113.7") -> Any:
    return client.post("/account/password/reset/", {"email": email}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def page(client: Client, response: Any) -> bytes:
    """The page a redirect leads to, without its per-visitor CSRF token."""
    assert response.status_code == 302
    return _TOKEN_FIELD.sub(b"", client.get(response["Location"]).content)


def follow_link(client: Client, link: str) -> Any:
    """Opens a mailed link as the browser does: the link, then where it redirects."""
    path = link.split("://", 1)[1].split("/", 1)[1]
    landing = client.get("/" + path)
    assert landing.status_code == 302
    return client.get(landing["Location"])


# --- Sign-up ---------------------------------------------------------------------------------


def test_sign_up_answers_check_your_email_and_the_link_logs_the_new_user_in(
    mail: SmtpServer, django_user_model: Any
) -> None:
    client = Client()
    answered = sign_up(client, "Ada@Example.com")
    assert answered.status_code == 302 and answered["Location"] == "/account/signup/sent/"
    assert "Check your email" in client.get(answered["Location"]).text
    assert not signed_in(client)
    assert not django_user_model.objects.get(email="ada@example.com").is_active

    deliver_queued_mail()
    message = mail.wait_for(to="ada@example.com")
    assert message["Subject"] == "Confirm your email to start using Chartivo"
    assert message["From"] == "Chartivo <noreply@chartivo.test>"
    (link,) = message.links()

    confirm = follow_link(client, link)
    assert "Confirm ada@example.com" in confirm.text.replace("<strong>", "").replace(
        "</strong>", ""
    )
    assert not signed_in(client), "opening the link alone (a mail scanner) changes nothing"
    confirmed = client.post("/account/signup/confirm/", {"password": GOOD})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/" and signed_in(client)
    assert "Home" in client.get("/").text

    # The link works once.
    again = Client()
    assert follow_link(again, link).status_code == 400
    # And the account logs in with its password like any other.
    assert (
        Client()
        .post("/account/login/", {"username": "ada@example.com", "password": GOOD})
        .status_code
        == 302
    )


def test_sign_up_with_an_address_that_has_an_account_looks_the_same_and_tells_its_owner(
    mail: SmtpServer, owner: Any
) -> None:
    new, taken = Client(), Client()
    new_page = page(new, sign_up(new, "newcomer@example.com"))
    taken_page = page(taken, sign_up(taken, "OWNER@example.com", "another strong password 9"))
    assert new_page == taken_page
    assert not signed_in(taken)
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD), "a sign-up never changes an account in use"

    deliver_queued_mail()
    notice = mail.wait_for(to=owner.email)
    assert notice["Subject"] == "You already have a Chartivo account"
    assert "Nothing was changed" in notice.text
    assert [link.rsplit("/", 3)[-3:] for link in notice.links()] == [
        ["account", "login", ""],
        ["password", "reset", ""],
    ]


def test_a_newer_sign_up_for_a_waiting_address_replaces_the_older_one(mail: SmtpServer) -> None:
    squatter, owner = Client(), Client()
    sign_up(squatter, "grace@example.com", "the squatters password 1")
    deliver_queued_mail()
    (squatters_link,) = mail.wait_for(to="grace@example.com").links()
    sign_up(owner, "grace@example.com", GOOD)
    deliver_queued_mail()
    (owners_link,) = mail.wait_for(to="grace@example.com", count=2).links()

    assert follow_link(Client(), squatters_link).status_code == 400
    assert follow_link(owner, owners_link).status_code == 200
    assert owner.post("/account/signup/confirm/", {"password": GOOD}).status_code == 302
    login = Client().post("/account/login/", {"username": "grace@example.com", "password": GOOD})
    assert login.status_code == 302


def test_a_stranger_who_signs_up_an_address_cannot_have_its_owner_confirm_their_password(
    mail: SmtpServer,
) -> None:
    owner, stranger = Client(), Client()
    sign_up(owner, "lin@example.com", GOOD)
    sign_up(stranger, "lin@example.com", "the strangers password 1", ip="198.51.100.9")
    deliver_queued_mail()
    newest = mail.wait_for(to="lin@example.com", count=2).links()[-1]

    # The owner opens the newest link in their mailbox: it asks for their password.
    assert follow_link(owner, newest).status_code == 200
    refused = owner.post("/account/signup/confirm/", {"password": GOOD})
    assert refused.status_code == 400
    assert "That is not the password this sign-up was made with" in refused.text
    assert not signed_in(owner)
    stranger_login = {"username": "lin@example.com", "password": "the strangers password 1"}
    assert Client().post("/account/login/", stranger_login).status_code != 302

    # Signing up again sends a link that confirms the owner's own password.
    sign_up(owner, "lin@example.com", GOOD)
    deliver_queued_mail()
    latest = mail.wait_for(to="lin@example.com", count=3).links()[-1]
    assert follow_link(owner, latest).status_code == 200
    assert owner.post("/account/signup/confirm/", {"password": GOOD}).status_code == 302
    assert Client().post("/account/login/", stranger_login).status_code != 302


def test_sign_ups_never_confirmed_are_forgotten_once_their_links_have_long_expired(
    mail: SmtpServer, django_user_model: Any
) -> None:
    sign_up(Client(), "old@example.com")
    stale = timezone.now() - timedelta(seconds=2 * SIGNUP_LINK_SECONDS + 60)
    django_user_model.objects.filter(email="old@example.com").update(date_joined=stale)
    sign_up(Client(), "recent@example.com", ip="198.51.100.20")
    assert not django_user_model.objects.filter(email="old@example.com").exists()
    assert django_user_model.objects.filter(email="recent@example.com").exists()


def test_a_mailbox_gets_at_most_a_few_account_messages_an_hour(mail: SmtpServer) -> None:
    for number in range(limits.MAIL_RECIPIENT.most + 3):
        # From many places, as a mail-bomber would (one place meets the sign-up limit).
        answered = sign_up(Client(), "target@example.com", f"{GOOD} {number}", f"192.0.2.{number}")
        assert answered["Location"] == "/account/signup/sent/"
    deliver_queued_mail()
    mail.wait_for(to="target@example.com", count=limits.MAIL_RECIPIENT.most)
    assert len(mail.to("target@example.com")) == limits.MAIL_RECIPIENT.most


# --- Password reset ------------------------------------------------------------------------


def test_a_reset_link_sets_a_new_password_once_and_logs_in(mail: SmtpServer, owner: Any) -> None:
    client = Client()
    answered = ask_for_reset(client, "Owner@Example.com")
    assert answered["Location"] == "/account/password/reset/sent/"
    deliver_queued_mail()
    message = mail.wait_for(to=owner.email)
    assert message["Subject"] == "Reset your Chartivo password"
    (link,) = message.links()
    assert "/account/reset/?u=" in link, "the token travels in the query string (never logged)"

    form = follow_link(client, link)
    assert form.status_code == 200 and "Choose a new password" in form.text
    new = "a brand new long password 2"
    done = client.post("/account/reset/password/", {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/" and signed_in(client)
    owner.refresh_from_db()
    assert owner.check_password(new)

    reused = follow_link(Client(), link)
    assert reused.status_code == 400 and "This link does not work" in reused.text


def test_a_reset_link_expires_after_an_hour(owner: Any, settings: Any) -> None:
    generator = default_token_generator
    sent = generator._num_seconds(generator._now()) - settings.PASSWORD_RESET_TIMEOUT - 1
    # A link mailed an hour and a second ago (Django's own token, dated then).
    old_token = generator._make_token_with_timestamp(owner, sent, generator.secret)
    fresh_token = generator.make_token(owner)
    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    for token, expected in ((old_token, 400), (fresh_token, 200)):
        client = Client()
        landing = client.get(f"/account/reset/?u={uid}&t={token}")
        assert client.get(landing["Location"]).status_code == expected


def test_reset_answers_the_same_for_an_address_without_an_account_and_mails_nothing(
    mail: SmtpServer, owner: Any
) -> None:
    known, unknown = Client(), Client()
    assert page(known, ask_for_reset(known, owner.email)) == page(
        unknown, ask_for_reset(unknown, "nobody@example.com")
    )
    deliver_queued_mail()
    mail.wait_for(to=owner.email)
    assert [m.recipients for m in mail.messages] == [[owner.email]]


def test_reset_requests_from_one_address_are_limited(mail: SmtpServer) -> None:
    for number in range(limits.RESET_ADDRESS.most):
        assert ask_for_reset(Client(), f"someone{number}@example.com").status_code == 302
    blocked = ask_for_reset(Client(), "one.more@example.com")
    assert blocked.status_code == 429 and "Too many reset requests" in blocked.text
    assert ask_for_reset(Client(), "one.more@example.com", ip="192.0.2.8").status_code == 302


def test_a_reset_lets_the_owner_back_in_while_strangers_are_refused(
    mail: SmtpServer, owner: Any
) -> None:
    for place in range(limits.LOGIN_ACCOUNT_FROM_UNKNOWN_PLACES.most):
        Client().post(
            "/account/login/",
            {"username": owner.email, "password": "a guess"},
            REMOTE_ADDR=f"198.51.100.{place}",
        )
    traveller = Client()
    refused = traveller.post(
        "/account/login/", {"username": owner.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert refused.status_code == 429 and "reset your password by email" in refused.text
    ask_for_reset(traveller, owner.email, ip="192.0.2.9")
    deliver_queued_mail()
    (link,) = mail.wait_for(to=owner.email).links()
    follow_link(traveller, link)
    new = "a brand new long password 2"
    traveller.post("/account/reset/password/", {"new_password1": new, "new_password2": new})
    assert signed_in(traveller)
    again = Client().post(
        "/account/login/", {"username": owner.email, "password": new}, REMOTE_ADDR="192.0.2.77"
    )
    assert again.status_code == 302, "the new password is not held back by old guesses"


def test_strangers_using_up_a_mailbox_share_do_not_keep_its_owner_from_a_reset_link(
    mail: SmtpServer, owner: Any
) -> None:
    at_home = Client()
    logged_in = at_home.post(
        "/account/login/", {"username": owner.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.50"
    )
    assert logged_in.status_code == 302
    at_home.post("/account/logout/", REMOTE_ADDR="192.0.2.50")
    for place in range(limits.MAIL_RECIPIENT.most + 2):
        ask_for_reset(Client(), owner.email, ip=f"198.51.100.{place}")
    deliver_queued_mail()
    mail.wait_for(to=owner.email, count=limits.MAIL_RECIPIENT.most)

    ask_for_reset(Client(), owner.email, ip="192.0.2.50")
    deliver_queued_mail()
    mail.wait_for(to=owner.email, count=limits.MAIL_RECIPIENT.most + 1)
    assert len(mail.to(owner.email)) == limits.MAIL_RECIPIENT.most + 1


# --- E-mail off ----------------------------------------------------------------------------


def test_with_e_mail_off_the_reset_page_says_to_contact_support(owner: Any) -> None:
    shown = Client().get("/account/password/reset/")
    assert "Reset by email is not available" in shown.text and "support@chartivo.io" in shown.text
    posted = Client().post("/account/password/reset/", {"email": owner.email})
    assert posted.status_code == 200 and "Reset by email is not available" in posted.text


def test_with_e_mail_off_sign_up_signs_a_new_address_straight_in(django_user_model: Any) -> None:
    client = Client()
    assert sign_up(client, "solo@example.com").status_code == 302 and signed_in(client)


def test_made_up_links_open_no_session(owner: Any) -> None:
    from django.contrib.sessions.models import Session

    for path in ("/account/reset/?u=MQ&t=made-up", "/account/signup/confirm/?t=made-up"):
        client = Client()
        landing = client.get(path)
        assert client.get(landing["Location"]).status_code == 400
    assert Session.objects.count() == 0
