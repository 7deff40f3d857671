"""A weekly digest for a merchant in Kathmandu (UTC+05:45): queued once at 08:00 on Monday
their time, sent through a real SMTP server with figures equal to an independent
computation from the sandbox's objects and to what Home shows for the same range; its
sparklines inline, its unsubscribe one click; and nothing of a customer, an object or the
key in it."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from chartivo.digests.models import NONE, SENT, DigestDelivery, MailPreference
from chartivo.digests.schedule import tick
from chartivo.integrations.stripe.connect import connect
from tests.browser.guide import plain_number
from tests.browser.headline_reference import (
    AMOUNTS,
    COUNTS,
    RATES,
    amount_text,
    figures,
    percent_text,
    rate,
)
from tests.conftest import run_worker
from tests.digests.conftest import KATHMANDU, last_monday_at, run_digest_queue, subscribe
from tests.support.mail import SmtpServer
from tests.support.privacy import personal
from tests.support.reference import list_everything, local_midnight

pytestmark = pytest.mark.django_db(transaction=True)
LINE = re.compile(r"^(?P<label>[A-Z][A-Za-z -]+): (?P<value>.+)$", re.MULTILINE)
OBJECT_ID = re.compile(r"\b(?:ch|cus|re|dp|du|txn|evt|po|py|pi|pm|card|src|acct)_[A-Za-z0-9]{8,}")


def _values(text: str) -> dict[str, str]:
    return {m["label"]: m["value"] for m in LINE.finditer(text)}


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no HTML part"
    return str(part.get_content())


def test_a_weekly_digest_in_kathmandu_goes_once_at_eight_with_the_figures_of_home(
    owner: Any, owner_client: Client, stripe_api: Any, mail: SmtpServer
) -> None:
    account = stripe_api.control.create_account(seed="digest-kathmandu", charges=400, days=30)
    key = account.keys["restricted"]
    connect(owner, key)
    run_worker()
    monday = last_monday_at(8, 0, KATHMANDU, before=timezone.now() - timedelta(hours=1))
    # Weekly by default once Stripe is connected, in the zone the dashboard was looked at in;
    # due from then on (nothing of the past is sent out of the blue).
    owner_client.get("/?range=last_7_days&tz=Asia/Kathmandu")
    assert tick() == 0
    made = MailPreference.objects.get(user=owner)
    assert (made.digest, made.time_zone) == ("weekly", "Asia/Kathmandu")
    subscribe(owner, zone="Asia/Kathmandu", since=monday - timedelta(days=1))

    # Queued at 08:00 Monday in Kathmandu (02:15 UTC), not a minute before, and only once
    # however often and however many schedulers tick after.
    assert tick(monday - timedelta(minutes=1)) == 0
    assert tick(monday) == 1
    assert tick(monday) == 0
    run_digest_queue()
    assert tick(monday + timedelta(hours=3)) == 0
    run_digest_queue()
    assert len(mail.to(owner.email)) == 1
    received = mail.wait_for(to=owner.email)
    message = received.message
    delivery = DigestDelivery.objects.get()
    assert (delivery.state, delivery.frequency) == (SENT, "weekly")

    # The week is the ISO week before that Monday, in Kathmandu's own days.
    first = monday.date() - timedelta(days=7)
    week = (local_midnight(first, KATHMANDU), local_midnight(first + timedelta(7), KATHMANDU))
    before = (local_midnight(first - timedelta(7), KATHMANDU), week[0])
    assert delivery.period_start == first
    assert received["Subject"].startswith("[Sandbox] ")
    assert "weekly" in received["Subject"]

    snapshot = list_everything(stripe_api.api_base, key)
    now, then = figures(snapshot, week), figures(snapshot, before)
    busiest = now.succeeded_by_currency
    currency = sorted(busiest, key=lambda code: (-busiest[code], code))[0]
    text = received.text.replace("\r\n", "\n")
    shown = _values(text)
    assert f"Amounts in {currency.upper()}" in text
    for label in AMOUNTS:
        assert plain_number(shown[label]) == amount_text(
            now.amounts[label].get(currency, 0), currency
        )
    for label in COUNTS:
        assert shown[label] == str(now.counts[label]), label
    for label in RATES:
        expected = rate(label, now)
        assert shown[label] == (percent_text(expected) if expected is not None else "—"), label
    # Against the week before: "… from <the previous value>".
    for label in AMOUNTS:
        line = text.split(f"\n{label}: ", 1)[1].split("\n", 2)[1]
        previous = then.amounts[label].get(currency, 0)
        if previous != now.amounts[label].get(currency, 0):
            assert plain_number(line.rsplit(" from ", 1)[1]) == amount_text(previous, currency)
    # The history (30 days) does not reach last year, and the digest says so.
    assert "No comparison with the same period last year" in text

    # The link opens Home on that very week, showing the same figures.
    link = next(u for u in received.links() if "range=custom" in u)
    parts = urlsplit(link)
    home = owner_client.get(f"{parts.path}?{parts.query}")
    assert home.status_code == 200
    on_home = {h.label: h.value for h in home.context["headlines"]}
    assert {label: shown[label] for label in on_home} == on_home

    # HTML and text; each sparkline a PNG inside the message, referenced by its CID.
    html = _html(message)
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert len(sources) == len(on_home) and all(s.startswith("cid:") for s in sources)
    images = {
        str(part["Content-ID"]).strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    assert {s.removeprefix("cid:") for s in sources} == set(images)
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images.values())
    assert "<script" not in html.lower()
    assert 'name="viewport"' in html

    # Aggregates and links only: no key, no customer, no object id, no other address.
    raw = received.raw
    assert key not in raw and key[8:] not in raw
    assert not OBJECT_ID.search(raw)
    assert not [value for value in personal(snapshot) if value in raw]
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text + html))
    assert addresses <= {owner.email}, addresses

    # One click, no log-in: RFC 8058's POST turns digests off, and nothing else.
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = urlsplit(re.sub(r"\s", "", str(received["List-Unsubscribe"])).strip("<>"))
    anonymous = Client()
    page = anonymous.get(f"{unsubscribe.path}?{unsubscribe.query}")
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert MailPreference.objects.get(user=owner).digest == "weekly"  # a GET changes nothing
    posted = anonymous.post(
        f"{unsubscribe.path}?{unsubscribe.query}",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert posted.status_code == 200
    preference = MailPreference.objects.get(user=owner)
    assert (preference.digest, preference.time_zone) == (NONE, "Asia/Kathmandu")
    assert anonymous.post(f"{unsubscribe.path}?t=forged").status_code == 400
    assert tick(monday + timedelta(days=7)) == 0
