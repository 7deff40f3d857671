"""What a webhook receives, checked by a real HTTP receiver on loopback: a Slack-compatible
body with the figures in words, and a signed JSON body whose signature the receiver checks
with the secret as the README tells it to; a tampered body or an old timestamp fails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from chartivo.alerts.delivery import queue_event
from chartivo.alerts.models import RECOVERED, SENT, AlertDelivery, AlertRule
from chartivo.alerts.signing import open_secret, seal_secret, signature_header, verify
from chartivo.lib.secretbox import DecryptionError
from tests.alerts.delivery_rows import event_of, run_alert_queue, webhook_rule
from tests.support.database import database_text
from tests.support.receiver import WebhookReceiver, valid_signature

pytestmark = pytest.mark.django_db(transaction=True)


def _is_home_over(link: str, rule: AlertRule, start: datetime) -> None:
    """Home on this site, in the rule's organisation, from the window's first local day."""
    address = urlsplit(link)
    query = parse_qs(address.query)
    assert f"{address.scheme}://{address.netloc}{address.path}" == "https://chartivo.example/"
    assert query["organisation"] == [str(rule.organisation_id)]
    assert (query["range"], query["from"]) == (["custom"], [f"{start:%Y-%m-%d}"])


def test_a_slack_webhook_gets_the_rule_the_figures_the_window_and_a_link(
    owner: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://chartivo.example"
    with WebhookReceiver() as receiver:
        rule, _ = webhook_rule(owner, receiver.url, name="Refunds <high> & rising")
        fired = event_of(rule)
        queue_event(fired)
        assert receiver.received == [], "sent by the worker, not while the event is saved"
        run_alert_queue()
        queue_event(event_of(rule, kind=RECOVERED, value="1.10%"))
        run_alert_queue()

    first, second = receiver.received
    assert first.path == "/hooks/chartivo" and first.answered == 200
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["User-Agent"] == "Chartivo-Webhooks/1"
    assert "Chartivo-Signature" not in first.headers
    text = first.json["text"]
    # The rule's name as plain text (Slack reads <…> as a link), the figure and its limit.
    assert "fired" in text and "*Refunds &lt;high&gt; &amp; rising*" in text
    assert "Refund rate: 2.40% (expected at most 1.50%)" in text
    # The window in the rule's zone, and Home over it in the rule's organisation.
    paris = ZoneInfo("Europe/Paris")
    start = datetime.fromtimestamp(fired.window_start, UTC).astimezone(paris)
    end = datetime.fromtimestamp(fired.window_end, UTC).astimezone(paris)
    assert (
        f"Last 24 hours, {start:%a} {start.day} {start:%b %H:%M} – "
        f"{end:%a} {end.day} {end:%b %Y %H:%M} (Europe/Paris)"
    ) in text
    link = first.json["blocks"][-1]["elements"][0]["url"]
    assert f"<{link}|Open the dashboard>" in text
    _is_home_over(link, rule, start)
    assert "recovered" in second.json["text"] and "1.10%" in second.json["text"]

    deliveries = AlertDelivery.objects.order_by("pk")
    assert [d.state for d in deliveries] == [SENT, SENT]
    assert [d.attempts for d in deliveries] == [1, 1]
    assert [(a.outcome, a.http_status) for a in deliveries[0].attempt_log.all()] == [("sent", 200)]
    # The reply quoted the body; nothing of it is kept.
    assert "this reply quotes" not in database_text()


def test_a_signed_webhook_is_verified_by_its_receiver_and_carries_its_fields(
    owner: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://chartivo.example"
    rule, secret = webhook_rule(owner, "http://placeholder.invalid/", signed=True)
    with WebhookReceiver(secret=secret) as receiver:
        AlertRule.objects.filter(pk=rule.pk).update(webhook_url=receiver.url)
        event = event_of(rule)
        queue_event(event)
        run_alert_queue()

    (got,) = receiver.received
    assert got.signature_valid is True, "the receiver could not verify the signature"
    delivery = AlertDelivery.objects.get()
    body = got.json
    assert body["id"] == delivery.idempotency_id == got.headers["Idempotency-Key"]
    assert len(body["id"]) == 32 and str(delivery.pk) != body["id"]
    assert body["type"] == "alert.fired"
    assert body["rule"] == {
        "name": "Refund rate watch",
        "metric": "refund_rate",
        "metric_label": "Refund rate",
        "condition": "is above",
        "window": "Last 24 hours",
    }
    assert (body["value"], body["expected"]) == ("2.40%", "at most 1.50%")
    assert body["summary"] == event.summary
    start = datetime.fromisoformat(body["window"]["start"])
    end = datetime.fromisoformat(body["window"]["end"])
    assert (start.timestamp(), end.timestamp()) == (event.window_start, event.window_end)
    assert datetime.fromisoformat(body["created"]) == event.at.replace(microsecond=0)
    _is_home_over(body["link"], rule, start.astimezone(ZoneInfo("Europe/Paris")))

    # Chartivo's own check, as a Python receiver could import it: the body as received
    # passes; one changed byte, another secret or a timestamp too old fail.
    header = got.headers["Chartivo-Signature"]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    assert verify(secret, got.body, header)
    assert not verify(secret, got.body.replace(b"2.40%", b"0.40%"), header)
    assert not verify(secret + "x", got.body, header)
    assert not verify(secret, got.body, header, now=timestamp + 301)
    assert verify(secret, got.body, header, now=timestamp + 299)
    assert not verify(secret, got.body, "v1=" + header.split("v1=")[1])  # no timestamp
    assert not valid_signature(secret, got.body + b" ", header)  # the receiver's check too
    old = signature_header(secret, got.body, timestamp - 600)
    assert not valid_signature(secret, got.body, old)


def test_a_signing_secret_is_kept_sealed_and_opens_only_in_its_own_rule(owner: Any) -> None:
    rule, secret = webhook_rule(owner, "https://hooks.example/a", signed=True)
    other, _ = webhook_rule(owner, "https://hooks.example/b", signed=True)
    assert secret.startswith("whsec_") and len(secret) > 40
    assert open_secret(AlertRule.objects.get(pk=rule.pk)) == secret
    assert secret not in database_text() and secret[6:] not in database_text()
    # A sealed secret copied into another rule does not open there.
    other.webhook_secret_sealed = rule.webhook_secret_sealed
    with pytest.raises(DecryptionError):
        open_secret(other)
    with pytest.raises(ValueError, match="save the rule"):
        seal_secret(AlertRule(organisation=rule.organisation, name="new"), secret)
    # A signed rule whose secret no longer opens fails at once, saying what to do.
    other.save(update_fields=["webhook_secret_sealed"])
    queue_event(event_of(other))
    run_alert_queue()
    delivery = AlertDelivery.objects.get(event__rule=other)
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "the signing secret cannot be read: set a new one"
