"""The dashboard benchmark's steps inside the app's environment (bench/dashboard.py runs it).

dashboard_seed.py KEY          connect the owner's key; print the connection id
dashboard_seed.py --sessions N make the 12 charts (once) and N sessions; print JSON
dashboard_seed.py --synced-now a sync has just finished (as a refresh would leave it)
dashboard_seed.py --synced-now --warm  the same, then what the worker does after a sync
                               (chartivo.charts.warm); print its seconds as JSON
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from _setup import apply_environment  # noqa: E402
from dashboard import CHARTS, RANGES  # noqa: E402

if TYPE_CHECKING:
    from chartivo.charts.query import ViewRange

EMAIL = "owner@dashboard.bench"


def connect(key: str) -> None:
    from _setup import connect as save_key

    connection = save_key(key, EMAIL)
    print(connection.pk)


def sessions(count: int) -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from chartivo.accounts.models import User
    from chartivo.charts.models import Chart, DashboardPreference
    from chartivo.charts.query import resolve, with_range
    from chartivo.metrics.models import Aggregate

    call_command("collectstatic", "--no-input", verbosity=0)
    user = User.objects.get(email=EMAIL)
    DashboardPreference.objects.get_or_create(user=user)
    today = timezone.now().date()
    first, last = today - timedelta(days=364), today
    if not Chart.objects.filter(owner=user).exists():
        for n, (metric, measure, breakdown, preset, granularity, kind) in enumerate(CHARTS):
            Chart.objects.create(
                owner=user,
                name=f"{metric} {measure} {breakdown}".strip(),
                metric=metric,
                measure=measure,
                breakdown=breakdown,
                range_preset=preset,
                custom_start=first if preset == "custom" else None,
                custom_end=last if preset == "custom" else None,
                granularity=granularity,
                time_zone="America/New_York" if n % 2 else "UTC",
                compare="previous_period",
                chart_type=kind,
                position=n,
            )
    charts = []
    for chart in Chart.objects.filter(owner=user):
        offered = {}
        for preset in RANGES:
            view = chart.spec()
            spec = with_range(
                view,
                view_range(preset, chart.time_zone, first, last),
            )
            offered[preset] = [g.value for g in resolve(spec, now=timezone.now()).granularities]
        charts.append(
            {
                "id": chart.pk,
                "zone": chart.time_zone,
                "offered": offered,
                "from": str(first),
                "to": str(last),
            }
        )
    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        keys.append(client.cookies["sessionid"].value)
    rows = Aggregate.objects.filter(connection__owner=user).count()
    print(json.dumps({"charts": charts, "sessions": keys, "aggregates": rows}))


def view_range(preset: str, zone: str, first: date, last: date) -> ViewRange:
    from chartivo.charts.query import ViewRange

    custom = preset == "custom"
    return ViewRange(
        preset, first if custom else None, last if custom else None, zone, "previous_period"
    )


def synced_now(*, warm: bool) -> None:
    import time

    from django.utils import timezone

    from chartivo.charts.warm import after_sync
    from chartivo.integrations.stripe.models import StripeConnection

    # As a refresh that found something new leaves it: every figure kept before is stale.
    now = timezone.now()
    StripeConnection.objects.filter(owner__email=EMAIL).update(
        last_synced_at=now, figures_changed_at=now
    )
    if warm:
        connection = StripeConnection.objects.get(owner__email=EMAIL)
        started = time.perf_counter()
        charts = after_sync(connection.pk)
        print(json.dumps({"charts": charts, "seconds": time.perf_counter() - started}))


def main() -> None:
    import os

    apply_environment(dict(os.environ))
    if sys.argv[1] == "--sessions":
        sessions(int(sys.argv[2]))
    elif sys.argv[1] == "--synced-now":
        synced_now(warm="--warm" in sys.argv)
    else:
        connect(sys.argv[1])


if __name__ == "__main__":
    main()
