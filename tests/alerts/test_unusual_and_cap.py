"""An unusual value: an ordinary hour passes, an hour the sandbox makes busy fires, with
the usual range computed here from the sandbox's own objects (docs/alerts.md's method).
The daily cap: changes past it are logged, not sent. And a refresh that changed nothing
costs a rule no query beyond reading it."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chartivo.alerts.evaluate import evaluate_connection
from chartivo.alerts.models import ABOVE, FIRED, HOUR, RECOVERED, UNUSUAL, WEEK, AlertEvent
from tests.alerts.delivery_rows import run_alert_queue
from tests.alerts.rules_support import (
    charge,
    connected,
    make_rule,
    next_quarter,
    refresh,
    sdk,
    snapshot,
)
from tests.browser.headline_reference import figures
from tests.support.mail import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)
PARIS = ZoneInfo("Europe/Paris")


def _usual_range(snap: Any, cut: int, history_days: int) -> tuple[int, int, int]:
    """Successful charges of the hour to ``cut`` on the same weekday in up to 8 weeks
    before (those the history holds), and the range they make usual: median ± 3 × MAD
    × 1.4826, the spread never below the square root of the median (nor 1)."""
    end = datetime.fromtimestamp(cut, UTC).astimezone(PARIS)
    counts = []
    for weeks in range(1, 9):
        local_end = (end.replace(tzinfo=None) - timedelta(weeks=weeks)).replace(tzinfo=PARIS)
        hour = (local_end - timedelta(hours=1), local_end)
        if hour[0].timestamp() < cut - history_days * 86_400 + 900:
            break
        counts.append(figures(snap, hour).succeeded)
    centre = median(counts)
    spread = max(1.4826 * median(abs(c - centre) for c in counts), math.sqrt(centre), 1.0)
    return len(counts), math.ceil(max(0.0, centre - 3 * spread)), math.floor(centre + 3 * spread)


def test_an_unusually_busy_hour_fires_and_an_ordinary_one_does_not(
    owner: Any, stripe_api: Any, settings: Any
) -> None:
    account, connection = connected(owner, stripe_api, seed="alert-unusual", charges=150)
    rule = make_rule(
        owner, name="Charges unusual", metric="successful_charges", condition=UNUSUAL, window=HOUR
    )
    refresh(connection)
    rule.refresh_from_db()
    assert rule.evaluated_cut is not None
    snap = snapshot(stripe_api, account)
    weeks, low, high = _usual_range(snap, rule.evaluated_cut, settings.HISTORY_DAYS)
    assert weeks >= 4
    hour = (
        datetime.fromtimestamp(rule.evaluated_cut - 3600, UTC),
        datetime.fromtimestamp(rule.evaluated_cut, UTC),
    )
    ordinary = figures(snap, hour).succeeded
    assert low <= ordinary <= high  # an ordinary hour of this account
    assert (rule.last_status, rule.last_value) == ("ok", str(ordinary))
    assert rule.last_expected.startswith(f"between {low} and {high}, usual for ")
    assert not AlertEvent.objects.filter(rule=rule).exists()

    # A burst of checkouts, far more than this hour ever sees.
    client = sdk(stripe_api, account)
    for _ in range(high + 8):
        charge(client)
    refresh(connection)
    (fired,) = evaluate_connection(connection.pk, now=next_quarter())
    snap = snapshot(stripe_api, account)
    weeks, low, high = _usual_range(snap, fired.window_end, settings.HISTORY_DAYS)
    busy = figures(
        snap,
        (
            datetime.fromtimestamp(fired.window_start, UTC),
            datetime.fromtimestamp(fired.window_end, UTC),
        ),
    ).succeeded
    assert busy > high
    assert (fired.kind, fired.value) == (FIRED, str(busy))
    assert fired.expected.startswith(f"between {low} and {high}, usual for ")
    assert "unusually high" in fired.summary
    assert f"over the previous {weeks} weeks" in fired.summary


def test_changes_past_the_daily_cap_are_logged_and_not_sent(
    owner: Any, owner_client: Client, stripe_api: Any, mail: SmtpServer
) -> None:
    _, connection = connected(owner, stripe_api, seed="alert-cap", charges=150)
    rule = make_rule(
        owner,
        name="Flapping",
        metric="successful_charges",
        condition=ABOVE,
        threshold=0,
        window=WEEK,
        daily_cap=2,
    )
    start = next_quarter()
    kinds = []
    for step in range(4):
        # A threshold no week reaches, then none it stays under, and again.
        type(rule).objects.filter(pk=rule.pk).update(
            threshold=Decimal(0 if step % 2 == 0 else 10**9)
        )
        (event,) = evaluate_connection(connection.pk, now=start + timedelta(minutes=15 * step))
        kinds.append((event.kind, event.capped))
    assert kinds == [(FIRED, False), (RECOVERED, False), (FIRED, True), (RECOVERED, True)]
    run_alert_queue()
    assert len(mail.to(owner.email)) == 2
    page = owner_client.get(f"/alerts/{rule.pk}/").content.decode()
    assert page.count("Not sent: the rule had sent its 2 messages of the last 24 hours.") == 2


def test_a_refresh_that_changed_nothing_costs_the_rules_one_read(
    owner: Any, stripe_api: Any
) -> None:
    _, connection = connected(owner, stripe_api, seed="alert-cheap", charges=150)
    for window in (HOUR, WEEK):
        make_rule(
            owner,
            metric="gross_volume",
            currency="usd",
            condition=ABOVE,
            threshold=10**9,
            window=window,
        )
    now = next_quarter()
    assert evaluate_connection(connection.pk, now=now) == []
    with CaptureQueriesContext(db) as queries:
        assert evaluate_connection(connection.pk, now=now + timedelta(minutes=5)) == []
    # Its rules and the organisation's accounts: no figure is computed.
    assert len(queries) == 2


def test_a_refresh_of_an_organisation_without_rules_costs_one_query(
    owner: Any, stripe_api: Any
) -> None:
    _, connection = connected(owner, stripe_api, seed="alert-none", charges=20)
    with CaptureQueriesContext(db) as queries:
        assert evaluate_connection(connection.pk, now=next_quarter()) == []
    assert len(queries) == 1
