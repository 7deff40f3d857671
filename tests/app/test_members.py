"""Members, roles and invitations, through a real SMTP server: an invitation link works
once, expires and can be withdrawn; a removed member loses access at their next request;
an organisation always keeps an owner; a viewer's charts are their own; a user in
several organisations switches between them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing
from django.test import Client

from chartivo.charts.models import Chart
from chartivo.orgs.access import home_organisation
from chartivo.orgs.invitations import _SALT, INVITATION_LINK_SECONDS
from chartivo.orgs.models import ADMIN, OWNER, VIEWER, Invitation, Membership
from chartivo.orgs.rules import LAST_OWNER, OWNERS_ONLY
from tests.support.mail import SmtpServer, deliver_queued_mail

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes its connection
NEW_PASSWORD = "correct horse battery staple 7"


@pytest.fixture
def other_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("other@example.com", "another long password 2")


@pytest.fixture
def other_client(other_user: Any) -> Client:
    client = Client()
    client.force_login(other_user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _invite(client: Client, mail: SmtpServer, email: str, role: str = VIEWER) -> str:
    response = client.post("/organisation/members/invite/", {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    deliver_queued_mail()
    message = mail.wait_for(to=email)
    assert "owner@example.com invites you to join owner@example.com" in message.text
    (link,) = [x for x in message.links() if "/organisation/join/" in x]
    return link


def _join_as_new_user(link: str) -> Client:
    visitor = Client()
    landing = visitor.get(_path(link))
    assert landing["Location"] == "/organisation/join/"  # the token leaves the address
    page = visitor.get("/organisation/join/")
    assert page.status_code == 200 and b"Choose a password" in page.content
    joined = visitor.post(
        "/organisation/join/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert joined["Location"] == "/"
    return visitor


def test_an_invited_viewer_sees_the_dashboard_never_integrations_and_loses_access_when_removed(
    owner: Any, owner_client: Client, mail: SmtpServer
) -> None:
    chart = Chart.objects.create(
        owner=owner, name="Team revenue", metric="charges", measure="count"
    )
    link = _invite(owner_client, mail, "vera@example.com")
    viewer = _join_as_new_user(link)

    membership = Membership.objects.get(user__email="vera@example.com")
    assert (membership.role, membership.organisation.name) == (VIEWER, "owner@example.com")
    home = viewer.get("/").content.decode()
    assert "Team revenue" in home and "Integrations" not in home
    for url in ("/integrations/", "/integrations/stripe/status.json", "/organisation/members/"):
        forbidden = viewer.get(url)
        assert forbidden.status_code == 403 and b"Not allowed" in forbidden.content
    assert viewer.post("/integrations/stripe/", {"api_key": "rk_test_x"}).status_code == 403
    assert viewer.get(f"/charts/{chart.pk}/edit/").status_code == 403
    # The link worked once.
    assert Client().get(_path(link))["Location"] == "/organisation/join/"
    assert Client().get("/organisation/join/").status_code == 400

    removed = owner_client.post(f"/organisation/members/{membership.pk}/remove/")
    assert removed.status_code == 302
    # At the very next request, in the session already open: the chart is out of reach.
    assert viewer.get(f"/charts/{chart.pk}/").status_code == 404
    assert "Team revenue" not in viewer.get("/").content.decode()


def test_an_existing_user_logs_in_to_accept_and_then_switches_between_organisations(
    owner: Any, owner_client: Client, mail: SmtpServer, other_user: Any, other_client: Client
) -> None:
    link = _invite(owner_client, mail, other_user.email, role=ADMIN)
    other_client.get(_path(link))
    page = other_client.get("/organisation/join/")
    assert b"Join owner@example.com" in page.content
    assert other_client.post("/organisation/join/")["Location"] == "/"
    # Now working in the organisation joined, as admin: its Integrations are theirs too.
    assert other_client.get("/integrations/").status_code == 200
    menu = other_client.get("/").content.decode()
    assert "Switch to other@example.com" in menu
    own = home_organisation(other_user).organisation
    assert other_client.post("/organisation/switch/", {"organisation": own.pk}).status_code == 302
    assert "Switch to owner@example.com" in other_client.get("/").content.decode()
    # An organisation they are not in is not one to switch to.
    stranger = Membership.objects.exclude(user=other_user).values_list("organisation", flat=True)
    assert other_client.post(
        "/organisation/switch/", {"organisation": stranger[0]}
    ).status_code in (
        302,
        404,
    )


def test_a_link_for_another_address_an_expired_one_and_a_withdrawn_one_do_not_work(
    owner: Any, owner_client: Client, mail: SmtpServer, other_client: Client
) -> None:
    link = _invite(owner_client, mail, "someone@example.com")
    other_client.get(_path(link))
    assert other_client.get("/organisation/join/").status_code == 403  # signed in as another

    invitation = Invitation.objects.get()
    old = signing.TimestampSigner(salt=_SALT)
    old.timestamp = lambda: signing.b62_encode(  # type: ignore[method-assign]
        int(__import__("time").time()) - INVITATION_LINK_SECONDS - 60
    )
    expired = old.sign_object({"i": invitation.pk, "n": invitation.nonce})
    visitor = Client()
    visitor.get(f"/organisation/join/?t={expired}")
    assert visitor.get("/organisation/join/").status_code == 400

    owner_client.post(f"/organisation/invitations/{invitation.pk}/withdraw/")
    visitor = Client()
    visitor.get(_path(link))
    assert visitor.get("/organisation/join/").status_code == 400


def test_an_organisation_always_keeps_an_owner(
    owner: Any, owner_client: Client, django_user_model: Any
) -> None:
    organisation = home_organisation(owner).organisation
    mine = Membership.objects.get(user=owner)
    admin = django_user_model.objects.create_user("admin@example.com", "a long password 3")
    theirs = Membership.objects.create(organisation=organisation, user=admin, role=ADMIN)
    admin_client = Client()
    admin_client.force_login(admin)
    admin_client.get("/")

    owner_client.post(f"/organisation/members/{mine.pk}/role/", {"role": VIEWER})
    assert LAST_OWNER in owner_client.get("/organisation/members/").content.decode()
    owner_client.post(f"/organisation/members/{mine.pk}/remove/")
    assert Membership.objects.get(pk=mine.pk).role == OWNER
    # An admin cannot touch an owner, nor make one.
    admin_client.post(f"/organisation/members/{mine.pk}/remove/")
    admin_client.post(f"/organisation/members/{theirs.pk}/role/", {"role": OWNER})
    assert OWNERS_ONLY in admin_client.get("/organisation/members/").content.decode()
    assert Membership.objects.get(pk=mine.pk).role == OWNER
    assert Membership.objects.get(pk=theirs.pk).role == ADMIN
    # With a second owner, the first may step down.
    owner_client.post(f"/organisation/members/{theirs.pk}/role/", {"role": OWNER})
    owner_client.post(f"/organisation/members/{mine.pk}/role/", {"role": VIEWER})
    assert Membership.objects.get(pk=mine.pk).role == VIEWER


def test_a_viewers_charts_are_their_own(
    owner: Any, owner_client: Client, django_user_model: Any, stripe_api: Any
) -> None:
    saved = owner_client.post("/integrations/stripe/", {"api_key": stripe_api.keys["restricted"]})
    assert saved.status_code == 302
    organisation = home_organisation(owner).organisation
    viewer = django_user_model.objects.create_user("vera@example.com", "a long password 3")
    Membership.objects.create(organisation=organisation, user=viewer, role=VIEWER)
    client = Client()
    client.force_login(viewer)
    shared = Chart.objects.create(owner=owner, name="Shared", metric="charges", measure="count")

    made = client.post(
        "/charts/new/",
        {
            "name": "Mine only",
            "metric": "charges",
            "measure": "count",
            "range_preset": "last_30_days",
            "granularity": "day",
            "time_zone": "UTC",
            "compare": "none",
            "chart_type": "line",
        },
    )
    assert made.status_code == 302
    mine = Chart.objects.get(name="Mine only")
    assert mine.personal and mine.owner == viewer
    assert "Mine only" not in owner_client.get("/").content.decode()
    assert client.get(f"/charts/{mine.pk}/edit/").status_code == 200
    copied = client.post(f"/charts/{shared.pk}/duplicate/")
    copy = Chart.objects.get(pk=int(copied["Location"].strip("/").split("/")[-1]))
    assert copy.personal and copy.owner == viewer
    assert "Shared (copy)" not in owner_client.get("/").content.decode()
    assert client.post(f"/charts/{shared.pk}/delete/").status_code == 403
    assert Chart.objects.get(pk=shared.pk).deleted_at is None


def test_a_viewer_is_told_to_ask_a_manager_never_what_the_key_lacks(
    owner: Any, owner_client: Client, django_user_model: Any, stripe_api: Any
) -> None:
    key = stripe_api.keys["restricted_no_disputes"]
    assert owner_client.post("/integrations/stripe/", {"api_key": key}).status_code == 302
    chart = Chart.objects.create(owner=owner, name="Disputes", metric="disputes", measure="count")
    viewer = django_user_model.objects.create_user("vera@example.com", "a long password 3")
    Membership.objects.create(
        organisation=home_organisation(owner).organisation, user=viewer, role=VIEWER
    )
    client = Client()
    client.force_login(viewer)
    managers = owner_client.get(f"/charts/{chart.pk}/data.json").json()
    assert managers["state"] == "forbidden" and "Read on Disputes" in managers["message"]
    for url in (f"/charts/{chart.pk}/data.json", f"/charts/{chart.pk}/"):
        text = client.get(url).content.decode()
        assert "Read on Disputes" not in text and "owner or admin" in text, url
    assert "Read on Disputes" not in client.get("/").content.decode()


def test_an_owner_deletes_the_organisation_with_its_accounts_and_charts(
    owner: Any, owner_client: Client
) -> None:
    organisation = home_organisation(owner).organisation
    Chart.objects.create(owner=owner, name="Gone", metric="charges", measure="count")
    kept = owner_client.post("/organisation/delete/", {"confirm_name": "not its name"})
    assert kept["Location"] == "/organisation/members/"
    assert Chart.objects.filter(organisation=organisation).exists()
    gone = owner_client.post("/organisation/delete/", {"confirm_name": organisation.name})
    assert gone["Location"] == "/"
    assert not Chart.objects.exists()
    # Home goes on, in a new organisation of their own.
    assert owner_client.get("/").status_code == 200
    assert Membership.objects.get(user=owner).organisation_id != organisation.pk


def test_a_manager_renames_the_organisation_and_invitations_say_its_new_name(
    owner: Any, owner_client: Client, mail: SmtpServer
) -> None:
    organisation = home_organisation(owner).organisation
    refused = owner_client.post("/organisation/rename/", {"name": "   "}, follow=True)
    assert "Give the organisation a name of 1 to 200 characters." in refused.content.decode()
    renamed = owner_client.post("/organisation/rename/", {"name": "  Ada's   Bakery "})
    assert renamed["Location"] == "/organisation/members/"
    organisation.refresh_from_db()
    assert organisation.name == "Ada's Bakery"
    owner_client.post("/organisation/members/invite/", {"email": "b@example.com", "role": VIEWER})
    deliver_queued_mail()
    assert (
        "owner@example.com invites you to join Ada's Bakery"
        in mail.wait_for(to="b@example.com").text
    )
