"""Saving a key while Stripe hangs, through real HTTP against ``chartivo serve`` (gunicorn
with its production config): the form says that Stripe did not answer and that nothing
was saved, and nothing is. How fast it answers is measured by bench/key_check.py."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.probe import TIMED_OUT
from tests.production.conftest import web_server
from tests.support.web import Visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_save_while_stripe_hangs_says_nothing_was_saved_and_saves_nothing(
    faulty: Any, owner: Any, tmp_path: Path
) -> None:
    account = faulty.control.create_account(seed="faults-save-hang", charges=20)
    faulty.control.set_faults(account=account.id, latency="120000")  # two minutes: a hang
    with (
        web_server(tmp_path / "web.log", REDIS_URL="") as base,
        Visitor(base) as visitor,
    ):
        login = visitor.submit(
            "/account/login/", {"username": owner.email, "password": "a long password 1"}
        )
        assert login.status_code == 302
        response = visitor.submit(
            "/integrations/", {"api_key": account.keys["restricted"]}, to="/integrations/stripe/"
        )
    assert response.status_code == 400
    assert TIMED_OUT in html.unescape(response.text)
    assert account.keys["restricted"] not in response.text
    assert not StripeConnection.objects.exists()
