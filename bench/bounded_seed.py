"""bench/bounded.py's steps inside the app's environment.

bounded_seed.py connect KEY     save the owner's key; print the connection id
bounded_seed.py charts JSON     one chart per (metric, measure, breakdown); print JSON
bounded_seed.py synced          a sync has just finished
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import apply_environment, connect

EMAIL = "owner@bounded.bench"


def charts(kinds: list[list[str]]) -> None:
    from django.core.management import call_command
    from django.test import Client

    from chartivo.accounts.models import User
    from chartivo.charts.models import Chart

    call_command("collectstatic", "--no-input", verbosity=0)
    user = User.objects.get(email=EMAIL)
    ids = [
        Chart.objects.create(
            owner=user, name=f"{m} {x} {b}", metric=m, measure=x, breakdown=b, chart_type="bar"
        ).pk
        for m, x, b in kinds
    ]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    print(json.dumps({"charts": ids, "session": client.cookies["sessionid"].value}))


def synced() -> None:
    from django.utils import timezone

    from chartivo.integrations.stripe.models import StripeConnection

    StripeConnection.objects.filter(owner__email=EMAIL).update(last_synced_at=timezone.now())


def main() -> None:
    apply_environment(dict(os.environ))
    command = sys.argv[1]
    if command == "connect":
        print(connect(sys.argv[2], EMAIL).pk)
    elif command == "charts":
        charts(json.loads(sys.argv[2]))
    else:
        synced()


if __name__ == "__main__":
    main()
