"""Work per request is bounded whatever a user asks for: at most 744 periods per series, the
table of figures a page at a time, the CSV streamed, previews limited per user and a
half-typed one answered quietly, cached figures bounded in bytes."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, cast

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from chartivo.charts import cache
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.connect import connect
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(owner: Any, account: Any, stripe_api: Any) -> Any:
    connection = connect(owner, account.keys["restricted"])
    run_worker()
    return connection


def _chart(owner: Any, **fields: Any) -> Chart:
    defaults = {"name": "Charges", "metric": "charges", "measure": "amount"}
    return Chart.objects.create(owner=owner, **{**defaults, **fields})


def test_a_range_too_long_for_its_granularity_is_drawn_at_one_that_fits(
    owner: Any, owner_client: Client, synced: Any
) -> None:
    chart = _chart(owner, range_preset="last_30_days", granularity="hour")
    today = timezone.now().date()
    query = {
        "range": "custom",
        "from": str(today - timedelta(days=29)),
        "to": str(today),
        "granularity": "hour",
    }
    assert len(owner_client.get(f"/charts/{chart.pk}/data.json").json()["periods"]) <= 744
    # 30 days by the hour fit; a wider custom range in the address does not.
    with override_settings(HISTORY_DAYS=60):
        query["from"] = str(today - timedelta(days=40))
        payload = owner_client.get(f"/charts/{chart.pk}/data.json", query).json()
    assert payload["granularity"] == "day" and len(payload["periods"]) == 41
    assert "more than 744 periods" in payload["note"]


def test_the_table_of_figures_comes_a_page_at_a_time_and_the_csv_is_streamed(
    owner: Any, owner_client: Client, synced: Any
) -> None:
    chart = _chart(owner, range_preset="last_7_days", granularity="hour")
    page = owner_client.get(f"/charts/{chart.pk}/figures/")
    text = page.content.decode()
    assert page.status_code == 200 and "Periods 1–100 of" in text and "Later periods" in text
    second = owner_client.get(f"/charts/{chart.pk}/figures/", {"page": "2"}).content.decode()
    assert "Periods 101–" in second and "Earlier periods" in second
    exported = owner_client.get(f"/charts/{chart.pk}/export.csv")
    assert exported.streaming, "the CSV is held whole"
    rows = b"".join(cast(Any, exported).streaming_content).decode().splitlines()
    assert rows[0] == "period_start,currency,series,value" and len(rows) > 168


def test_previews_are_limited_per_user_and_a_half_typed_one_is_answered_quietly(
    owner_client: Client, synced: Any
) -> None:
    query = {
        "metric": "charges",
        "measure": "count",
        "range_preset": "last_7_days",
        "granularity": "day",
        "time_zone": "europe/paris",  # any case: it is Europe/Paris
        "chart_type": "line",
    }
    with override_settings(PREVIEWS_PER_MINUTE=3):
        answers = [owner_client.get("/charts/preview.json", query) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].json()["zone"] == "Europe/Paris"
    half_typed = owner_client.get("/charts/preview.json", {**query, "time_zone": "Europe/Par"})
    assert half_typed.status_code == 200 and half_typed.json()["state"] == "invalid"


def test_cached_figures_are_bounded_in_bytes() -> None:
    local = cache.local_cache()
    local.clear()
    cache.set_many({"small": list(range(100))})
    cache.set_many({"huge": os.urandom(600_000)})  # incompressible, past the limit
    found = cache.get_many(["small", "huge"])
    assert set(found) == {"small"}
    assert local.size <= local.limit
