"""A double-clicked Save through real HTTP: ``chartivo serve`` (gunicorn with its production
config) on the test database (PostgreSQL in ``make test-postgres``), eight requests at once.

Each request is what a browser sends on one click: the same session, the same CSRF token,
the same key. Whatever order the server takes them in, every one is answered as a Save
is (a redirect to the Stripe Configuration card), and one key is stored."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any

import httpx
import pytest

from stripe_sandbox.testing import SandboxProcess
from tests.production.conftest import json_log, web_server
from tests.support.web import Visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PASSWORD = "a long password 1"  # the ``owner`` fixture's
CLICKS = 8


def test_a_double_clicked_save_stores_one_key_and_answers_every_click(
    tmp_path: Path, stripe_api: SandboxProcess, owner: Any
) -> None:
    from chartivo.integrations.stripe.models import StripeConnection

    key = stripe_api.keys["restricted"]
    log = tmp_path / "web.log"
    # Two processes of four threads: the clicks really run at the same time, in two
    # database sessions or more.
    with web_server(log, REDIS_URL="", CHARTIVO_WEB_WORKERS="2", CHARTIVO_WEB_THREADS="4") as base:
        with Visitor(base) as person:
            login = person.submit(
                "/account/login/", {"username": owner.email, "password": PASSWORD}
            )
            assert login.status_code == 302
            token = person.token_for("/integrations/")
            cookies = dict(person.http.cookies)
        start = Barrier(CLICKS)

        def click(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, cookies=cookies, timeout=60) as tab:
                start.wait()
                return tab.post(
                    "/integrations/stripe/",
                    data={"api_key": key, "csrfmiddlewaretoken": token},
                )

        with ThreadPoolExecutor(max_workers=CLICKS) as pool:
            answers = list(pool.map(click, range(CLICKS)))
        with Visitor(base) as later:
            later.http.cookies.update(cookies)
            card = later.get("/integrations/").text

    assert [a.status_code for a in answers] == [302] * CLICKS, [a.text[:200] for a in answers]
    assert {a.headers["location"] for a in answers} == {"/integrations/#stripe"}
    assert StripeConnection.objects.filter(owner=owner).count() == 1
    assert StripeConnection.objects.get(owner=owner).key_last4 == key[-4:]
    assert f"•{key[-4:]}" in card
    errors = [r for r in json_log(log) if r["level"] in {"ERROR", "CRITICAL"}]
    assert not errors, errors
