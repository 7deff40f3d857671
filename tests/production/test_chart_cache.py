"""Charts are computed once per sync (chartivo/charts/payloads.py), which is what keeps Home
and the chart pages fast with many users (bench/load), and never at the cost of
showing figures older than the last sync."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import stripe
from django.db import connection as database
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.charts.models import Chart
from chartivo.charts.warm import after_sync
from chartivo.integrations.stripe.connect import connect
from chartivo.integrations.stripe.models import StripeConnection
from tests.conftest import run_worker
from tests.faults.conftest import refresh

pytestmark = pytest.mark.django_db(transaction=True)


def _total(client: Client, chart: Chart) -> int:
    # In USD, the charge's currency: the chart otherwise shows the account's busiest one.
    payload = client.get(f"/charts/{chart.pk}/data.json?currency=USD").json()
    assert payload["state"] in ("ready", "zero", "empty"), payload
    if payload["currency"] != "USD":  # no charge in USD in the range yet
        return 0
    return sum(sum(series["values"]) for series in payload["series"])


@pytest.fixture
def shared_cache(settings: Any, redis_url: str) -> None:
    """As in production with Redis: the worker and the web share the figures."""
    settings.REDIS_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }


def _reads_aggregates(client: Client, path: str) -> bool:
    with CaptureQueriesContext(database) as queries:
        assert client.get(path).status_code == 200
    return any("metrics_aggregate" in query["sql"] for query in queries)


def test_a_chart_is_computed_once_per_sync_and_the_next_sync_shows_what_changed(
    owner: User, owner_client: Client, account: Any, stripe_api: Any
) -> None:
    connection = connect(owner, account.keys["restricted"])
    run_worker()
    chart = Chart.objects.create(
        owner=owner,
        name="Charges today",
        metric="charges",
        measure="count",
        range_preset="today",
        granularity="hour",
    )
    before = _total(owner_client, chart)
    assert _reads_aggregates(owner_client, "/")  # Home's own headline figures, once
    for path in ("/", f"/charts/{chart.pk}/", f"/charts/{chart.pk}/data.json"):
        assert not _reads_aggregates(owner_client, path), f"{path} computed the chart again"

    client = stripe.StripeClient(
        account.keys["secret"], base_addresses={"api": stripe_api.api_base}
    )
    client.v1.charges.create({"amount": 4200, "currency": "usd", "source": "tok_visa"})
    assert _total(owner_client, chart) == before, "figures change only with a sync"

    refresh(connection)
    assert _reads_aggregates(owner_client, f"/charts/{chart.pk}/data.json?currency=USD")
    assert _total(owner_client, chart) == before + 1


def test_a_refresh_that_finds_nothing_new_keeps_every_figure_cached(
    owner: User, owner_client: Client, account: Any
) -> None:
    connection = connect(owner, account.keys["restricted"])
    run_worker()
    today = timezone.now().date()
    chart = Chart.objects.create(  # a fixed range: no new period can start meanwhile
        owner=owner,
        name="Charges",
        metric="charges",
        measure="count",
        range_preset="custom",
        custom_start=today - timedelta(days=20),
        custom_end=today - timedelta(days=1),
        granularity="day",
    )
    before = _total(owner_client, chart)
    connection.refresh_from_db()
    synced = connection.last_synced_at
    connection = refresh(connection)
    assert connection.last_synced_at is not None and synced is not None
    assert connection.last_synced_at > synced
    assert not _reads_aggregates(owner_client, f"/charts/{chart.pk}/data.json?currency=USD")
    assert _total(owner_client, chart) == before


def test_a_first_sync_still_filling_in_is_never_served_from_the_cache(
    owner: User, owner_client: Client, account: Any
) -> None:
    connection = connect(owner, account.keys["restricted"])
    chart = Chart.objects.create(owner=owner, name="Charges", metric="charges", measure="count")
    assert owner_client.get(f"/charts/{chart.pk}/data.json").json()["state"] == "syncing"
    run_worker()
    assert StripeConnection.objects.get(pk=connection.pk).backfill_done_at is not None
    assert owner_client.get(f"/charts/{chart.pk}/data.json").json()["state"] == "ready"


def test_with_the_cache_unreachable_charts_are_still_drawn(
    owner: User, owner_client: Client, account: Any, settings: Any
) -> None:
    connect(owner, account.keys["restricted"])
    run_worker()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    chart = Chart.objects.create(owner=owner, name="Charges", metric="charges", measure="count")
    assert _total(owner_client, chart) > 0
    assert owner_client.get("/").status_code == 200


def test_after_each_sync_the_worker_computes_home_so_no_view_of_it_reads_aggregates(
    owner: User, owner_client: Client, account: Any, stripe_api: Any, shared_cache: None
) -> None:
    connection = connect(owner, account.keys["restricted"])
    today = Chart.objects.create(
        owner=owner,
        name="Charges today",
        metric="charges",
        measure="count",
        range_preset="today",
        granularity="hour",
    )
    Chart.objects.create(
        owner=owner,
        name="Revenue",
        metric="revenue",
        measure="gross",
        breakdown="components",
        range_preset="dashboard",
    )
    run_worker()
    assert not _reads_aggregates(owner_client, "/"), "Home computed what the worker had"
    before = _total(owner_client, today)

    client = stripe.StripeClient(
        account.keys["secret"], base_addresses={"api": stripe_api.api_base}
    )
    client.v1.charges.create({"amount": 4200, "currency": "usd", "source": "tok_visa"})
    refresh(connection)
    assert not _reads_aggregates(owner_client, "/"), "Home's first view after a refresh computed"
    assert _total(owner_client, today) == before + 1

    # A range Home was never shown at is computed at its first view, and kept.
    assert _reads_aggregates(owner_client, "/?range=last_30_days")
    assert not _reads_aggregates(owner_client, "/?range=last_30_days")


def test_a_refresh_that_finds_nothing_new_does_not_warm_home_again(
    owner: User, owner_client: Client, account: Any, shared_cache: None
) -> None:
    connection = connect(owner, account.keys["restricted"])
    Chart.objects.create(
        owner=owner, name="Charges", metric="charges", measure="count", range_preset="dashboard"
    )
    run_worker()
    with CaptureQueriesContext(database) as queries:
        assert after_sync(connection.pk) == 0, "Home was computed again with nothing new"
    assert not any("charts_" in query["sql"] for query in queries)
    assert not _reads_aggregates(owner_client, "/"), "Home's figures were not kept"

    # What a sync that changed the aggregates records.
    StripeConnection.objects.filter(pk=connection.pk).update(figures_changed_at=timezone.now())
    assert after_sync(connection.pk) == 1, "new figures were not warmed"
