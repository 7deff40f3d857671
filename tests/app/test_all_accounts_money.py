"""The money views for "All accounts", against an independent computation from two sandbox
accounts' own objects: one settling in USD, the other in USD and EUR (multi-currency
settlement). In the settlement view All accounts adds up per settlement currency (USD from
both accounts, EUR from the second alone), payouts per currency, and what is pending
conversion per currency charged — never across currencies. Home and a chart offer the
view for All accounts and draw it; the Reconciliation page counts both accounts' paid
payouts and names the one that does not tie out, with its account."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe
from django.conf import settings
from django.test import Client

from chartivo.charts.figures import figures_of
from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec, resolve
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.settlement import default_view
from tests.conftest import run_worker
from tests.support.reference import Calendar, compute, last_days_range, list_everything
from tests.support.reference_money import (
    PAYOUT_DEFINITIONS,
    SETTLED_DEFINITIONS,
    paid_payouts_tie_out,
    pending_conversion,
)

pytestmark = pytest.mark.django_db(transaction=True)

ZONES = ("UTC", "Asia/Kolkata")


def test_all_accounts_add_up_per_settlement_currency_and_payouts_per_currency(
    owner: Any, owner_client: Client, stripe_api: Any
) -> None:
    accounts = [
        stripe_api.control.create_account(
            seed=f"all money {n}", charges=200, days=20, settlement_currencies=settles
        )
        for n, settles in enumerate((["usd"], ["usd", "eur"]))
    ]
    for account in accounts:  # the reference reads a payout's transactions one by one
        stripe_api.control.set_rate_limits(test=0, endpoint=0, account=account.id)
    # The sandbox's fault: one paid payout of the second account off by 1.11 (in EUR or USD).
    api = stripe.StripeClient(
        accounts[1].keys["secret"], base_addresses={"api": stripe_api.api_base}
    )
    paid = list(api.v1.payouts.list({"limit": 100, "status": "paid"}).auto_paging_iter())
    mistied = paid[len(paid) // 2]
    stripe_api.control.mistie_payout(mistied.id, 111)
    owner_client.post("/integrations/stripe/", {"api_key": accounts[0].keys["restricted"]})
    owner_client.post("/integrations/stripe/add/", {"api_key": accounts[1].keys["restricted"]})
    run_worker()
    ids = tuple(StripeConnection.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 2
    snapshots = [list_everything(stripe_api.api_base, a.keys["secret"]) for a in accounts]
    now = datetime.now(UTC)
    problems = []
    currencies: set[str] = set()
    definitions = [(d, "settlement") for d in SETTLED_DEFINITIONS]
    for definition, view in definitions + [(d, "") for d in PAYOUT_DEFINITIONS]:
        for zone_name in ZONES:
            spec = ChartSpec(
                definition.metric,
                definition.measure,
                definition.breakdown,
                range_preset="last_30_days",
                granularity="day",
                time_zone=zone_name,
                view=view,
            )
            resolved = resolve(spec, now=now)
            start, end = last_days_range(30, resolved.zone, now)
            calendar = Calendar(resolved.zone, resolved.granularity.value, start, end)
            expected: dict[tuple[str, str], list[int]] = {}
            for snapshot in snapshots:
                for key, values in compute(definition, snapshot, calendar).series.items():
                    before = expected.get(key, [0] * len(values))
                    expected[key] = [a + b for a, b in zip(before, values, strict=True)]
            figures = figures_of(ids, resolved)
            got = {(s.currency, s.key): s.values for s in figures.current.series}
            if got != expected:
                problems.append(f"{definition.id} {view} {zone_name}: {got} != {expected}")
            currencies |= {currency for currency, _ in got}
            if definition.metric == "charges" and view == "settlement":
                pending: dict[str, int] = {}
                for snapshot in snapshots:
                    each = pending_conversion(
                        snapshot["charges"], int(start.timestamp()), int(end.timestamp())
                    )
                    for code, amount in each.items():
                        pending[code] = pending.get(code, 0) + amount
                assert figures.pending == pending
    assert not problems, "\n".join(problems[:5])
    # Settled money and payouts only in the accounts' settlement currencies, each apart.
    assert currencies == {"usd", "eur"}

    # Offered and drawn for All accounts: two settlement currencies, so it opens by
    # currency charged, and switches.
    assert default_view(ids) == "charged"
    chart = Chart.objects.create(
        owner=owner, name="Volume", metric="charges", measure="amount", time_zone="UTC"
    )
    page = owner_client.get(f"/charts/{chart.pk}/", {"account": "all", "view": "settlement"})
    text = re.sub(r"\s+", " ", page.content.decode())
    assert 'aria-label="Currency view"' in text
    current = re.search(r'class="button active" href="([^"]+)" aria-current="page">([^<]+)<', text)
    assert current is not None and current.group(2) == "In your settlement currency"
    data = owner_client.get(
        f"/charts/{chart.pk}/data.json", {"account": "all", "view": "settlement"}
    ).json()
    assert data["state"] == "ready" and set(data["currencies"]) == {"USD", "EUR"}
    home = owner_client.get("/", {"account": "all", "view": "settlement"}).content.decode()
    links = re.search(r'aria-label="Currency of the amounts">(.*?)</nav>', home, re.S)
    assert links is not None
    assert sorted(re.findall(r">([A-Z]{3})</a>", links.group(1))) == ["EUR", "USD"]

    # Reconciliation: every paid payout of both accounts counted, the mistied one named
    # with its account, its currency and its difference.
    since = int(time.time()) - settings.HISTORY_DAYS * 86_400
    off = {}
    for account in accounts:
        off.update(paid_payouts_tie_out(stripe_api.api_base, account.keys["secret"], since))
    assert {pid: diff for pid, diff in off.items() if diff} == {mistied.id: 111}
    text = re.sub(r"<[^>]+>", " ", owner_client.get("/reconciliation/").content.decode())
    text = re.sub(r"\s+", " ", text)
    assert f"Payouts reconciled: {len(off) - 1} of {len(off)} to the cent" in text
    second = StripeConnection.objects.get(pk=ids[1]).name
    code = mistied.currency.upper()
    assert re.search(rf"{re.escape(second)} {code} \S+ \S+ \S*1[.,]11", text), text[-1500:]
