"""The Alerts pages: owners and admins add, change and delete rules, viewers read them;
the form's errors in plain words; a signed webhook's secret shown only to a manager who
asks, in the answer to a POST; alert e-mails turned off from the profile or from a
message's one-click link, with nothing else changed."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from chartivo.accounts.models import User
from chartivo.alerts import signing
from chartivo.alerts.models import SIGNED, AlertRule
from chartivo.alerts.recipients import alert_recipients
from chartivo.digests.models import MailPreference
from chartivo.digests.preferences import mail_preference_of
from chartivo.digests.unsubscribe import ALERTS, unsubscribe_link
from chartivo.integrations.stripe.connect import connect
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import VIEWER, Membership
from tests.alerts.rules_support import make_rule

pytestmark = pytest.mark.django_db
SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{20,}")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def viewer(owner: Any) -> User:
    user = User.objects.create_user("viewer@example.com", "a long password 1")
    organisation = home_organisation(owner).organisation
    Membership.objects.create(organisation=organisation, user=user, role=VIEWER)
    return user


def _form(**changes: str) -> dict[str, str]:
    return {
        "name": "Big refunds",
        "metric": "refunds",
        "account": "",
        "currency": "USD",
        "condition": "above",
        "threshold": "500",
        "window": "day",
        "time_zone": "Europe/Paris",
        "notify_email": "on",
        "webhook_url": "",
        "webhook_format": "slack",
        "daily_cap": "4",
        "enabled": "on",
        **changes,
    }


def test_viewers_read_the_rules_and_cannot_change_them(owner: Any, viewer: User) -> None:
    rule = make_rule(
        owner,
        name="Failed payments",
        metric="failed_payment_rate",
        condition="above",
        threshold="5",
        window="day",
        webhook_url="https://hooks.example.com/private-path",
        webhook_format="slack",
    )
    client = _client(viewer)
    listing = client.get("/alerts/").content.decode()
    assert "Failed payments" in listing and "Failed-payment rate over the last 24 hours" in listing
    assert "Add a rule" not in listing and "Add this rule" not in listing
    page = client.get(f"/alerts/{rule.pk}/").content.decode()
    assert "private-path" not in page  # the webhook's address is the managers' business
    assert f'href="/alerts/{rule.pk}/edit/"' not in page
    for path in ("/alerts/new/", f"/alerts/{rule.pk}/edit/", f"/alerts/{rule.pk}/delete/"):
        assert client.post(path, _form()).status_code == 403
    assert client.post("/alerts/ready-made/", {"preset": "visa_disputes"}).status_code == 403
    assert AlertRule.objects.count() == 1


def test_the_form_explains_what_is_missing_and_saves_a_rule(owner: Any) -> None:
    client = _client(owner)
    refused = client.post("/alerts/new/", _form(currency=""))
    assert refused.status_code == 400
    assert "Choose the currency to watch, such as USD." in refused.content.decode()
    refused = client.post("/alerts/new/", _form(condition="unusual", window="month"))
    assert "choose the last hour, 24 hours or 7 days" in refused.content.decode()
    refused = client.post("/alerts/new/", _form(notify_email=""))
    assert "Choose at least one way to be told" in refused.content.decode()
    refused = client.post("/alerts/new/", _form(threshold=""))
    assert "Give the value that sets the alert off." in refused.content.decode()
    assert not AlertRule.objects.exists()

    saved = client.post("/alerts/new/", _form())
    rule = AlertRule.objects.get()
    assert saved["Location"] == f"/alerts/{rule.pk}/"
    assert (rule.metric, rule.currency, rule.connection_id) == ("refunds", "usd", None)
    assert rule.threshold == Decimal("500")
    page = client.get(saved["Location"]).content.decode()
    assert "Refunds over the last 24 hours are above 500 USD" in page
    assert "Waiting for the next sync" in page

    # Deleting asks first.
    assert "Delete “Big refunds”?" in client.get(f"/alerts/{rule.pk}/delete/").content.decode()
    assert client.post(f"/alerts/{rule.pk}/delete/").status_code == 302
    assert not AlertRule.objects.exists()


def test_a_signed_webhook_secret_is_shown_to_a_manager_who_asks_and_can_be_rotated(
    owner: Any,
) -> None:
    client = _client(owner)
    client.post(
        "/alerts/new/",
        _form(webhook_url="https://hooks.example.com/in", webhook_format=SIGNED),
    )
    rule = AlertRule.objects.get()
    secret = signing.open_secret(rule)
    page = client.get(f"/alerts/{rule.pk}/").content.decode()
    assert SECRET.search(page) is None and "Reveal signing secret" in page
    revealed = client.post(f"/alerts/{rule.pk}/secret/", {"action": "reveal"})
    assert "no-store" in revealed["Cache-Control"]
    assert SECRET.findall(revealed.content.decode()) == [secret]
    rotated = client.post(f"/alerts/{rule.pk}/secret/", {"action": "rotate"})
    rule.refresh_from_db()
    assert SECRET.findall(rotated.content.decode()) == [signing.open_secret(rule)] != [secret]


def test_another_organisations_rule_does_not_exist_for_a_member(owner: Any) -> None:
    rule = make_rule(owner, name="Ours", metric="disputes", condition="above", threshold="1")
    stranger = User.objects.create_user("stranger@example.com", "a long password 1")
    client = _client(stranger)
    assert "Ours" not in client.get("/alerts/").content.decode()
    for path in (f"/alerts/{rule.pk}/", f"/alerts/{rule.pk}/edit/", f"/alerts/{rule.pk}/delete/"):
        assert client.get(path).status_code in (403, 404)
    assert alert_recipients(rule) == [owner]


def test_alert_emails_turn_off_from_the_profile_or_one_click_and_nothing_else_changes(
    owner: Any, viewer: User, settings: Any
) -> None:
    rule = make_rule(owner, name="Any", metric="disputes", condition="above", threshold="1")
    assert alert_recipients(rule) == [owner, viewer]
    before = mail_preference_of(viewer)

    # One click from the message: a POST with no session, as a mail provider makes it.
    link = unsubscribe_link(viewer.pk, ALERTS)
    path = link.removeprefix(settings.SITE_URL)
    opened = Client().get(path)
    assert "Stop alert e-mails?" in opened.content.decode()
    assert MailPreference.objects.get(user=viewer).alerts is True  # opening changes nothing
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    after = MailPreference.objects.get(user=viewer)
    assert after.alerts is False
    assert (after.digest, after.time_zone) == (before.digest, before.time_zone)
    assert alert_recipients(rule) == [owner]

    # The profile's checkbox, both ways.
    client = _client(owner)
    form = {"time_zone": "Europe/Paris", "digest": "weekly"}
    assert client.post("/account/profile/", form).status_code == 302
    assert MailPreference.objects.get(user=owner).alerts is False
    assert alert_recipients(rule) == []
    page = client.get("/account/profile/").content.decode()
    assert 'name="alerts" id="id_alerts" aria-describedby' in page  # unchecked
    assert client.post("/account/profile/", {**form, "alerts": "on"}).status_code == 302
    assert alert_recipients(rule) == [owner]


def test_a_ready_made_rule_needs_a_stripe_account_and_is_added_once(
    owner: Any, stripe_api: Any
) -> None:
    client = _client(owner)
    client.post("/alerts/ready-made/", {"preset": "mastercard_disputes"})
    assert not AlertRule.objects.exists()
    account = stripe_api.control.create_account(seed="alert-pages", charges=10)
    connect(owner, account.keys["restricted"])
    response = client.post("/alerts/ready-made/", {"preset": "mastercard_disputes"})
    rule = AlertRule.objects.get()
    assert response["Location"] == f"/alerts/{rule.pk}/"
    assert (rule.metric, rule.condition) == ("dispute_rate", "above")
    assert rule.threshold == Decimal("1.25")
    # Once added, the ready-made rule links to it; a second click opens it, adds no copy.
    listing = client.get("/alerts/").content.decode()
    assert f'href="/alerts/{rule.pk}/" aria-label="Added: open the rule' in listing
    assert 'value="mastercard_disputes"' not in listing and 'value="visa_disputes"' in listing
    again = client.post("/alerts/ready-made/", {"preset": "mastercard_disputes"})
    assert again["Location"] == f"/alerts/{rule.pk}/" and AlertRule.objects.count() == 1
