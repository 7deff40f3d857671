"""Golden tests of the money views, on an account settling in USD and selling in USD, EUR,
GBP, JPY, KWD and CAD (``conftest.golden``'s ``settling``).

Every money figure is drawn in both currency views — *by currency charged* and *in your
settlement currency* — and payouts by arrival date, in four zones and at four
granularities over "Last 30 days", and compared with ``tests.support.reference`` and
``tests.support.reference_money``, computed from the sandbox's own objects: every period,
every series, every currency, exactly; so is what the settlement view states as pending
conversion (charges authorised, not yet captured). The reconciliation must find the payout
the sandbox was made to mistie, name it and its difference, and find every other paid
payout tying out.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import stripe

from chartivo.charts.figures import figures_of
from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec, chart_figures, resolve
from chartivo.metrics.settlement import default_view
from tests.support.reference import (
    DEFINITIONS,
    GRANULARITIES,
    Calendar,
    Definition,
    compute,
    decimals,
    last_days_range,
)
from tests.support.reference_money import (
    PAYOUT_DEFINITIONS,
    SETTLED_DEFINITIONS,
    paid_payouts_tie_out,
    pending_conversion,
)

from .conftest import MISTIE, Golden

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("golden")]
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
MONEY_METRICS = ("charges", "revenue", "refunds", "disputes", "balance_transactions")
CHARGED = tuple(d for d in DEFINITIONS if d.kind == "amount" and d.metric in MONEY_METRICS)


def _compare(golden: Golden, definition: Definition, view: str) -> tuple[list[str], int]:
    synced = golden.settling
    problems: list[str] = []
    compared = 0
    for zone_name in ZONES:
        for granularity in GRANULARITIES:
            spec = ChartSpec(
                metric=definition.metric,
                measure=definition.measure,
                breakdown=definition.breakdown,
                range_preset="last_30_days",
                granularity=granularity,
                time_zone=zone_name,
                view=view,
            )
            now = datetime.now(UTC)
            resolved = resolve(spec, now=now)
            data = chart_figures(synced.connection_id, resolved).current
            start, end = last_days_range(30, resolved.zone, now)
            # A granularity that would leave one period is drawn at the nearest that fits.
            calendar = Calendar(resolved.zone, resolved.granularity.value, start, end)
            reference = compute(definition, synced.snapshot, calendar)
            where = f"{view} {zone_name} {granularity}"
            by_key = {(s.currency, s.key): s.values for s in data.series}
            if set(by_key) != set(reference.series):
                problems.append(f"{where}: series {sorted(by_key)} != {sorted(reference.series)}")
                continue
            for key, values in reference.series.items():
                if by_key[key] != values:
                    problems.append(f"{where} {key}: app {by_key[key]} != {values}")
                compared += len(values)
    return problems, compared


@pytest.mark.parametrize(
    ("definition", "view"),
    [(d, "charged") for d in CHARGED]
    + [(d, "settlement") for d in SETTLED_DEFINITIONS]
    + [(d, "") for d in PAYOUT_DEFINITIONS],
    ids=lambda v: v.id if isinstance(v, Definition) else (v or "default"),
)
def test_both_currency_views_and_payouts_equal_the_reference(
    golden: Golden, definition: Definition, view: str
) -> None:
    problems, compared = _compare(golden, definition, view)
    assert not problems, f"{len(problems)} mismatches, first ones:\n" + "\n".join(problems[:8])
    assert compared, "nothing was compared: the reference is empty"


def test_an_account_settling_in_one_currency_opens_in_it(golden: Golden) -> None:
    assert default_view(golden.settling.connection_id) == "settlement"
    home = golden.settling.client.get("/").content.decode()
    current = re.search(r'<a class="button active" href="[^"]*" aria-current="page">([^<]+)', home)
    assert current is not None and current.group(1) == "In your settlement currency"
    # Every amount on Home is in USD: the account's one settlement currency.
    assert 'aria-label="Currency of the amounts"' not in home
    charged = golden.settling.client.get("/", {"view": "charged"}).content.decode()
    assert 'aria-label="Currency of the amounts"' in charged  # one currency at a time


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_reconciliation_names_the_payout_that_does_not_tie_out(golden: Golden) -> None:
    synced = golden.settling
    since = int(time.time()) - golden.history_days * 86_400
    secret = synced.account.keys["secret"]
    off = paid_payouts_tie_out(golden.api_base, secret, since=since)
    assert {pid: diff for pid, diff in off.items() if diff} == {golden.mistied: MISTIE}
    client = stripe.StripeClient(secret, base_addresses={"api": golden.api_base})
    payout = client.v1.payouts.retrieve(golden.mistied)
    arrival = datetime.fromtimestamp(payout.arrival_date, UTC)

    page = _text(synced.client.get("/reconciliation/").content)
    assert f"Payouts reconciled: {len(off) - 1} of {len(off)} to the cent" in page
    row = re.search(
        rf"{arrival:%b} {arrival.day}, {arrival.year} [^|]*?USD (\S+) (\S+) (\S+)", page
    )
    assert row is not None, page[:2000]
    amount, settled, difference = row.groups()
    assert difference == "$1.37"
    assert amount == f"${payout.amount / 100:,.2f}"
    assert settled == f"${(payout.amount - MISTIE) / 100:,.2f}"
    card = _text(synced.client.get("/integrations/").content)
    assert f"Payouts reconciled: {len(off) - 1} of {len(off)} to the cent" in card


def _grouped(minor: int, currency: str) -> str:
    places = decimals(currency)
    return f"{Decimal(minor).scaleb(-places):,.{places}f}"


def test_charges_not_yet_converted_are_stated_as_pending_in_the_settlement_view(
    golden: Golden,
) -> None:
    synced = golden.settling
    charges = synced.snapshot["charges"]
    now = datetime.now(UTC)
    found = {}
    for zone_name in ZONES:
        for preset, days in (("last_30_days", 30), ("last_7_days", 7)):
            spec = ChartSpec(
                "charges", "amount", range_preset=preset, time_zone=zone_name, view="settlement"
            )
            resolved = resolve(spec, now=now)
            start, end = last_days_range(days, resolved.zone, now)
            expected = pending_conversion(charges, int(start.timestamp()), int(end.timestamp()))
            assert figures_of(synced.connection_id, resolved).pending == expected, zone_name
            # By currency charged they are counted: nothing is pending there.
            charged = resolve(replace(spec, view="charged"), now=now)
            assert figures_of(synced.connection_id, charged).pending == {}
            found[(zone_name, preset)] = expected
    month = found[("UTC", "last_30_days")]
    assert month, "the account has no charge authorised and not yet captured"

    query = {"range": "last_30_days", "tz": "UTC", "compare": "none"}
    home = _text(synced.client.get("/", {**query, "view": "settlement"}).content)
    pending = re.search(r"Pending conversion: ([^—]+) —", home)
    assert pending is not None, home[:2000]
    for currency, amount in month.items():
        assert _grouped(amount, currency) in pending.group(1), (currency, pending.group(1))
    listed = pending.group(1).strip()
    assert listed.count(", ") + listed.count(" and ") == len(month) - 1, listed  # one each
    charged_home = _text(synced.client.get("/", {**query, "view": "charged"}).content)
    assert "Pending conversion" not in charged_home
    # The chart states it beside the chart, in the same words.
    chart = Chart.objects.create(
        owner=synced.user, name="Charges", metric="charges", measure="amount", time_zone="UTC"
    )
    page = _text(synced.client.get(f"/charts/{chart.pk}/", {**query, "view": "settlement"}).content)
    assert f"Pending conversion: {pending.group(1).strip()} —" in page
    charged_page = synced.client.get(f"/charts/{chart.pk}/", {**query, "view": "charged"})
    assert "Pending conversion" not in _text(charged_page.content)
