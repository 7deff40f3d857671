"""Tenant isolation: every URL, asked by the owner, another user and an
anonymous visitor, with GET and POST. The URLs come from the URLconf, and the table of
expected answers must name each one, so a new URL fails here until someone decides who
may use it.

Both users have a Stripe connection (the owner's synced, in sandbox mode; the other's in
live mode) and a chart. After every request from the other user or the visitor, the
owner's charts, connection, sync state, figures and password are compared with before.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count, Sum
from django.test import Client

from chartivo.charts.models import Chart
from chartivo.integrations.stripe.models import ResourceState, StripeConnection, SyncRange
from chartivo.integrations.stripe.sync.status import status_of
from chartivo.integrations.stripe.views import status_payload
from chartivo.metrics.models import Aggregate
from tests.conftest import run_worker
from tests.security.conftest import SAVE_URL, every_route

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "login"  # the answer "redirected to the login page"
HOME = "home"  # "redirected Home" (a page for signed-out visitors only)

INTEGRATIONS = "302 to /integrations/#stripe"
RESET_FORM = "302 to /account/reset/password/"
# route name -> {actor: (answer to GET, answer to POST)}. The owner's column holds only what
# leaves their data as it is (None: not asked), and shows that the same URLs do work.
EXPECTED: dict[str, dict[str, tuple[int | str | None, int | str | None]]] = {
    "healthz": {"other": (200, 405), "anonymous": (200, 405)},
    "readyz": {"other": (200, 405), "anonymous": (200, 405)},
    "signup": {"other": (HOME, HOME), "anonymous": (200, 200)},
    "login": {"other": (HOME, HOME), "anonymous": (200, 200)},
    "signup_sent": {"other": (200, 405), "anonymous": (200, 405)},
    # Mailed links without their token (or another's) work for nobody.
    "signup_confirm": {"other": (400, 400), "anonymous": (400, 400)},
    "password_reset": {"other": (200, 200), "anonymous": (200, 200)},
    "password_reset_sent": {"other": (200, 405), "anonymous": (200, 405)},
    "password_reset_link": {"other": (RESET_FORM, 405), "anonymous": (RESET_FORM, 405)},
    "password_reset_set": {"other": (400, 400), "anonymous": (400, 400)},
    "logout": {"other": (405, LOGIN), "anonymous": (405, LOGIN)},
    "password_change": {"other": (200, 200), "anonymous": (LOGIN, LOGIN)},
    "password_change_done": {"other": (200, 405), "anonymous": (LOGIN, LOGIN)},
    "integrations": {"owner": (200, 405), "other": (200, 405), "anonymous": (LOGIN, LOGIN)},
    "stripe_save": {"other": (405, 400), "anonymous": (LOGIN, LOGIN)},
    "stripe_remove": {"other": (405, INTEGRATIONS), "anonymous": (LOGIN, LOGIN)},
    "stripe_status": {"owner": (200, 405), "other": (200, 405), "anonymous": (LOGIN, LOGIN)},
    "home": {"owner": (200, 405), "other": (200, 405), "anonymous": (LOGIN, LOGIN)},
    "new_chart": {"other": (200, 400), "anonymous": (LOGIN, LOGIN)},
    "chart_preview": {"owner": (200, 405), "other": (200, 405), "anonymous": (LOGIN, LOGIN)},
    # The owner's chart, by its id: someone else's chart is exactly like a missing one.
    "chart_detail": {"owner": (200, 405), "other": (404, 405), "anonymous": (LOGIN, LOGIN)},
    "chart_data": {"owner": (200, 405), "other": (404, 405), "anonymous": (LOGIN, LOGIN)},
    "chart_csv": {"owner": (200, 405), "other": (404, 405), "anonymous": (LOGIN, LOGIN)},
    "chart_figures": {"owner": (200, 405), "other": (404, 405), "anonymous": (LOGIN, LOGIN)},
    # GET asks first (a page that names the chart); POST deletes.
    "chart_delete": {"owner": (200, None), "other": (404, 404), "anonymous": (LOGIN, LOGIN)},
    "chart_edit": {"owner": (200, None), "other": (404, 404), "anonymous": (LOGIN, LOGIN)},
    "chart_save_view": {"owner": (405, None), "other": (405, 404), "anonymous": (LOGIN, LOGIN)},
    "chart_duplicate": {"owner": (405, None), "other": (405, 404), "anonymous": (LOGIN, LOGIN)},
    "chart_restore": {"owner": (405, None), "other": (405, 404), "anonymous": (LOGIN, LOGIN)},
    "chart_move": {"owner": (405, None), "other": (405, 404), "anonymous": (LOGIN, LOGIN)},
    "chart_width": {"owner": (405, None), "other": (405, 404), "anonymous": (LOGIN, LOGIN)},
    # An order must be a JSON list of the sender's own charts.
    "charts_order": {"other": (405, 400), "anonymous": (LOGIN, LOGIN)},
    "definitions": {"owner": (200, 405), "other": (200, 405), "anonymous": (LOGIN, LOGIN)},
    "definitions_mismatch": {
        "owner": (200, 405),
        "other": (200, 405),
        "anonymous": (LOGIN, LOGIN),
    },
    # Each user sees the reconciliation of their own payouts only.
    "reconciliation": {"owner": (200, 405), "other": (200, 405), "anonymous": (LOGIN, LOGIN)},
}
PREVIEW = {
    "metric": "charges",
    "measure": "count",
    "range_preset": "last_30_days",
    "granularity": "day",
    "time_zone": "UTC",
    "chart_type": "line",
}


def _owner_state(owner: Any) -> tuple[Any, ...]:
    """Everything of the owner's that a request from someone else must leave alone."""
    owner.refresh_from_db()
    figures = Aggregate.objects.filter(connection__owner=owner).aggregate(
        rows=Count("pk"), count=Sum("count"), amount=Sum("amount"), net=Sum("net")
    )
    return (
        (owner.email, owner.password, owner.is_active),
        list(Chart.objects.filter(owner=owner).order_by("pk").values()),
        list(StripeConnection.objects.filter(owner=owner).values()),
        list(ResourceState.objects.filter(connection__owner=owner).order_by("pk").values()),
        list(SyncRange.objects.filter(connection__owner=owner).order_by("pk").values()),
        figures,
    )


def _answer(response: Any) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/account/login/"):
            return LOGIN
        if location == "/":
            return HOME
        return f"302 to {location}"
    return int(response.status_code)


def test_every_url_answers_the_owner_another_user_and_a_visitor_as_it_should(
    stripe_api: Any, owner: Any, owner_client: Client, other_user: Any
) -> None:
    routes = every_route()
    assert {r.name for r in routes} == set(EXPECTED), "a URL is missing from EXPECTED"

    def signed_in(user: Any) -> Client:
        # Signed in afresh for each request: a POST to log out must not end the matrix.
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    assert (
        owner_client.post(SAVE_URL, {"api_key": stripe_api.keys["restricted"]}).status_code == 302
    )
    run_worker()
    other_key = stripe_api.keys["restricted_live"]
    assert signed_in(other_user).post(SAVE_URL, {"api_key": other_key}).status_code == 302
    chart = Chart.objects.create(owner=owner, name="Owner-only chart", **_chart_fields())
    Chart.objects.create(owner=other_user, name="Other's own chart", **_chart_fields())
    before = _owner_state(owner)

    answers: dict[tuple[str, str, str], int | str] = {}
    wrong: list[str] = []
    # Every GET first, then every POST: a POST (Remove) may change what a GET shows.
    for method in ("GET", "POST"):
        for route in routes:
            url = route.url(chart.pk)
            for actor, (get_answer, post_answer) in EXPECTED[route.name].items():
                expected = get_answer if method == "GET" else post_answer
                if expected is None:
                    continue
                client = {
                    "owner": lambda: signed_in(owner),
                    "other": lambda: signed_in(other_user),
                    "anonymous": Client,
                }[actor]()
                if method == "GET":
                    response = client.get(url, PREVIEW if route.name == "chart_preview" else {})
                else:
                    response = client.post(url, {})
                answers[(route.name, actor, method)] = got = _answer(response)
                if got != expected:
                    wrong.append(f"{method} {url} as {actor}: {got}, expected {expected}")
                if actor == "other" and method == "GET":
                    _sees_only_their_own(route.name, response, other_user, chart)
                if actor != "owner" and _owner_state(owner) != before:
                    wrong.append(f"{method} {url} as {actor} changed the owner's data")
                    before = _owner_state(owner)
    assert not wrong, "\n".join(wrong)
    asked = [a for actors in EXPECTED.values() for pair in actors.values() for a in pair if a]
    assert len(answers) == len(asked)

    # The owner's own requests, read-only above, still see everything of theirs.
    assert owner_client.get(f"/charts/{chart.pk}/data.json").json()["mode"] == "Sandbox"


def _chart_fields() -> dict[str, str]:
    return {"metric": "charges", "measure": "count", "time_zone": "UTC"}


def _sees_only_their_own(name: str, response: Any, other_user: Any, owner_chart: Chart) -> None:
    """What the other user's own pages show: their integration, their charts, nothing else."""
    theirs = StripeConnection.objects.filter(owner=other_user).first()
    owners = StripeConnection.objects.exclude(owner=other_user).get()
    text = response.content.decode()
    if name == "integrations":
        shows_theirs = theirs is not None and theirs.masked_key in text
        shows_owners = owners.masked_key in text or 'class="badge badge-test"' in text
        assert shows_theirs and not shows_owners, "the Integrations page of the other user"
    elif name == "stripe_status":
        assert theirs is not None and response.json() == status_payload(status_of(theirs))
    elif name == "home":
        lists_theirs_only = "Other&#x27;s own chart" in text and owner_chart.name not in text
        assert lists_theirs_only, "the other user's Home"
    elif name == "chart_preview":
        assert response.json()["mode"] == "Live"  # drawn from their own (live) connection
