"""The read API against what the pages draw, on one sandbox account connected and synced
for the module: every chart's series equal to its CSV in two zones, Home's headline
figures equal to the charts they sum, a viewer's token reading what a viewer reads, and
the API fuzzed against its own OpenAPI document (``tests.api.fuzz``)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from chartivo.accounts.models import User
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import VIEWER, Membership
from stripe_sandbox.testing import SandboxProcess
from tests.api.conftest import api_get, token_for
from tests.api.fuzz import fuzz_api
from tests.conftest import run_worker

# One worker connects the account once and runs every test that reads it.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("api-figures")]
ZONES = ("America/New_York", "Asia/Kolkata")
SERIES = "/api/v1/series"
# The whole suite fuzzes this many examples; bench/api_fuzz.py runs 2,000 and more.
FUZZ_EXAMPLES = int(os.environ.get("CHARTIVO_API_FUZZ_EXAMPLES", "240"))


@dataclass(frozen=True)
class Connected:
    owner: User
    client: Client  # the owner's browser session
    token: str = field(repr=False)  # the owner's API token: never in the test output
    viewer_token: str = field(repr=False)
    first_day: date = date.min  # a fixed custom range inside the synced history
    last_day: date = date.min


@pytest.fixture(scope="module")
def connected(
    sandbox: SandboxProcess, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[Connected]:
    account = sandbox.control.create_account(seed="read-api", charges=400, days=30)
    overrides = override_settings(STRIPE_API_BASE=sandbox.api_base)
    overrides.enable()
    try:
        with django_db_blocker.unblock():
            owner = User.objects.create_user("api-owner@example.com", "a long password 1")
            client = Client()
            client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
            saved = client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})
            assert saved.status_code == 302
            run_worker()
            assert StripeConnection.objects.get().backfill_done_at is not None
            viewer = User.objects.create_user("api-viewer@example.com", "a long password 2")
            membership = Membership.objects.create(
                organisation=home_organisation(owner).organisation, user=viewer, role=VIEWER
            )
            today = datetime.now(UTC).date()
            yield Connected(
                owner,
                client,
                token_for(owner),
                token_for(viewer, membership=membership),
                today - timedelta(days=20),
                today - timedelta(days=3),
            )
    finally:
        overrides.disable()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def _every_chart() -> list[tuple[str, str, str]]:
    return [
        (metric.key, measure.key, breakdown)
        for metric in METRICS.values()
        for measure in metric.measures
        for breakdown in ("", *(b.key for b in metric.breakdowns))
    ]


def _range(connected: Connected) -> dict[str, str]:
    return {
        "range": "custom",
        "from": connected.first_day.isoformat(),
        "to": connected.last_day.isoformat(),
    }


def _csv_of(connected: Connected, chart: Chart, zone: str) -> list[list[str]]:
    params = {**_range(connected), "tz": zone, "granularity": "day"}
    exported = connected.client.get(f"/charts/{chart.pk}/export.csv", params)
    assert exported.status_code == 200, exported.content[:200]
    text = b"".join(cast(Any, exported).streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def _as_csv_rows(answer: dict[str, Any]) -> list[list[str]]:
    """The API's series written as the CSV writes a chart: periods first, then series."""
    rows = [["period_start", "currency", "series", "value"]]
    series = answer["series"]
    periods = len(series[0]["points"]) if series else 0
    for index in range(periods):
        for each in series:
            point = each["points"][index]
            rows.append(
                [point["period_start"], each["currency"] or "", each["name"], point["value"]]
            )
    return rows


def test_every_charts_series_equals_its_csv_in_two_zones(connected: Connected) -> None:
    charts = _every_chart()
    compared = rows = 0
    for metric, measure, breakdown in charts:
        chart = Chart.objects.create(
            owner=connected.owner,
            name=f"{metric} {measure} {breakdown}".strip(),
            metric=metric,
            measure=measure,
            breakdown=breakdown,
        )
        for zone in ZONES:
            params = {**_range(connected), "tz": zone, "granularity": "day"}
            response = api_get(
                connected.token,
                SERIES,
                metric=metric,
                measure=measure,
                breakdown=breakdown,
                **params,
            )
            where = f"{metric}/{measure}/{breakdown or '-'} in {zone}"
            assert response.status_code == 200, (where, response.content[:300])
            answer = response.json()
            assert answer["zone"] == zone and answer["granularity"] == "day", where
            expected = _csv_of(connected, chart, zone)
            assert _as_csv_rows(answer) == expected, where
            offset = expected[1][0][-6:] if len(expected) > 1 else ""
            assert not offset or offset in ("-05:00", "-04:00", "+05:30"), where
            compared += 1
            rows += len(expected) - 1
    assert compared == 2 * len(charts) and rows > 1000


def test_headline_figures_add_up_the_charts_they_are_made_of(connected: Connected) -> None:
    params = {**_range(connected), "tz": "Asia/Kolkata", "view": "charged"}
    answer = api_get(connected.token, "/api/v1/headlines", **params).json()
    figures = {figure["key"]: figure for figure in answer["figures"]}
    assert answer["view"] == "charged" and answer["cut"] == answer["range"]["end"]

    def series(metric: str, measure: str) -> list[dict[str, Any]]:
        response = api_get(
            connected.token, SERIES, metric=metric, measure=measure, granularity="week", **params
        )
        return cast(list[dict[str, Any]], response.json()["series"])

    charges = series("charges", "count")
    assert figures["successful_charges"]["values"] == [
        {"currency": None, "value": str(sum(int(s["total"]) for s in charges)), "previous": None}
    ]
    gross = {s["currency"]: s["total"] for s in series("revenue", "gross")}
    shown = {v["currency"]: v["value"] for v in figures["gross_volume"]["values"]}
    assert shown == gross and set(answer["currencies"]) == set(gross)
    customers = series("customers", "count")
    assert figures["new_customers"]["values"][0]["value"] == str(
        sum(int(s["total"]) for s in customers)
    )
    rate = figures["refund_rate"]["values"][0]["value"]
    assert rate is not None and 0 <= float(rate) <= 100


def test_a_viewers_token_reads_what_a_viewer_reads(connected: Connected) -> None:
    params = {"metric": "refunds", "measure": "amount", "breakdown": "reason", **_range(connected)}
    as_owner = api_get(connected.token, SERIES, **params).json()
    as_viewer = api_get(connected.viewer_token, SERIES, **params).json()
    assert as_viewer == as_owner and as_viewer["series"]
    catalogue = api_get(connected.viewer_token, "/api/v1/metrics").json()
    connection = StripeConnection.objects.get()
    assert [a["id"] for a in catalogue["accounts"]] == [str(connection.pk)]
    text = str(catalogue)
    assert connection.masked_key not in text and connection.key_last4 not in text


def test_the_api_holds_to_its_own_openapi_document(connected: Connected) -> None:
    outcome = fuzz_api(connected.token, examples=FUZZ_EXAMPLES)
    print(outcome.summary())
    assert outcome.examples >= FUZZ_EXAMPLES
    assert outcome.server_errors == 0 and not outcome.failures, outcome.summary()
