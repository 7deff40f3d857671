"""Share links against the sandbox: a link shows exactly the owner's numbers; with small
counts hidden, exactly the values of fewer than 3 objects (counted independently from the
sandbox's objects) are withheld; a shared page holds no e-mail, key state or link into the
app; revoked, expired, wrong-password and removed-member links show only a clear page;
embeds send frame-ancestors for the listed origins alone; PNG, SVG and CSV exports open
and say what they hold; a dashboard link shows Home's charts, read-only, with the owner's
numbers and small counts hidden per card."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL.PngImagePlugin import PngImageFile

from chartivo.charts.models import Chart
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import ADMIN, VIEWER, Membership
from chartivo.sharing.models import ShareLink
from tests.conftest import run_worker
from tests.support.reference import list_everything

pytestmark = pytest.mark.django_db(transaction=True)

VIEW = "range=last_30_days&tz=UTC&compare=none&granularity=day"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def share(client: Client, query: str, **options: Any) -> str:
    """Makes a link with the form, as a user would; returns its address's path."""
    form = client.get(f"/sharing/new/?{query}").content.decode()
    once = re.search(r'name="once" value="([^"]+)"', form)
    assert once is not None
    data = {"min_objects": 3, "hide_small_counts": "on", "once": once.group(1), **options}
    if data["hide_small_counts"] is None:
        del data["hide_small_counts"]
    response = client.post(f"/sharing/new/?{query}", data)
    assert response.status_code == 200, response.content.decode()[:400]
    found = re.search(r"https?://[^/\"]+(/s/cvs_[A-Za-z0-9_-]+/)", response.content.decode())
    assert found is not None
    return found.group(1)


@pytest.fixture
def shared_account(owner_client: Client, stripe_api: Any) -> Any:
    # Sparse on purpose: many days hold one or two charges.
    account = stripe_api.control.create_account(seed="sharing sparse", charges=45, days=30)
    assert owner_client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})
    run_worker()
    return account


def test_a_link_shows_the_owners_numbers_hides_small_counts_and_nothing_else(
    owner: Any, owner_client: Client, shared_account: Any, stripe_api: Any
) -> None:
    chart = Chart.objects.create(
        owner=owner, name="Card payments", metric="charges", measure="amount", time_zone="UTC"
    )
    Chart.objects.create(
        owner=owner, name="Secret other chart", metric="customers", measure="count"
    )
    owners = owner_client.get(f"/charts/{chart.pk}/data.json?{VIEW}").json()
    assert owners["state"] == "ready"

    exact = share(owner_client, f"chart={chart.pk}&{VIEW}", hide_small_counts=None)
    anonymous = Client()
    shared = anonymous.get(f"{exact}data.json").json()
    assert [s["values"] for s in shared["series"]] == [s["values"] for s in owners["series"]]
    assert shared["labels"] == owners["labels"] and shared["currency"] == owners["currency"]
    assert shared["mode"] is None  # no key state

    private = share(owner_client, f"chart={chart.pk}&{VIEW}")
    page = anonymous.get(private)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    text = page.content.decode()
    payload = anonymous.get(f"{private}data.json").json()
    # Independently: succeeded charges per UTC day in the chart's currency.
    snapshot = list_everything(stripe_api.api_base, shared_account.keys["restricted"])
    per_day: Counter[str] = Counter(
        datetime.fromtimestamp(c["created"], UTC).strftime("%Y-%m-%d")
        for c in snapshot["charges"]
        if c["status"] == "succeeded" and c["currency"].upper() == payload["currency"]
    )
    days = [p[:10] for p in payload["periods"]]
    expected_hidden = [i for i, day in enumerate(days) if 0 < per_day.get(day, 0) < 3]
    assert expected_hidden, "the sparse account has days of one or two charges"
    series = payload["series"][0]
    owners_values = owners["series"][0]["values"]
    assert series["hidden"] == expected_hidden
    for index, value in enumerate(series["values"]):
        assert value == (0 if index in expected_hidden else owners_values[index])
    assert "fewer than 3 objects" in text

    # Figures only: no e-mail, key state, Integrations, account, or way into the app.
    connection = StripeConnection.objects.get()
    assert not EMAIL.search(text)
    for absent in (connection.masked_key, connection.key_last4, "Sandbox", "Secret other chart"):
        assert absent not in text
    links = re.findall(r'href="([^"]*)"', text)
    assert links and all(link.startswith("/static/") for link in links), links

    listed = owner_client.get("/sharing/").content.decode()
    assert listed.count("Card payments") == 2 and "Never" in listed  # one not viewed yet

    # Revoked: at once, a clear page and nothing else.
    link = ShareLink.objects.get(token_digest__isnull=False, hide_small_counts=True)
    assert owner_client.post(f"/sharing/{link.pk}/revoke/").status_code == 302
    _shows_nothing(anonymous.get(private), 404, "This link is not available")
    assert anonymous.get(f"{private}data.json").status_code == 404
    # Expired.
    ShareLink.objects.filter(hide_small_counts=False).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    _shows_nothing(anonymous.get(exact), 410, "This link has expired")
    # Unknown.
    _shows_nothing(anonymous.get("/s/cvs_" + "x" * 43 + "/"), 404, "not available")


def _shows_nothing(response: Any, status: int, words: str) -> None:
    text = response.content.decode()
    assert response.status_code == status and words in text
    assert "chart-payload" not in text and "headline-value" not in text


def test_passwords_embeds_dashboard_and_member_removal(
    owner: Any, owner_client: Client, shared_account: Any, django_user_model: Any
) -> None:
    chart = Chart.objects.create(owner=owner, name="Count", metric="charges", measure="count")
    locked = share(owner_client, f"chart={chart.pk}&{VIEW}", password="open sesame 7")
    visitor = Client()
    _shows_nothing(visitor.get(locked), 200, "These figures are protected")
    _shows_nothing(visitor.post(locked, {"password": "guess"}), 403, "Wrong password")
    assert visitor.post(locked, {"password": "open sesame 7"}).status_code == 302
    assert "chart-payload" in visitor.get(locked).content.decode()

    # The range is the link's, unless the link lets viewers pick another in the history.
    exact = {"hide_small_counts": None}
    fixed = share(owner_client, f"chart={chart.pk}&{VIEW}", **exact)
    free = share(owner_client, f"chart={chart.pk}&{VIEW}", viewer_may_change_range="on", **exact)
    week = VIEW.replace("last_30_days", "last_7_days")
    for link, drawn in ((fixed, VIEW), (free, week)):
        shown = visitor.get(f"{link}data.json?range=last_7_days").json()
        owners = owner_client.get(f"/charts/{chart.pk}/data.json?{drawn}").json()
        assert shown["periods"] == owners["periods"]
        assert [s["values"] for s in shown["series"]] == [s["values"] for s in owners["series"]]
    assert 'name="range"' in visitor.get(f"{free}?range=last_7_days").content.decode()

    embeddable = share(
        owner_client,
        f"chart={chart.pk}&{VIEW}",
        embed_origins="http://127.0.0.1:9\nhttps://partner.example",
    )
    embed = visitor.get(f"{embeddable}embed/?theme=dark")
    assert "X-Frame-Options" not in embed
    assert (
        "frame-ancestors http://127.0.0.1:9 https://partner.example"
        in embed["Content-Security-Policy"]
    )
    assert 'data-theme="dark"' in embed.content.decode()
    for framed_nowhere in (embeddable, locked + "embed/", "/"):
        response = visitor.get(framed_nowhere)
        assert response.get("X-Frame-Options") == "DENY", framed_nowhere

    dashboard = share(owner_client, "range=last_30_days&tz=UTC&compare=previous_period")
    text = visitor.get(dashboard).content.decode()
    assert "Gross volume" in text and "Successful charges" in text and not EMAIL.search(text)

    # An admin who leaves takes their links with them.
    admin = django_user_model.objects.create_user("admin@example.com", "a long password 5")
    organisation = home_organisation(owner).organisation
    membership = Membership.objects.create(organisation=organisation, user=admin, role=ADMIN)
    admin_client = Client()
    admin_client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    theirs = share(admin_client, f"chart={chart.pk}&{VIEW}")
    assert visitor.get(theirs).status_code == 200
    assert owner_client.post(f"/organisation/members/{membership.pk}/remove/").status_code == 302
    _shows_nothing(visitor.get(theirs), 404, "not available")
    assert visitor.get(embeddable).status_code == 200  # the owner's links stay


def test_a_dashboard_link_shows_homes_charts_read_only_with_small_counts_hidden(
    owner: Any, owner_client: Client, shared_account: Any, django_user_model: Any
) -> None:
    follow = {"owner": owner, "metric": "charges", "range_preset": "dashboard"}
    # Made in the opposite of Home's order: Home orders by position.
    counted = Chart.objects.create(name="Charges a day", measure="count", position=2, **follow)
    summed = Chart.objects.create(name="Card payments", measure="amount", position=1, **follow)
    viewer = django_user_model.objects.create_user("viewer@example.com", "a long password 6")
    organisation = home_organisation(owner).organisation
    Membership.objects.create(organisation=organisation, user=viewer, role=VIEWER)
    Chart.objects.create(
        owner=viewer,
        organisation=organisation,
        personal=True,
        name="Viewer's own chart",
        metric="customers",
        measure="count",
    )
    dashboard_view = "range=last_30_days&tz=UTC&compare=none"
    owners = [
        owner_client.get(f"/charts/{chart.pk}/data.json?{VIEW}").json()
        for chart in (summed, counted)
    ]
    visitor = Client()

    def cards(link: str) -> tuple[str, list[dict[str, Any]]]:
        text = visitor.get(link).content.decode()
        found = re.findall(
            r'<script id="card-payload-\d+" type="application/json">(.*?)</script>', text
        )
        return text, [json.loads(payload) for payload in found]

    text, exact = cards(share(owner_client, dashboard_view, hide_small_counts=None))
    assert re.findall(r'<h3 class="chart-card-name">([^<]*)</h3>', text) == [
        "Card payments",
        "Charges a day",
    ]
    for shown, theirs in zip(exact, owners, strict=True):
        assert theirs["state"] == "ready" and shown["labels"] == theirs["labels"]
        assert [s["values"] for s in shown["series"]] == [s["values"] for s in theirs["series"]]
    # Read-only figures: no form, no way into the app, no member's personal chart.
    assert "<form" not in text and "/charts/" not in text and "Viewer's own chart" not in text

    text, hidden = cards(share(owner_client, dashboard_view))
    per_day = owners[1]["series"][0]["values"]  # the charges each day is made of
    expected = [i for i, count in enumerate(per_day) if 0 < count < 3]
    assert expected, "the sparse account has days of one or two charges"
    for shown, theirs in zip(hidden, owners, strict=True):
        series, values = shown["series"][0], theirs["series"][0]["values"]
        assert series["hidden"] == expected
        assert series["values"] == [0 if i in expected else v for i, v in enumerate(values)]
    assert text.count('<p class="hint hidden-note">Hidden: fewer than 3 objects') == 2


def test_exports_open_and_say_what_they_hold(
    owner: Any, owner_client: Client, shared_account: Any
) -> None:
    chart = Chart.objects.create(
        owner=owner, name="Gross volume", metric="revenue", measure="gross", time_zone="UTC"
    )
    png = owner_client.get(f"/charts/{chart.pk}/export.png?{VIEW}")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    name = re.search(r'filename="([^"]+)"', png["Content-Disposition"])
    assert name is not None
    assert name.group(1).startswith("gross-volume-revenue-last-30-days-utc")
    image = PngImageFile(io.BytesIO(png.content))
    image.load()
    assert image.width >= 800 and image.text["Title"] == "Gross volume"
    assert "Last 30 days" in image.text["Description"] and "UTC" in image.text["Description"]

    svg = owner_client.get(f"/charts/{chart.pk}/export.svg?{VIEW}")
    assert svg["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(svg.content)  # noqa: S314 - the app's own answer, not untrusted
    words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Gross volume" in words and "Last 30 days" in words and "Time zone: UTC" in words

    headlines = owner_client.get("/export/headlines.csv?range=last_7_days&tz=Europe/Paris")
    assert "headline-figures-last-7-days-europe-paris" in headlines["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(headlines.content.decode())))
    figures = {row["figure"] for row in rows}
    assert {"Gross volume", "Successful charges", "Refund rate (%)"} <= figures
    assert all(row["zone"] == "Europe/Paris" for row in rows)


def test_password_guesses_are_limited_per_link_and_address_and_say_when_to_try_again(
    owner: Any, owner_client: Client
) -> None:
    chart = Chart.objects.create(owner=owner, name="Count", metric="charges", measure="count")
    locked = share(owner_client, f"chart={chart.pk}&{VIEW}", password="open sesame 7")
    other = share(owner_client, f"chart={chart.pk}&{VIEW}", password="open sesame 8")
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        _shows_nothing(guesser.post(locked, {"password": "guess"}), 403, "Wrong password")
    # Past five wrong guesses at one link, even the right password waits.
    refused = guesser.post(locked, {"password": "open sesame 7"})
    _shows_nothing(refused, 429, "Too many wrong passwords: try again in")
    _shows_nothing(guesser.get(locked), 200, "These figures are protected")
    # Another link from the same address, and the same link from another, still open.
    assert guesser.post(other, {"password": "open sesame 8"}).status_code == 302
    assert (
        Client(REMOTE_ADDR="198.51.100.4").post(locked, {"password": "open sesame 7"}).status_code
        == 302
    )


def test_a_share_form_sent_twice_makes_one_link(owner: Any, owner_client: Client) -> None:
    chart = Chart.objects.create(owner=owner, name="Count", metric="charges", measure="count")
    query = f"chart={chart.pk}&{VIEW}"
    form = owner_client.get(f"/sharing/new/?{query}").content.decode()
    found = re.search(r'name="once" value="([^"]+)"', form)
    assert found is not None
    data = {"min_objects": 3, "hide_small_counts": "on", "once": found.group(1)}
    made = owner_client.post(f"/sharing/new/?{query}", data)
    assert made.status_code == 200 and "/s/cvs_" in made.content.decode()
    again = owner_client.post(f"/sharing/new/?{query}", data, follow=True)  # a reload
    assert "That form was sent already: its link is in this list." in again.content.decode()
    assert "/s/cvs_" not in again.content.decode()
    assert ShareLink.objects.count() == 1
