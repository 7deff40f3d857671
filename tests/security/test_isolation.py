"""Tenant isolation and roles: every URL, asked by the owner, an admin and a viewer of an
organisation, the owner of another organisation, an anonymous visitor and a read API token
of another organisation, with GET and POST. The URLs come from the URLconf, and the table
of expected answers (isolation_table.py) must name each one, so a new URL fails here until
someone decides who may use it.

Both organisations have a Stripe connection (the first's synced, in sandbox mode; the
other's in live mode) and a chart. After every request, the first organisation's
members, invitations, charts, connection, sync state and figures are compared with
before; a viewer's pages never show a key or an account's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.db.models import Count, Sum
from django.test import Client

from chartivo.accounts.models import User
from chartivo.alerts.models import ABOVE, SIGNED, AlertRule
from chartivo.alerts.signing import new_secret, seal_secret
from chartivo.api.models import ApiToken
from chartivo.api.tokens import create_token
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.models import ResourceState, StripeConnection, SyncRange
from chartivo.integrations.stripe.sync.status import status_of
from chartivo.integrations.stripe.views import status_payload
from chartivo.metrics.models import Aggregate
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import ADMIN, VIEWER, Invitation, Membership, Organisation
from chartivo.sharing.models import ShareLink
from chartivo.sharing.tokens import digest, new_token
from tests.api.conftest import HiddenToken
from tests.conftest import run_worker
from tests.security.conftest import SAVE_URL, every_route
from tests.security.isolation_table import EXPECTED, HOME, LOGIN

pytestmark = pytest.mark.django_db(transaction=True)

PREVIEW = {
    "metric": "charges",
    "measure": "count",
    "range_preset": "last_30_days",
    "granularity": "day",
    "time_zone": "UTC",
    "chart_type": "line",
}


def _state(organisation: Organisation) -> tuple[Any, ...]:
    """Everything of the organisation's that the requests asked must leave alone."""
    figures = Aggregate.objects.filter(connection__organisation=organisation).aggregate(
        rows=Count("pk"), count=Sum("count"), amount=Sum("amount"), net=Sum("net")
    )
    connections = StripeConnection.objects.filter(organisation=organisation)
    return (
        list(Membership.objects.filter(organisation=organisation).order_by("pk").values()),
        list(Invitation.objects.filter(organisation=organisation).order_by("pk").values()),
        list(
            User.objects.filter(memberships__organisation=organisation)
            .order_by("pk")
            .values("email", "password", "is_active")
        ),
        list(Chart.objects.filter(organisation=organisation).order_by("pk").values()),
        list(connections.order_by("pk").values()),
        list(ResourceState.objects.filter(connection__in=connections).order_by("pk").values()),
        list(SyncRange.objects.filter(connection__in=connections).order_by("pk").values()),
        figures,
        list(AlertRule.objects.filter(organisation=organisation).order_by("pk").values()),
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


def _signed_in(user: Any, token: str = "") -> Client:
    # Signed in afresh for each request: a POST to log out must not end the matrix. On the
    # read API's addresses a member sends their own token too.
    client = Client(headers={"Authorization": f"Bearer {token}"} if token else None)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def team(django_user_model: Any, owner: Any) -> dict[str, Any]:
    organisation = home_organisation(owner).organisation
    people = {"owner": owner}
    for role in (ADMIN, VIEWER):
        user = django_user_model.objects.create_user(f"{role}@example.com", "a long password 3")
        Membership.objects.create(organisation=organisation, user=user, role=role)
        people[role] = user
    return people


def test_every_url_answers_each_role_another_organisation_and_a_visitor_as_it_should(
    stripe_api: Any, team: dict[str, Any], owner_client: Client, other_user: Any
) -> None:
    owner, viewer = team["owner"], team["viewer"]
    organisation = home_organisation(owner).organisation
    routes = every_route()
    assert {r.name for r in routes} == set(EXPECTED), "a URL is missing from EXPECTED"

    assert (
        owner_client.post(SAVE_URL, {"api_key": stripe_api.keys["restricted"]}).status_code == 302
    )
    run_worker()
    other_key = stripe_api.keys["restricted_live"]
    assert _signed_in(other_user).post(SAVE_URL, {"api_key": other_key}).status_code == 302
    chart = Chart.objects.create(owner=owner, name="Organisation chart", **_chart_fields())
    Chart.objects.create(owner=other_user, name="Other's own chart", **_chart_fields())
    connection = StripeConnection.objects.get(organisation=organisation)
    tokens = {
        actor: HiddenToken(create_token(home_organisation(user), actor).secret)
        for actor, user in {**team, "other": other_user}.items()
    }
    ids = {
        "token_id": ApiToken.objects.get(membership__user=owner).pk,
        "connection_id": connection.pk,
        "member_id": Membership.objects.get(user=viewer).pk,
        "invitation_id": Invitation.objects.create(
            organisation=organisation, email="invited@example.com", role=VIEWER
        ).pk,
    }
    # Another organisation's token cannot name this organisation's account either.
    other_token = Client(headers={"Authorization": f"Bearer {tokens['other']}"})
    named = other_token.get("/api/v1/series", {"metric": "charges", "account": str(connection.pk)})
    assert named.status_code == 400 and named.json()["error"]["code"] == "unknown_account"

    shares = _share_links(chart, other_user)
    ids.update(link_id=shares.link_id, rule_id=_signed_webhook_rule(organisation, owner).pk)
    before = _state(organisation)

    answers: dict[tuple[str, str, str], int | str] = {}
    wrong: list[str] = []
    # Every GET first, then every POST: a POST (Remove) may change what a GET shows.
    for method in ("GET", "POST"):
        for route in routes:
            for actor, (get_answer, post_answer) in EXPECTED[route.name].items():
                expected = get_answer if method == "GET" else post_answer
                if expected is None:
                    continue
                client = _client(actor, route.name, {**team, "other": other_user}, tokens)
                client, url = shares.asking(actor, client, route, chart.pk, ids)
                if method == "GET":
                    response = client.get(url, _query(route.name))
                else:
                    response = client.post(url, {})
                answers[(route.name, actor, method)] = got = _answer(response)
                if got != expected:
                    wrong.append(f"{method} {url} as {actor}: {got}, expected {expected}")
                theirs = actor == "other" or (actor == "other_token" and route.name[:4] == "api:")
                if theirs and method == "GET":
                    _sees_only_their_own(route.name, response, other_user, chart)
                if actor == "viewer":
                    _shows_no_key_state(route.name, response, connection)
                shares.check(actor, response, chart)
                if _state(organisation) != before:
                    wrong.append(f"{method} {url} as {actor} changed the organisation's data")
                    before = _state(organisation)
    assert not wrong, "\n".join(wrong)
    asked = [a for actors in EXPECTED.values() for pair in actors.values() for a in pair if a]
    assert len(answers) == len(asked)

    # The members' own requests, read-only above, still see everything of theirs.
    for member in team.values():
        assert _signed_in(member).get(f"/charts/{chart.pk}/data.json").json()["mode"] == "Sandbox"


def _signed_webhook_rule(organisation: Organisation, owner: Any) -> AlertRule:
    rule = AlertRule.objects.create(
        organisation=organisation,
        name="Refunds up",
        metric="refunds",
        currency="usd",
        condition=ABOVE,
        threshold=Decimal(100),
        webhook_url="https://hooks.example.com/chartivo",
        webhook_format=SIGNED,
        created_by=owner,
    )
    rule.webhook_secret_sealed = seal_secret(rule, new_secret())
    rule.save(update_fields=["webhook_secret_sealed"])
    return rule


def _client(actor: str, route: str, people: dict[str, Any], tokens: Mapping[str, str]) -> Client:
    if actor == "other_token":
        return Client(headers={"Authorization": f"Bearer {tokens['other']}"})
    user = people.get(actor)
    if user is None:
        return Client()
    return _signed_in(user, tokens[actor] if route.startswith("api:") else "")


def _query(route: str) -> dict[str, str]:
    if route == "chart_preview":
        return PREVIEW
    if route == "api:series":
        return {"metric": "charges", "measure": "count"}
    return {}


def _chart_fields() -> dict[str, str]:
    return {"metric": "charges", "measure": "count", "time_zone": "UTC"}


def _shows_no_key_state(name: str, response: Any, connection: StripeConnection) -> None:
    """A viewer's pages never name a key, its mode's card, or an account's sync state."""
    if response.status_code in (301, 302) or response.get("Content-Type", "").startswith(
        ("text/csv", "image/png")
    ):
        return
    text = response.content.decode()
    for secret_ish in (connection.masked_key, connection.key_last4, "Saved key", "stripe_status"):
        assert secret_ish not in text, f"{name} shows a viewer {secret_ish!r}"
    assert "/integrations/" not in text, f"{name} leads a viewer to Integrations"


def _sees_only_their_own(name: str, response: Any, other_user: Any, org_chart: Chart) -> None:
    """What the other organisation's pages show: their integration, their charts only."""
    theirs = StripeConnection.objects.filter(owner=other_user).first()
    first = StripeConnection.objects.exclude(owner=other_user).get()
    text = response.content.decode()
    if name == "integrations":
        shows_theirs = theirs is not None and theirs.masked_key in text
        shows_first = first.masked_key in text or 'class="badge badge-test"' in text
        assert shows_theirs and not shows_first, "the Integrations page of the other user"
    elif name == "stripe_status":
        assert theirs is not None and response.json() == status_payload(status_of(theirs))
    elif name == "home":
        lists_theirs_only = "Other&#x27;s own chart" in text and org_chart.name not in text
        assert lists_theirs_only, "the other user's Home"
    elif name == "members":
        assert "viewer@example.com" not in text and "admin@example.com" not in text
    elif name == "chart_preview":
        assert response.json()["mode"] == "Live"  # drawn from their own (live) connection
    elif name in ("api:catalogue", "api:series", "api:headlines"):
        assert theirs is not None
        answer = response.json()
        if name == "api:catalogue":
            assert [a["id"] for a in answer["accounts"]] == [str(theirs.pk)], "their accounts"
        else:
            assert answer["account"] == str(theirs.pk), f"{name} reads their own account"
        assert first.masked_key not in response.content.decode()


# --- Sharing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shares:
    token: str  # a public, embeddable link to the organisation's chart
    link_id: int
    other: str  # a password link to the other organisation's chart
    visitor: Client  # a visitor who typed that password

    def asking(
        self, actor: str, client: Client, route: Any, chart_id: int, ids: dict[str, int]
    ) -> tuple[Client, str]:
        """Who asks, and the address they ask (``share_other`` with its own token)."""
        if actor == "share_other":
            return self.visitor, route.url(chart_id, **ids, token=self.other)
        return client, route.url(chart_id, **ids, token=self.token)

    def check(self, actor: str, response: Any, chart: Chart) -> None:
        """Another chart's token shows that chart, never the organisation's."""
        if actor == "share_other" and response.status_code == 200:
            assert chart.name not in response.content.decode(), "another token shows our chart"


def _share_links(chart: Chart, other_user: Any) -> _Shares:
    own_token, other_token = new_token(), new_token()
    fields = {"range_preset": "last_30_days", "compare": "none", "time_zone": "UTC"}
    link = ShareLink.objects.create(
        organisation_id=chart.organisation_id,
        chart=chart,
        token_digest=digest(own_token),
        embed_origins="https://partner.example",
        **fields,
    )
    theirs = Chart.objects.get(owner=other_user)
    ShareLink.objects.create(
        organisation_id=theirs.organisation_id,
        chart=theirs,
        token_digest=digest(other_token),
        password_hash=make_password("their password 1"),
        **fields,
    )
    visitor = Client()
    unlocked = visitor.post(f"/s/{other_token}/", {"password": "their password 1"})
    assert unlocked.status_code == 302
    return _Shares(own_token, link.pk, other_token, visitor)
