"""The move from per-user data to organisations, from a database at the schema of the
release before it, with data in it, on the database the suite runs on (SQLite and
PostgreSQL): every user who can log in owns an organisation named after them, and their
connection (with its sealed key, sync state and figures) and charts are in it."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chartivo.integrations.stripe.client import open_key, seal_key
from chartivo.integrations.stripe.models import StripeConnection

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations of each app before organisations.
BEFORE = [
    ("accounts", "0002_throttling_and_pending_signups"),
    ("stripe_integration", "0003_figures_changed_at"),
    ("metrics", "0002_rollups"),
    ("charts", "0002_dashboard_and_chart_editing"),
    ("orgs", None),
]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(
        [(app, name) for app, name in targets if name is not None]
    ).apps


def _old_data(apps: Any) -> dict[str, Any]:
    """What the previous release holds: two users with a connection, figures and charts,
    one with neither, and one whose sign-up is not confirmed."""
    User = apps.get_model("accounts", "User")
    Connection = apps.get_model("stripe_integration", "StripeConnection")  # noqa: N806
    ResourceState = apps.get_model("stripe_integration", "ResourceState")
    Aggregate = apps.get_model("metrics", "Aggregate")
    Chart = apps.get_model("charts", "Chart")
    made: dict[str, Any] = {"keys": {}}
    for number, email in enumerate(["ann@example.com", "bob@example.com"], 1):
        user = User.objects.create(email=email, password="!")
        key = f"rk_test_{'k' * 40}{number:04d}"
        made["keys"][email] = key
        conn = Connection.objects.create(
            owner=user,
            sealed_key=seal_key(key, owner_id=user.pk),
            restricted=True,
            mode="test",
            key_last4=key[-4:],
        )
        ResourceState.objects.create(connection=conn, resource="charges", backfilled=True)
        Aggregate.objects.create(
            connection=conn,
            resource="charges",
            bucket=900 * number,
            currency="eur",
            count=number,
            amount=1000 * number,
        )
        for name in ("Revenue", "Charges"):
            Chart.objects.create(
                owner=user, name=f"{name} of {email}", metric="charges", measure="count"
            )
    User.objects.create(email="carol@example.com", password="!")
    User.objects.create(email="dan@example.com", password="!", signup_pending=True, is_active=False)
    return made


def test_every_users_connection_figures_and_charts_move_into_their_own_organisation() -> None:
    try:
        made = _old_data(_migrate(BEFORE))
        call_command("migrate", verbosity=0)

        from chartivo.accounts.models import User
        from chartivo.charts.models import Chart
        from chartivo.metrics.models import Aggregate
        from chartivo.orgs.models import Membership

        owners = {
            m.user.email: m for m in Membership.objects.select_related("organisation", "user")
        }
        assert set(owners) == {"ann@example.com", "bob@example.com", "carol@example.com"}
        assert {m.role for m in owners.values()} == {"owner"}
        assert all(m.organisation.name == email for email, m in owners.items())
        assert len({m.organisation_id for m in owners.values()}) == 3
        for number, email in enumerate(["ann@example.com", "bob@example.com"], 1):
            organisation = owners[email].organisation
            conn = StripeConnection.objects.get(organisation=organisation)
            assert conn.owner.email == email
            assert open_key(conn) == made["keys"][email]  # the sealed key still opens
            assert conn.resource_states.get(resource="charges").backfilled
            figures = Aggregate.objects.get(connection=conn)
            assert (figures.count, figures.amount) == (number, 1000 * number)
            charts = Chart.objects.filter(organisation=organisation)
            assert sorted(c.name for c in charts) == [f"Charges of {email}", f"Revenue of {email}"]
            assert not any(c.personal for c in charts)
        assert Chart.objects.filter(organisation__isnull=True).count() == 0
        # The unconfirmed sign-up gets its organisation when it first logs in.
        assert not Membership.objects.filter(user__email="dan@example.com").exists()
        assert User.objects.count() == 4
    finally:
        call_command("flush", verbosity=0, interactive=False)
        call_command("migrate", verbosity=0)


def test_rows_the_previous_release_saves_during_the_deploy_are_assigned_afterwards() -> None:
    from chartivo.accounts.models import User
    from chartivo.charts.models import Chart
    from chartivo.orgs.models import Membership

    user = User.objects.create_user("late@example.com", "a long password 1")
    # As the previous release inserts them: no organisation (a bulk insert skips save()).
    StripeConnection.objects.bulk_create(
        [StripeConnection(owner=user, sealed_key="x", restricted=True, mode="test", key_last4="1")]
    )
    Chart.objects.bulk_create([Chart(owner=user, name="Late", metric="charges", measure="count")])
    out = StringIO()
    call_command("assign_organisations", stdout=out)
    assert out.getvalue().startswith("2 connections and charts")
    organisation = Membership.objects.get(user=user, role="owner").organisation
    assert StripeConnection.objects.get().organisation == organisation
    assert Chart.objects.get().organisation == organisation
    call_command("assign_organisations", stdout=out)  # again: nothing left to do
    assert out.getvalue().rstrip().endswith("0 connections and charts put into an organisation.")
