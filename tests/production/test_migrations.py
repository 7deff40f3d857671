"""Migrations can run while the previous release still serves (docs/production.md).

A deploy migrates first and then replaces the processes, so the previous release's code
runs against the new schema for a while. "Safe" is defined and checked in
``chartivo/ops/migration_safety.py``: nothing it uses is dropped or renamed, its inserts
still succeed, and no table it uses is locked for longer than an instant. Here: every
migration of Chartivo's apps passes that check, the check does catch what would break or
block the previous release, every migration can be rolled back, and the models match the
migrations (so no migration is left to be made at deploy time).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations import operations as ops
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration

from chartivo.ops.migration_safety import Verdict, check_migration, check_migrations

# Every app of Chartivo's, so that a new one is checked from its first migration.
CHARTIVO_APPS = {c.label for c in django_apps.get_app_configs() if c.name.startswith("chartivo.")}
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="locks are judged from PostgreSQL's SQL (the production database)",
)


@pytest.mark.django_db
def test_every_chartivo_migration_is_safe_while_the_previous_release_serves() -> None:
    verdicts = check_migrations(connection, apps=CHARTIVO_APPS, pending_only=False)
    assert {v.migration.split(".")[0] for v in verdicts} == CHARTIVO_APPS - {"ops"}
    assert [(v.migration, v.problems) for v in verdicts if not v.safe] == []


def _proposed(*operations: ops.base.Operation, **attributes: Any) -> Verdict:
    """The verdict on a new migration of the Stripe app, made of ``operations``."""
    loader = MigrationLoader(connection)
    leaf = loader.graph.leaf_nodes("stripe_integration")[0]
    body = {"operations": list(operations), **attributes}
    migration = type("Migration", (Migration,), body)("9999_proposed", "stripe_integration")
    return check_migration(migration, loader.project_state(leaf), connection)


def _judge(*operations: ops.base.Operation, atomic: bool = True) -> list[str]:
    return _proposed(*operations, atomic=atomic).problems


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "problem"),
    [
        (ops.RemoveField("stripeconnection", "sync_error"), "removes or renames"),
        (ops.RenameField("stripeconnection", "sync_error", "last_error"), "removes or renames"),
        (ops.DeleteModel("syncrange"), "removes or renames"),
        (
            ops.AddField("stripeconnection", "note", models.TextField(default="")),
            "previous release's inserts fail",
        ),
        (
            ops.AlterField("stripeconnection", "sync_error_at", models.DateTimeField()),
            "NOT NULL",
        ),
        (ops.AlterField("resourcestate", "resource", models.CharField(max_length=8)), "type"),
        (ops.RunSQL("UPDATE stripe_integration_syncrange SET start = start"), "review it"),
    ],
    ids=["drop", "rename", "drop-table", "not-null-add", "set-not-null", "narrow", "raw-sql"],
)
def test_what_would_break_the_previous_release_is_caught(
    operation: ops.base.Operation, problem: str
) -> None:
    problems = _judge(operation)
    assert any(problem in p for p in problems), problems


@pytest.mark.django_db
def test_additive_changes_pass() -> None:
    assert (
        _judge(
            ops.AddField("stripeconnection", "note", models.TextField(null=True, blank=True)),
            ops.AddField("stripeconnection", "tier", models.IntegerField(db_default=0)),
            ops.AlterField("resourcestate", "resource", models.CharField(max_length=64)),
            ops.CreateModel(
                "SyncNote",
                [
                    ("id", models.BigAutoField(primary_key=True)),
                    ("text", models.TextField()),
                    ("connection", models.ForeignKey("stripeconnection", models.CASCADE)),
                ],
            ),
        )
        == []
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)  # CONCURRENTLY cannot run in a transaction
def test_on_postgresql_locking_an_existing_table_is_caught_and_concurrent_builds_pass() -> None:
    from django.contrib.postgres.operations import AddIndexConcurrently

    index = models.Index(fields=["mode"], name="stripe_conn_mode_idx")
    assert any("blocking writes" in p for p in _judge(ops.AddIndex("stripeconnection", index)))
    assert _judge(AddIndexConcurrently("stripeconnection", index), atomic=False) == []
    foreign_key = models.ForeignKey("stripeconnection", models.CASCADE, null=True)
    assert any("blocking writes" in p for p in _judge(ops.AddField("syncrange", "to", foreign_key)))
    check = models.CheckConstraint(condition=models.Q(start__lte=models.F("end")), name="ordered")
    assert any("under lock" in p for p in _judge(ops.AddConstraint("syncrange", check)))


@pytest.mark.django_db
def test_a_reviewed_migration_passes_with_its_reason() -> None:
    verdict = _proposed(
        ops.RemoveField("stripeconnection", "sync_error"),
        reviewed="release 0.4 stopped reading and writing sync_error",
    )
    assert verdict.problems and verdict.safe


@pytest.mark.django_db
def test_the_deploy_check_passes_when_nothing_is_pending() -> None:
    out = StringIO()
    call_command("migration_safety", stdout=out)
    assert out.getvalue().strip() == "No migrations to check."


@pytest.mark.django_db(transaction=True)
def test_every_chartivo_migration_rolls_back_and_forward_again() -> None:
    # A release that must be rolled back takes its migrations with it.
    executor = MigrationExecutor(connection)
    leaves = [key for key in executor.loader.graph.leaf_nodes() if key[0] in CHARTIVO_APPS]
    try:
        for app, name in leaves:
            previous = [
                parent
                for parent in executor.loader.graph.node_map[(app, name)].parents
                if parent.key[0] == app
            ]
            call_command("migrate", app, previous[0].key[1] if previous else "zero", verbosity=0)
            assert (app, name) not in MigrationLoader(connection).applied_migrations
    finally:
        call_command("migrate", verbosity=0)
    assert set(leaves) <= MigrationLoader(connection).applied_migrations.keys()


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
