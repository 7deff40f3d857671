"""Personal access tokens as a member and an operator use them: made on the API tokens
page (shown once, kept as a digest), used in the Authorization header only, revoked at
once, ended with their member's membership, limited per token, reading with their
member's role; and the API's one error shape for every refusal."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from chartivo.api.models import ApiToken
from chartivo.charts.scope import ASK_A_MANAGER, NOT_AVAILABLE
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import VIEWER, Membership
from tests.api.conftest import HiddenToken, api_get, error_of, token_for
from tests.conftest import run_worker
from tests.support.database import database_text

pytestmark = pytest.mark.django_db

TOKENS_PAGE = "/account/api/"
METRICS = "/api/v1/metrics"


def _shown_token(page: str) -> str:
    found = re.search(r'id="new-token"[^>]*value="(chv_[A-Za-z0-9_\-]+)"', page)
    assert found, "the new token is not on the page"
    return HiddenToken(found[1])


def test_a_member_makes_a_token_sees_it_once_and_its_last_use_is_shown(
    owner: Any, owner_client: Client
) -> None:
    assert "API tokens" in owner_client.get("/").content.decode()  # in the profile menu
    made = owner_client.post(TOKENS_PAGE, {"name": "Finance spreadsheet"})
    assert made.status_code == 200
    secret = _shown_token(made.content.decode())
    assert "it is shown only this once" in made.content.decode()

    page = owner_client.get(TOKENS_PAGE).content.decode()
    assert secret not in page  # never again
    assert "Finance spreadsheet" in page and f"{secret[:8]}…" in page and "Never" in page
    # Kept as a digest only: the database holds no token.
    assert secret not in database_text() and secret[4:] not in database_text()

    response = api_get(secret, METRICS)
    assert response.status_code == 200
    assert {m["key"] for m in response.json()["metrics"]} >= {"charges", "refunds"}
    assert "Never" not in owner_client.get(TOKENS_PAGE).content.decode()
    assert ApiToken.objects.get().last_used_at is not None

    refused = owner_client.post(TOKENS_PAGE, {"name": ""})
    assert refused.status_code == 400 and ApiToken.objects.count() == 1


def test_a_revoked_token_is_refused_at_once(owner: Any, owner_client: Client) -> None:
    secret = token_for(owner)
    kept = token_for(owner, "kept")
    assert api_get(secret, METRICS).status_code == 200
    token = ApiToken.objects.get(name="script")
    revoked = owner_client.post(f"{TOKENS_PAGE}{token.pk}/revoke/")
    assert revoked.status_code == 302
    status, code, message = error_of(api_get(secret, METRICS))
    assert (status, code) == (401, "invalid_token") and "revoked" in message
    assert TOKENS_PAGE in message  # where to make a new one
    assert api_get(kept, METRICS).status_code == 200
    # Another member cannot revoke it; a second revoke finds nothing.
    assert owner_client.post(f"{TOKENS_PAGE}{token.pk}/revoke/").status_code == 404


def test_a_removed_members_tokens_stop_working_at_once(
    owner: Any, owner_client: Client, django_user_model: Any
) -> None:
    viewer = django_user_model.objects.create_user("viewer@example.com", "a long password 3")
    organisation = home_organisation(owner).organisation
    membership = Membership.objects.create(organisation=organisation, user=viewer, role=VIEWER)
    secret = token_for(viewer, membership=membership)
    assert api_get(secret, METRICS).status_code == 200
    removed = owner_client.post(f"/organisation/members/{membership.pk}/remove/")
    assert removed.status_code == 302
    assert error_of(api_get(secret, METRICS))[:2] == (401, "invalid_token")
    assert not ApiToken.objects.exists()


def test_only_the_authorization_header_carries_a_token(owner: Any, owner_client: Client) -> None:
    secret = token_for(owner)
    status, code, message = error_of(Client().get(METRICS, {"token": secret}))
    assert (status, code) == (400, "token_in_address") and "Authorization header" in message
    assert error_of(Client().get(METRICS, {"q": secret}))[1] == "token_in_address"
    # A session is no way in, nor another scheme, nor a made-up token.
    assert error_of(owner_client.get(METRICS))[:2] == (401, "unauthorized")
    wrong_scheme = Client().get(METRICS, headers={"Authorization": f"Token {secret}"})
    assert error_of(wrong_scheme)[:2] == (401, "unauthorized")
    assert error_of(api_get("chv_" + "A" * 43, METRICS))[:2] == (401, "invalid_token")
    assert error_of(api_get("not-a-token", METRICS))[:2] == (401, "invalid_token")
    # The API sets no cookie and is never cached.
    response = api_get(secret, METRICS)
    assert not response.cookies and "no-store" in response["Cache-Control"]


def test_the_rate_limit_per_token_answers_429_with_retry_after(owner: Any, settings: Any) -> None:
    settings.API_REQUESTS_PER_MINUTE = 3
    secret, other = token_for(owner), token_for(owner, "other")
    assert [api_get(secret, METRICS).status_code for _ in range(3)] == [200, 200, 200]
    limited = api_get(secret, METRICS)
    status, code, message = error_of(limited)
    assert (status, code) == (429, "rate_limited") and "Retry-After" in message
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert api_get(other, METRICS).status_code == 200  # per token


def test_every_refusal_has_the_one_error_shape(owner: Any) -> None:
    secret = token_for(owner)
    assert error_of(api_get(secret, "/api/v1/nothing-here"))[:2] == (404, "not_found")
    assert error_of(api_get(secret, "/api/v1/"))[:2] == (404, "not_found")
    posted = Client().post("/api/v1/series", headers={"Authorization": f"Bearer {secret}"})
    assert error_of(posted)[:2] == (405, "method_not_allowed") and posted["Allow"] == "GET"
    status, code, message = error_of(api_get(secret, "/api/v1/series"))
    assert (status, code) == (400, "invalid_parameter") and "metric" in message
    status, code, message = error_of(api_get(secret, "/api/v1/series", metric="nope"))
    assert status == 400 and "charges" in message  # names the values it takes
    status, code, message = error_of(api_get(secret, "/api/v1/series", metric="charges"))
    assert (status, code) == (409, "not_configured") and "Integrations" in message
    misspelt = error_of(api_get(secret, "/api/v1/series", metric="charges", granulrity="week"))
    assert misspelt[:2] == (400, "unknown_parameter") and "granularity" in misspelt[2]
    twice = error_of(api_get(secret, "/api/v1/series", metric=["charges", "refunds"]))
    assert twice[:2] == (400, "invalid_parameter") and "more than once" in twice[2]
    status, code, message = error_of(
        api_get(secret, "/api/v1/series", metric="charges", tz="Mars/Base")
    )
    assert status == 400 and "time zone" in message


def test_create_token_prints_a_new_token_once(owner: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", "OWNER@example.com", name="support", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert re.fullmatch(r"chv_[A-Za-z0-9_\-]{43}", secret)
    assert secret not in err.getvalue() and "shown once" in err.getvalue()
    assert api_get(secret, METRICS).status_code == 200
    assert ApiToken.objects.get().name == "support"
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_token", "nobody@example.com", name="x", stdout=out)


@pytest.mark.django_db(transaction=True)
def test_a_viewers_token_is_told_what_a_viewer_is_told(
    owner: Any, owner_client: Client, django_user_model: Any, account: Any
) -> None:
    """A key without Read on Disputes: the owner's token names the permission, as the
    owner's chart does; a viewer's token, like a viewer's chart, says to ask them."""
    key = account.keys["restricted_no_disputes"]
    assert owner_client.post("/integrations/stripe/", {"api_key": key}).status_code == 302
    run_worker()
    viewer = django_user_model.objects.create_user("viewer@example.com", "a long password 3")
    organisation = home_organisation(owner).organisation
    membership = Membership.objects.create(organisation=organisation, user=viewer, role=VIEWER)
    params = {"metric": "disputes", "measure": "count"}
    status, code, as_owner = error_of(api_get(token_for(owner), "/api/v1/series", **params))
    assert (status, code) == (409, "metric_unavailable") and "Read on Disputes" in as_owner
    viewer_token = token_for(viewer, membership=membership)
    status, code, as_viewer = error_of(api_get(viewer_token, "/api/v1/series", **params))
    assert (status, code) == (409, "metric_unavailable")
    assert as_viewer == NOT_AVAILABLE + ASK_A_MANAGER
    # What the key can read, both read alike.
    charges = {"metric": "charges", "measure": "count"}
    assert api_get(viewer_token, "/api/v1/series", **charges).json()["series"]
