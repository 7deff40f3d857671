"""Alert e-mails through a real SMTP server: one message per member who gets alerts, sent
by the worker; none when e-mail is off on the server (the log says why); an SMTP server
that cannot be reached is tried again later, and the member still gets one message."""

from __future__ import annotations

from typing import Any

import pytest

from chartivo.accounts.models import User
from chartivo.alerts import sweep
from chartivo.alerts.delivery import queue_event
from chartivo.alerts.models import EMAIL, RETRYING, SENT, SKIPPED, AlertDelivery, AlertRule
from chartivo.digests.models import MailPreference
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import VIEWER, Membership
from tests.alerts.delivery_rows import event_of, run_alert_queue, webhook_rule
from tests.support.mail import SmtpServer
from tests.support.receiver import WebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


def _email_rule(owner: Any, url: str = "") -> AlertRule:
    rule, _ = webhook_rule(owner, url)
    rule.notify_email = True
    rule.save(update_fields=["notify_email"])
    return rule


def _member(owner: Any, email: str) -> User:
    member = User.objects.create_user(email, "a long password 1")
    organisation = home_organisation(owner).organisation
    Membership.objects.create(organisation=organisation, user=member, role=VIEWER)
    return member


def test_each_member_who_gets_alerts_gets_one_message_and_the_webhook_one_request(
    owner: Any, mail: SmtpServer
) -> None:
    viewer = _member(owner, "viewer@example.com")
    quiet = _member(owner, "quiet@example.com")
    MailPreference.objects.create(user=quiet, alerts=False)
    with WebhookReceiver() as receiver:
        rule = _email_rule(owner, receiver.url)
        queue_event(event_of(rule))
        run_alert_queue()
    rows = AlertDelivery.objects.order_by("channel", "recipient__email")
    assert [(d.channel, d.recipient and d.recipient.email, d.state) for d in rows] == [
        (EMAIL, "owner@example.com", SENT),
        (EMAIL, "viewer@example.com", SENT),
        ("webhook", None, SENT),
    ]
    for member in (owner, viewer):
        (message,) = mail.to(member.email)
        assert "Refund rate watch" in str(message["Subject"])
        assert "2.40%" in message.text
    assert mail.to(quiet.email) == []
    assert len(receiver.received) == 1


def test_with_e_mail_off_the_log_says_so_and_nothing_is_sent(owner: Any, settings: Any) -> None:
    settings.EMAIL_ENABLED = False
    rule = _email_rule(owner)
    queue_event(event_of(rule))
    run_alert_queue()
    (row,) = AlertDelivery.objects.all()
    assert (row.channel, row.state, row.last_error, row.attempts) == (
        EMAIL,
        SKIPPED,
        "e-mail is off on this server",
        0,
    )


def test_an_smtp_server_that_cannot_be_reached_is_tried_again_and_sends_once(
    owner: Any, settings: Any
) -> None:
    rule = _email_rule(owner)
    with SmtpServer() as server:
        server.use_in_django(settings)
    # The server has stopped: the first try finds no one listening.
    queue_event(event_of(rule))
    run_alert_queue()
    row = AlertDelivery.objects.get()
    assert (row.state, row.last_error) == (RETRYING, "ConnectionRefusedError")
    assert row.next_attempt_at is not None
    with SmtpServer() as server:
        server.use_in_django(settings)
        sweep.tick(row.next_attempt_at)
        run_alert_queue()
        assert len(server.to(owner.email)) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (SENT, 2)
    assert [a.outcome for a in row.attempt_log.all()] == ["failed", "sent"]
