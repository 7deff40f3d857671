"""Home's cards are kept as HTML between changes (chartivo/charts/home_cards.py): a page
served from that cache must work exactly like a fresh one, for each reader."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.connect import connect
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

_MOVE_TOKEN = re.compile(r'data-move>.*?name="csrfmiddlewaretoken" value="([^"]+)"', re.S)


def _reader(owner: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _home(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _order(page: str, *charts: Chart) -> list[int]:
    return sorted((c.pk for c in charts), key=lambda pk: page.index(f'id="card-{pk}"'))


def test_a_home_served_from_the_cache_has_working_forms_and_shows_every_change(
    owner: User, account: Any
) -> None:
    connect(owner, account.keys["restricted"])
    run_worker()
    first = Chart.objects.create(
        owner=owner, name="Charges counted", metric="charges", measure="count", position=0
    )
    second = Chart.objects.create(
        owner=owner, name="New customers", metric="customers", measure="count", position=1
    )
    reader, other_session = _reader(owner), _reader(owner)
    _home(reader)  # draws the cards and keeps them
    for client in (reader, other_session):  # both served the kept cards
        page = _home(client)
        assert _order(page, first, second) == [first.pk, second.pk]
        token = _MOVE_TOKEN.search(page)
        assert token is not None
        # The token in the kept cards is this reader's own: the form it sits in works.
        moved = client.post(
            f"/charts/{second.pk}/move/",
            {"direction": "earlier", "csrfmiddlewaretoken": token.group(1)},
        )
        assert moved.status_code == 302
        page = _home(client)
        assert _order(page, first, second) == [second.pk, first.pk]
        Chart.objects.filter(pk=second.pk).update(position=5)  # back to second place

    Chart.objects.filter(pk=first.pk).update(name="Charges, renamed")
    assert "Charges, renamed" in _home(reader)
    Chart.objects.filter(pk=first.pk).update(width="wide")
    assert re.search(rf'class="chart-card wide" id="card-{first.pk}"', _home(reader))


def test_a_chart_whose_saved_range_is_now_refused_does_not_keep_home_from_its_cache(
    owner: User, account: Any, settings: Any
) -> None:
    """A saved range that has grown older than the history kept says why on its card; the
    cards around it are still served from the kept page, not drawn again at each view."""
    connect(owner, account.keys["restricted"])
    run_worker()
    today = timezone.now().date()
    counted = Chart.objects.create(
        owner=owner, name="Charges counted", metric="charges", measure="count", position=0
    )
    refused = Chart.objects.create(
        owner=owner,
        name="Charges since long ago",
        metric="charges",
        measure="count",
        range_preset="custom",
        custom_start=today - timedelta(days=settings.HISTORY_DAYS + 10),
        custom_end=today,
        position=1,
    )
    reader = _reader(owner)
    first = reader.get("/")
    assert f"keeps only the last {settings.HISTORY_DAYS} days" in first.content.decode()
    assert "charts/cards.html" in _templates(first)
    again = reader.get("/")
    assert _order(again.content.decode(), counted, refused) == [counted.pk, refused.pk]
    assert "charts/cards.html" not in _templates(again), "the cards were drawn again"


def _templates(response: Any) -> list[str]:
    return [template.name for template in response.templates]
