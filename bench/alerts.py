"""What evaluating alert rules adds to each refresh: database queries and milliseconds with
20 rules on one connection.

    python bench/alerts.py [--charges 5000] [--rules 20] [--refreshes 60]

One sandbox account (``--charges`` over 30 days) is saved and synced for real. ``--rules``
rules are made on it, as merchants make them: the four ready-made ones, and thresholds,
changes against the window before and unusual values over every window, of every kind of
figure. Then ``--refreshes`` refreshes are simulated 5 minutes apart (the default refresh
interval): each marks the figures changed, as a sync that stored something new does, and
runs the evaluation the sync hook runs (``chartivo.alerts.evaluate.evaluate_connection``).
A quiet refresh (nothing changed, the window still ending where it did) is measured too.

Prints p50/p95/max milliseconds and queries per refresh, then a ``RESULT`` line. Uses the
database ``DATABASE_URL`` names (a scratch SQLite file by default).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from _setup import ROOT, apply_environment, connect, run_child, scratch_environment

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

REFRESH_SECONDS = 300
# (metric, condition, threshold, window): with the four ready-made rules, twenty.
OWN_RULES = [
    ("gross_volume", "above", "100000", "day"),
    ("gross_volume", "below", "10", "day"),
    ("gross_volume", "falls", "50", "week"),
    ("gross_volume", "unusual", None, "hour"),
    ("net_volume", "below", "0", "week"),
    ("successful_charges", "unusual", None, "day"),
    ("successful_charges", "rises", "100", "hour"),
    ("new_customers", "falls", "50", "week"),
    ("refunds", "above", "5000", "month"),
    ("refunds", "unusual", None, "week"),
    ("disputes", "above", "3", "week"),
    ("refund_rate", "above", "10", "week"),
    ("refund_rate", "rises", "50", "day"),
    ("dispute_rate", "unusual", None, "week"),
    ("failed_payment_rate", "above", "20", "hour"),
    ("failed_payment_rate", "rises", "50", "day"),
]


def _rules(connection: Any, count: int) -> None:
    from chartivo.alerts.models import AlertRule
    from chartivo.alerts.presets import PRESETS, rule_from

    made = [
        rule_from(p, organisation_id=connection.organisation_id, connection=None) for p in PRESETS
    ]
    for index, (metric, condition, threshold, window) in enumerate(OWN_RULES):
        made.append(
            AlertRule(
                organisation_id=connection.organisation_id,
                connection=connection if index % 2 else None,
                name=f"{metric} {condition} {window}",
                metric=metric,
                currency="usd" if metric in ("gross_volume", "net_volume", "refunds") else "",
                condition=condition,
                threshold=Decimal(threshold) if threshold else None,
                window=window,
                time_zone=("Europe/Paris", "America/New_York", "Asia/Kolkata")[index % 3],
            )
        )
    AlertRule.objects.bulk_create(made[:count])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charges", type=int, default=5000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--refreshes", type=int, default=60)
    args = parser.parse_args()

    with SandboxProcess(seed="bench-alerts", charges=args.charges, days=30, modes="test") as box:
        env = scratch_environment(box.api_base)
        apply_environment(env)
        connection = connect(box.keys["restricted"])
        run_child([sys.executable, "-m", "chartivo.cli", "sync_now", str(connection.pk)], env)

    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from chartivo.alerts.evaluate import evaluate_connection
    from chartivo.alerts.models import AlertEvent, AlertRule
    from chartivo.integrations.stripe.models import StripeConnection

    _rules(connection, args.rules)
    rules = AlertRule.objects.count()
    start = datetime.now(UTC)
    evaluate_connection(connection.pk, now=start)  # the first judgement of every rule
    changed_ms: list[float] = []
    changed_queries: list[int] = []
    quiet_ms: list[float] = []
    quiet_queries: list[int] = []
    for index in range(1, args.refreshes + 1):
        now = start + timedelta(seconds=REFRESH_SECONDS * index)
        StripeConnection.objects.filter(pk=connection.pk).update(figures_changed_at=now)
        with CaptureQueriesContext(db) as queries:
            began = time.perf_counter()
            evaluate_connection(connection.pk, now=now + timedelta(seconds=1))
            changed_ms.append((time.perf_counter() - began) * 1000)
        changed_queries.append(len(queries))
        with CaptureQueriesContext(db) as queries:
            began = time.perf_counter()
            evaluate_connection(connection.pk, now=now + timedelta(seconds=2))
            quiet_ms.append((time.perf_counter() - began) * 1000)
        quiet_queries.append(len(queries))

    vendor = db.vendor
    events = AlertEvent.objects.count()
    print(
        f"{rules} rules on one connection of {args.charges} charges ({vendor}), "
        f"{args.refreshes} refreshes {REFRESH_SECONDS} s apart; {events} events written"
    )
    for name, ms, counted in (
        ("figures changed", changed_ms, changed_queries),
        ("nothing changed", quiet_ms, quiet_queries),
    ):
        print(
            f"{name}: p50 {statistics.median(ms):.1f} ms, p95 {_percentile(ms, 0.95):.1f} ms, "
            f"max {max(ms):.1f} ms; queries p50 {statistics.median(counted):.0f}, "
            f"max {max(counted)}"
        )
    print(
        f"RESULT rules={rules} charges={args.charges} database={vendor} "
        f"changed_p50_ms={statistics.median(changed_ms):.1f} "
        f"changed_p95_ms={_percentile(changed_ms, 0.95):.1f} "
        f"changed_queries_max={max(changed_queries)} "
        f"quiet_p50_ms={statistics.median(quiet_ms):.1f} quiet_queries_max={max(quiet_queries)} "
        f"load={os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
