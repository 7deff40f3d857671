"""One alert e-mail: what fired or recovered, in words and figures, with a link to the
dashboard at the rule's window and the one-click unsubscribe headers (RFC 8058).

Built from the event's stored fields only (aggregates in words), the rule's name and the
recipient's own address: no customer, no Stripe object or account id, no other member.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from chartivo.alerts.conditions import zone_of
from chartivo.alerts.models import FIRED, AlertDelivery, AlertEvent, AlertRule
from chartivo.digests.content import subject_mode
from chartivo.digests.unsubscribe import ALERTS, unsubscribe_headers, unsubscribe_link
from chartivo.integrations.stripe.models import StripeConnection

_ADDRESS = re.compile(r"[^\s@<>]+@([^\s@<>]+)")


def without_addresses(text: str) -> str:
    """Names written by members (an organisation is named after its first member's address
    by default, a rule by whoever made it): only the domain of an address is kept, as an
    alert goes to every member and must carry no address but its recipient's."""
    return _ADDRESS.sub(lambda match: match.group(1), text)


def mode_prefix(rule: AlertRule) -> str:
    """The subject's mode for the data the rule watches (``subject_mode``)."""
    if rule.connection_id is not None:
        connections = [c for c in [rule.connection] if c is not None]
    else:
        connections = list(StripeConnection.objects.filter(organisation_id=rule.organisation_id))
    return subject_mode({c.mode for c in connections})


def account_words(rule: AlertRule) -> str:
    """The account in words: its name in the Stripe Dashboard, never its id."""
    connection = rule.connection
    if connection is None:
        return "all accounts"
    if connection.display_name:
        return f"{connection.display_name} ({connection.mode_label})"
    return f"your {connection.mode_label} Stripe account"


def window_words(event: AlertEvent, zone: ZoneInfo) -> str:
    start = datetime.fromtimestamp(event.window_start, UTC).astimezone(zone)
    end = datetime.fromtimestamp(event.window_end, UTC).astimezone(zone)
    if start.date() == end.date():
        return f"{start:%a %-d %b %Y, %H:%M}–{end:%H:%M} ({zone.key})"
    return f"{start:%a %-d %b %H:%M} – {end:%a %-d %b %Y %H:%M} ({zone.key})"


def dashboard_link(event: AlertEvent) -> str:
    """Home over the local days the window touches, in the rule's zone and account."""
    rule = event.rule
    zone = zone_of(rule)
    first = datetime.fromtimestamp(event.window_start, UTC).astimezone(zone).date()
    # The window ends at an instant; its last local day is the one before when it ends
    # at midnight.
    last = (datetime.fromtimestamp(event.window_end, UTC) - timedelta(seconds=1)).astimezone(zone)
    params = {
        "range": "custom",
        "from": f"{first:%Y-%m-%d}",
        "to": f"{max(first, last.date()):%Y-%m-%d}",
        "tz": zone.key,
        "compare": "previous_period",
        "organisation": str(rule.organisation_id),
    }
    if rule.connection_id is not None:
        params["account"] = str(rule.connection_id)
    return f"{settings.SITE_URL}{reverse('home')}?{urlencode(params)}"


def rule_link(rule: AlertRule) -> str:
    query = urlencode({"organisation": str(rule.organisation_id)})
    return f"{settings.SITE_URL}{reverse('alert_detail', args=[rule.pk])}?{query}"


def subject_of(event: AlertEvent) -> str:
    rule = event.rule
    name = without_addresses(rule.name)
    what = "Alert" if event.kind == FIRED else "Recovered"
    return f"{mode_prefix(rule)}{what}: {name} ({event.value})"


def alert_email(delivery: AlertDelivery) -> EmailMultiAlternatives:
    """The message of one e-mail delivery, to its recipient only."""
    event = delivery.event
    rule = event.rule
    recipient = delivery.recipient
    if recipient is None:
        raise ValueError("an e-mail delivery has a recipient")
    zone = zone_of(rule)
    context = {
        "fired": event.kind == FIRED,
        "rule_name": without_addresses(rule.name),
        "organisation": without_addresses(rule.organisation.name),
        "account": account_words(rule),
        "mode": mode_prefix(rule).strip(" []"),
        "value": event.value,
        "expected": event.expected,
        "summary": without_addresses(event.summary),
        "window": window_words(event, zone),
        "at": f"{event.at.astimezone(zone):%a %-d %b %Y, %H:%M} ({zone.key})",
        "dashboard": dashboard_link(event),
        "rule_link": rule_link(rule),
        "profile": f"{settings.SITE_URL}{reverse('profile')}",
        "unsubscribe": unsubscribe_link(recipient.pk, ALERTS),
    }
    message = EmailMultiAlternatives(
        subject=subject_of(event),
        body=render_to_string("alerts/email/alert.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Auto-Submitted": "auto-generated", **unsubscribe_headers(recipient.pk, ALERTS)},
    )
    message.attach_alternative(render_to_string("alerts/email/alert.html", context), "text/html")
    return message
