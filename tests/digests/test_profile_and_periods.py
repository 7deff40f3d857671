"""The profile page (the user's own zone, how often the digest comes, e-mail off said),
and which period a digest covers and when it is due, DST and odd offsets included."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from chartivo.digests.models import DAILY, MONTHLY, WEEKLY, MailPreference
from chartivo.digests.periods import latest_due
from chartivo.orgs.access import home_organisation


@pytest.mark.django_db
def test_the_profile_keeps_a_zone_and_a_frequency_and_says_when_mail_is_off(
    owner: Any, owner_client: Client, settings: Any
) -> None:
    settings.EMAIL_ENABLED = False
    page = owner_client.get("/account/profile/")
    assert page.status_code == 200
    assert 'list="time-zones"' in page.text  # the browser's own zone is offered by app.js
    assert "E-mail is off on this server" in page.text
    assert re.search(r'value="weekly"[^>]*checked', page.text)  # weekly by default
    refused = owner_client.post(
        "/account/profile/", {"time_zone": "Mars/Olympus", "digest": "daily"}
    )
    assert refused.status_code == 400 and "Choose a time zone" in refused.text
    # A whole month needs more history than the 30 days kept by default.
    settings.HISTORY_DAYS = 30
    too_long = owner_client.post("/account/profile/", {"time_zone": "UTC", "digest": "monthly"})
    assert too_long.status_code == 400 and "too few for a whole month" in too_long.text
    settings.HISTORY_DAYS = 62
    saved = owner_client.post(
        "/account/profile/", {"time_zone": "asia/kathmandu", "digest": "monthly"}
    )
    assert saved.status_code == 302
    preference = MailPreference.objects.get(user=owner)
    assert (preference.time_zone, preference.digest) == ("Asia/Kathmandu", "monthly")
    settings.EMAIL_ENABLED = True
    assert "E-mail is off" not in owner_client.get("/account/profile/").text


@pytest.mark.parametrize(
    ("frequency", "zone", "now", "first", "last", "due_utc"),
    [
        # Monday 08:00 in Kathmandu is 02:15 UTC; a minute earlier the week before is due.
        (WEEKLY, "Asia/Kathmandu", "2026-11-30T08:00", "2026-11-23", "2026-11-29", "11-30T02:15"),
        (WEEKLY, "Asia/Kathmandu", "2026-11-30T07:59", "2026-11-16", "2026-11-22", "11-23T02:15"),
        # The day after New York's clocks went back (Sunday 1 November 2026).
        (DAILY, "America/New_York", "2026-11-02T09:00", "2026-11-01", "2026-11-01", "11-02T13:00"),
        (MONTHLY, "Pacific/Chatham", "2026-12-01T08:00", "2026-11-01", "2026-11-30", "11-30T18:15"),
    ],
)
def test_the_period_due_is_the_last_complete_one_at_eight_local_time(
    frequency: str, zone: str, now: str, first: str, last: str, due_utc: str
) -> None:
    local_now = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo(zone))
    period, due_at = latest_due(frequency, ZoneInfo(zone), local_now)
    assert (period.first, period.last) == (date.fromisoformat(first), date.fromisoformat(last))
    assert due_at == datetime.fromisoformat(f"2026-{due_utc}").replace(tzinfo=UTC)


@pytest.mark.django_db
def test_a_digest_link_opens_only_an_organisation_of_the_reader(
    owner: Any, owner_client: Client, django_user_model: Any
) -> None:
    stranger = django_user_model.objects.create_user("stranger@example.com", "a long pass 1")
    theirs = home_organisation(stranger).organisation
    mine = home_organisation(owner).organisation
    page = owner_client.get(f"/?organisation={theirs.pk}")
    assert page.status_code == 200 and page.context["membership"].organisation == mine
    assert owner_client.get("/?organisation=99999999999999999999999").status_code == 200
