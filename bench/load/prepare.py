"""The load test's data, made in a child process with the benchmark's environment (run.py).

50 users, each with a Stripe connection holding a month of one sandbox account's figures,
and 1,000 saved charts spread over them (20 each: every metric, measure and breakdown, over
ranges, granularities and time zones as people pick them). One connection is synced for
real, through the app's own sync; the other 49 saved the same key (each probed by Stripe
as on the Integrations page) and are given a copy of its figures and sync state, which is
what syncing the same account 49 more times would write. Each user gets a session (as a
log-in would), so the load test measures browsing rather than password hashing.

    python bench/load/prepare.py KEY OUTPUT.json [--users 50] [--charts 1000]
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

RANGES = [  # (range preset, granularity): how people look at a month of payments
    ("last_30_days", "day"),
    ("last_7_days", "day"),
    ("this_month", "day"),
    ("last_30_days", "week"),
    ("today", "hour"),
    ("last_7_days", "hour"),
]
ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney"]


def chart_kinds() -> list[tuple[str, str, str]]:
    from chartivo.integrations.stripe.catalogue import METRICS

    return [
        (metric.key, measure.key, breakdown)
        for metric in METRICS.values()
        for measure in metric.measures
        for breakdown in ["", *(b.key for b in metric.breakdowns)]
    ]


def sync_first(connection_id: int) -> None:
    from chartivo.integrations.stripe.sync.engine import run_sync

    while True:
        report = run_sync(connection_id)
        if report is None or report.error:
            raise SystemExit(f"the first sync failed: {report}")
        if not report.more_to_do:
            return


def copy_figures(source: Any, target: Any) -> None:
    from django.db import connection as db

    from chartivo.integrations.stripe.models import ResourceState, StripeConnection

    columns = "resource, bucket, currency, dim1, dim2, count, amount, captured, fee, net"
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO metrics_aggregate (connection_id, {columns}) "  # noqa: S608
            f"SELECT %s, {columns} FROM metrics_aggregate WHERE connection_id = %s",
            [target.pk, source.pk],
        )
        cursor.execute(
            f"INSERT INTO metrics_aggregaterollup (connection_id, width, {columns}) "  # noqa: S608
            f"SELECT %s, width, {columns} FROM metrics_aggregaterollup WHERE connection_id = %s",
            [target.pk, source.pk],
        )
    for state in source.resource_states.all():
        ResourceState.objects.filter(connection=target, resource=state.resource).update(
            readable=state.readable,
            message=state.message,
            window_start=state.window_start,
            backfill_span=state.backfill_span,
            backfilled=state.backfilled,
            synced_until=state.synced_until,
        )
    StripeConnection.objects.filter(pk=target.pk).update(
        sync_started_at=source.sync_started_at,
        backfill_done_at=source.backfill_done_at,
        last_synced_at=source.last_synced_at,
        events_since=source.events_since,
        next_run_at=source.next_run_at,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("key")
    parser.add_argument("output")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--charts", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from chartivo.accounts.models import User
    from chartivo.charts.models import Chart
    from chartivo.integrations.stripe.connect import connect

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    users = [
        User.objects.create_user(f"user{n}@load.bench", "load test password 1")
        for n in range(args.users)
    ]
    first = connect(users[0], args.key)
    sync_first(first.pk)
    first.refresh_from_db()
    for user in users[1:]:
        copy_figures(first, connect(user, args.key))
    print(f"{args.users} users with a month of figures", flush=True)

    kinds = itertools.cycle(chart_kinds())
    looks = itertools.cycle(itertools.product(RANGES, ZONES, ["line", "bar"]))
    charts: dict[int, list[int]] = {user.pk: [] for user in users}
    for n in range(args.charts):
        user = users[n % len(users)]
        (metric, measure, breakdown), ((preset, granularity), zone, kind) = next(kinds), next(looks)
        chart = Chart.objects.create(
            owner=user,
            name=f"{metric} {measure} {breakdown or ''} {n}".replace("  ", " "),
            metric=metric,
            measure=measure,
            breakdown=breakdown,
            range_preset=preset,
            granularity=granularity,
            time_zone=zone,
            chart_type=kind,
        )
        charts[user.pk].append(chart.pk)

    sessions = []
    for user in users:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions.append({"session": client.cookies["sessionid"].value, "charts": charts[user.pk]})
    Path(args.output).write_text(json.dumps({"users": sessions}))
    print(f"{args.charts} charts over {args.users} users", flush=True)


if __name__ == "__main__":
    main()
