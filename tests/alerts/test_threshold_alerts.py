"""A threshold rule from first sync to recovery, through the worker and a real SMTP server
and HTTP receiver: it fires once (one e-mail per member, one webhook request), stays quiet
while the breach holds, and says it recovered when the sandbox's data changes. Figures are
checked against the sandbox's own objects; no message carries a key, an object id,
anything of a customer or another member's address; another organisation gets nothing."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from chartivo.accounts.models import User
from chartivo.alerts.evaluate import evaluate_connection
from chartivo.alerts.models import ABOVE, FIRED, RECOVERED, SLACK, WEEK, AlertEvent
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import VIEWER, Membership
from tests.alerts.delivery_rows import run_alert_queue
from tests.alerts.rules_support import (
    assert_private,
    charge,
    connected,
    everything,
    make_rule,
    next_quarter,
    refresh,
    sdk,
    snapshot,
    window_of,
)
from tests.browser.headline_reference import figures, percent_text, rate
from tests.support.mail import SENDER, SmtpServer
from tests.support.receiver import WebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


def _refund_rate(snap: Any, event: AlertEvent) -> Fraction:
    found = rate("Refund rate", figures(snap, window_of(event)))
    assert found is not None
    return found


def _sent(mail: SmtpServer, user: User) -> list[Any]:
    return mail.to(user.email)


def test_a_refund_rate_rule_fires_once_stays_quiet_and_recovers_when_charges_come_in(
    owner: Any, owner_client: Client, stripe_api: Any, mail: SmtpServer
) -> None:
    organisation = home_organisation(owner).organisation
    viewer = User.objects.create_user("viewer@example.com", "a long password 1")
    Membership.objects.create(organisation=organisation, user=viewer, role=VIEWER)
    outsider = User.objects.create_user("outsider@example.com", "a long password 1")
    home_organisation(outsider)  # an organisation of their own, with no rule

    account, connection = connected(owner, stripe_api, seed="alert-refund-rate", charges=300)
    week = (next_quarter() - timedelta(days=7), next_quarter())
    so_far = figures(snapshot(stripe_api, account), week)
    week_rate = rate("Refund rate", so_far)
    assert week_rate is not None and week_rate > 0
    # Three quarters of this week's refund rate: breached from the next refresh on.
    threshold = Decimal(float(week_rate) * 75).quantize(Decimal("0.01"))
    with WebhookReceiver() as receiver:
        rule = make_rule(
            owner,
            name="Refunds climbing",
            metric="refund_rate",
            condition=ABOVE,
            threshold=threshold,
            window=WEEK,
            webhook_url=receiver.url,
            webhook_format=SLACK,
        )
        refresh(connection)
        (fired,) = AlertEvent.objects.filter(rule=rule)
        assert (fired.kind, fired.capped) == (FIRED, False)
        snap = snapshot(stripe_api, account)
        assert fired.value == percent_text(_refund_rate(snap, fired))
        assert fired.window_end - fired.window_start == 7 * 86_400
        assert fired.window_end % 900 == 0
        run_alert_queue()

        # One message per member, none outside the organisation; one webhook request.
        for member in (owner, viewer):
            (message,) = _sent(mail, member)
            assert message["Subject"] == f"[Sandbox] Alert: Refunds climbing ({fired.value})"
            assert message["To"] == member.email
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert f"Value: {fired.value}" in message.text
            assert f"The rule: {threshold}% or less" in message.text
        assert _sent(mail, outsider) == []
        assert len(receiver.received) == 1

        # The link opens Home at the window, for the organisation.
        link = next(u for u in _sent(mail, owner)[0].links() if "range=custom" in u)
        parts = urlsplit(link)
        assert owner_client.get(f"{parts.path}?{parts.query}").status_code == 200

        # The breach holds: another refresh writes nothing and sends nothing.
        refresh(connection)
        run_alert_queue()
        assert AlertEvent.objects.filter(rule=rule).count() == 1
        assert len(_sent(mail, owner)) == 1 and len(receiver.received) == 1

        # Charges come in through the sandbox's Stripe API until the rate is well below
        # the threshold; the first refresh after the quarter-hour closes sees them.
        counted = figures(snap, window_of(fired))
        client = sdk(stripe_api, account)
        for _ in range(math.ceil(counted.succeeded * 0.6) + 5):
            charge(client)
        refresh(connection)
        assert AlertEvent.objects.filter(rule=rule).count() == 1  # not complete yet
        (recovered,) = evaluate_connection(connection.pk, now=next_quarter())
        assert recovered.kind == RECOVERED
        snap = snapshot(stripe_api, account)
        assert recovered.value == percent_text(_refund_rate(snap, recovered))
        assert _refund_rate(snap, recovered) * 100 <= threshold
        run_alert_queue()
        rule.refresh_from_db()
        assert not rule.breached and rule.last_status == "ok"

    for member in (owner, viewer):
        first, second = _sent(mail, member)
        assert second["Subject"] == f"[Sandbox] Recovered: Refunds climbing ({recovered.value})"
        for message in (first, second):
            assert_private(
                everything(message),
                keys=account.keys,
                snap=snap,
                allowed={member.email, SENDER.split("<")[1].rstrip(">")},
            )
    assert len(receiver.received) == 2
    for request in receiver.received:
        assert_private(request.as_text, keys=account.keys, snap=snap, allowed=set())
    assert _sent(mail, outsider) == []

    # The outsider's organisation neither lists nor opens the rule.
    stranger = Client()
    stranger.force_login(outsider, backend="django.contrib.auth.backends.ModelBackend")
    assert "Refunds climbing" not in stranger.get("/alerts/").content.decode()
    assert stranger.get(f"/alerts/{rule.pk}/").status_code == 404
