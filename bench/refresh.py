"""What a refresh costs: after the first sync, 100 new charges, then one refresh.

A refresh reads each resource's tail and the events since the last refresh; it must cost
the pages of what is new plus a small constant — not a re-read of the month. Runs on the
sandbox at live-mode limits with 150–300 ms latency, like bench/sync.py.

    python bench/refresh.py [--charges 100000] [--new 100]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from _setup import ROOT, apply_environment, connect, run_child, scratch_environment

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

TAILS_AND_EVENTS = 6  # one tail request per resource (5) and one for events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charges", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--latency", default="150-300")
    args = parser.parse_args()

    with SandboxProcess(
        seed="bench", charges=args.charges, days=30, modes="live", latency=args.latency
    ) as box:
        env = scratch_environment(box.api_base, CHARTIVO_SYNC_SLICE_SECONDS="3600")
        apply_environment(env)
        import stripe
        from django.utils import timezone

        from chartivo.integrations.stripe.models import StripeConnection

        connection = connect(box.keys["restricted_live"])
        sync = [sys.executable, "-m", "chartivo.cli", "sync_now", str(connection.pk)]
        first, _, _ = run_child(sync, env)
        print("first sync:", first.strip().splitlines()[-1])

        sdk = stripe.StripeClient(box.keys["secret_live"], base_addresses={"api": box.api_base})
        for i in range(args.new):
            sdk.v1.charges.create({"amount": 1000 + i, "currency": "usd", "source": "tok_visa"})
        StripeConnection.objects.filter(pk=connection.pk).update(next_run_at=timezone.now())
        box.control.reset_stats()
        started = time.monotonic()
        out, _, _ = run_child(sync, env)
        seconds = time.monotonic() - started
        report = json.loads(out.strip().splitlines()[-1])
        rows = box.control.stats()["rows"]
        by_endpoint: dict[str, int] = {}
        for row in rows:
            by_endpoint[row["endpoint"]] = by_endpoint.get(row["endpoint"], 0) + row["count"]
        requests = sum(by_endpoint.values())

    # New charges bring a balance transaction and an event each: three lists to page.
    new_pages = 3 * math.ceil(args.new / 100)
    print(f"refresh requests by endpoint: {by_endpoint}")
    print(f"objects read by the refresh: {report['objects']}")
    bound = new_pages + TAILS_AND_EVENTS
    print(
        f"RESULT refresh_requests={requests} new_objects={args.new} "
        f"pages_of_new_objects={new_pages} constant={TAILS_AND_EVENTS} "
        f"bound={bound} within_bound={requests <= bound} "
        f"seconds={seconds:.1f} history_charges={args.charges}"
    )


if __name__ == "__main__":
    main()
