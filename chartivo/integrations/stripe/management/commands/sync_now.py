"""Runs one connection's sync in the foreground until nothing is left, and reports it.

For operators (a stuck account, a manual backfill) and for the sync benchmark, which runs
it as a child process to measure its memory.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chartivo.integrations.stripe.sync.engine import run_sync
from chartivo.metrics import store


class Command(BaseCommand):
    help = "Sync one Stripe connection now, until done; print a JSON report."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("connection_id", type=int)

    def handle(self, *args: Any, connection_id: int, **options: Any) -> None:
        started = time.monotonic()
        totals: dict[str, Any] = {
            "requests": 0,
            "objects": 0,
            "rate_limited": 0,
            "runs": 0,
            "per_endpoint": {},
            "objects_per_endpoint": {},
        }
        while True:
            report = run_sync(connection_id)
            if report is None:
                raise CommandError("another worker is syncing this connection right now")
            totals["runs"] += 1
            for name in ("requests", "objects", "rate_limited"):
                totals[name] += getattr(report.stats, name)
            for name in ("per_endpoint", "objects_per_endpoint"):
                for key, value in getattr(report.stats, name).items():
                    totals[name][key] = totals[name].get(key, 0) + value
            if report.error:
                totals["error"] = report.error
                break
            if not report.more_to_do:
                if report.first_sync_done:  # as the worker does after a first sync
                    store.keep_statistics_current(connection_id)
                break
        totals["seconds"] = round(time.monotonic() - started, 3)
        self.stdout.write(json.dumps(totals))
