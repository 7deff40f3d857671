"""Can a migration run while the previous release still serves?

A release is deployed by migrating first, then replacing web and worker processes a few
at a time (docs/production.md), so for a while the previous release's code runs against
the new schema, and during the migration against a schema that is changing. A migration
is *safe* here when that code keeps working, during and after it:

1. Nothing the previous release reads or writes disappears: no table or column is
   dropped or renamed. Removing is the second half of a change made over two releases
   (the first stops using the column, the next drops it), and only the author knows the
   first half has shipped, so such a migration must say so (``reviewed``, below).
2. The previous release's inserts still succeed: a new column is nullable or has a
   database default (``db_default``); a Python ``default`` is unknown to the old code.
   No column becomes NOT NULL and no column changes type under it.
3. No table the app uses is locked for longer than an instant (PostgreSQL, read from the
   SQL the migration runs): no index built on an existing table without CONCURRENTLY, no
   constraint checked against every existing row under lock (add it NOT VALID, validate
   later). Tables the migration creates are exempt: nothing uses them yet.

Code the check cannot read (``RunPython``, ``RunSQL``) is flagged for review too. A
migration that has been reviewed says why it is safe in a ``reviewed`` attribute on its
``Migration`` class, and passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED

_REMOVES = (ops.RemoveField, ops.DeleteModel, ops.RenameField, ops.RenameModel, ops.AlterModelTable)
_OPAQUE = (ops.RunPython, ops.RunSQL, ops.SeparateDatabaseAndState)

# PostgreSQL statements that hold a lock on an existing table for as long as the table is
# big (what breaks the previous release is judged from the operations themselves).
_LOCKING_SQL = [
    (
        re.compile(r"^CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)"),
        "builds an index while blocking writes (use AddIndexConcurrently, non-atomic)",
    ),
    (
        re.compile(r'ADD CONSTRAINT "[^"]+" UNIQUE'),
        "builds a unique index while blocking writes",
    ),
    (
        re.compile(r'ADD CONSTRAINT "[^"]+" (FOREIGN KEY|CHECK)(?!.*NOT VALID)'),
        "checks every existing row under lock (add it NOT VALID, validate in a later step)",
    ),
    (re.compile(r"SET NOT NULL"), "checks every existing row under lock"),
]
_VARCHAR = re.compile(r"^varchar\((\d+)\)$")
_TABLE_IN_SQL = re.compile(r'(?:^ALTER TABLE|^DROP TABLE|\bON) "(?P<table>[^"]+)"')


@dataclass(frozen=True)
class Verdict:
    migration: str  # "app_label.0002_name"
    problems: list[str] = field(default_factory=list)
    reviewed: str = ""

    @property
    def safe(self) -> bool:
        return not self.problems or bool(self.reviewed)


def check_migration(
    migration: Migration, state: ProjectState, connection: BaseDatabaseWrapper
) -> Verdict:
    """Judges one migration, given the project state just before it."""
    app = migration.app_label
    new_models = {op.name_lower for op in migration.operations if isinstance(op, ops.CreateModel)}
    problems: list[str] = []
    for operation in migration.operations:
        problems += _operation_problems(app, operation, state, new_models, connection)
    if connection.vendor == "postgresql":
        problems += _sql_problems(migration, state, connection)
    return Verdict(
        f"{app}.{migration.name}",
        problems=list(dict.fromkeys(problems)),
        reviewed=str(getattr(migration, "reviewed", "")),
    )


def _operation_problems(
    app: str,
    operation: ops.base.Operation,
    state: ProjectState,
    new_models: set[str],
    connection: BaseDatabaseWrapper,
) -> list[str]:
    what = operation.describe()
    if isinstance(operation, _REMOVES):
        return [f"{what}: removes or renames what the previous release may use"]
    if isinstance(operation, _OPAQUE):
        return [f"{what}: runs code this check cannot read; review it"]
    if not isinstance(operation, ops.AddField | ops.AlterField):
        return []
    if operation.model_name_lower in new_models:
        return []  # a table made in this very migration: no previous code uses it
    new = operation.field
    if isinstance(operation, ops.AddField):
        if not new.null and new.db_default is NOT_PROVIDED and not new.many_to_many:
            return [f"{what}: NOT NULL without a db_default; the previous release's inserts fail"]
        return []
    old = state.models[app, operation.model_name_lower].fields[operation.name]
    problems = []
    if old.null and not new.null:
        problems.append(
            f"{what}: makes a column NOT NULL that the previous release may leave empty"
        )
    if old.remote_field is not None and new.remote_field is not None:
        # A key's column has its target's key type: it changes only with the target (and an
        # unrendered state's relation cannot say its type).
        if _target(old.remote_field.model) != _target(new.remote_field.model):
            problems.append(f"{what}: points a key at another table")
    elif _breaking_type_change(old.db_type(connection), new.db_type(connection)):
        problems.append(f"{what}: changes a column's type")
    return problems


def _target(model: object) -> str:
    if isinstance(model, str):
        return model.lower()
    meta = getattr(model, "_meta", None)
    return str(meta.label_lower) if meta is not None else repr(model)


def _breaking_type_change(old: str | None, new: str | None) -> bool:
    """A type change the previous release may trip on; a longer varchar is not one."""
    if old == new:
        return False
    widths = _VARCHAR.match(old or ""), _VARCHAR.match(new or "")
    if widths[0] and widths[1]:
        return int(widths[1].group(1)) < int(widths[0].group(1))
    return True


def _sql_problems(
    migration: Migration, state: ProjectState, connection: BaseDatabaseWrapper
) -> list[str]:
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        after = migration.apply(state.clone(), editor, collect_sql=True)
    created = _tables(after) - _tables(state)
    problems = []
    for statement in editor.collected_sql:
        table = _TABLE_IN_SQL.search(statement)
        if table is not None and table.group("table") in created:
            continue
        for pattern, why in _LOCKING_SQL:
            if pattern.search(statement):
                problems.append(f"{why}: {statement.strip()[:160]}")
    return problems


def _tables(state: ProjectState) -> set[str]:
    # Many-to-many tables too: they come with their model and are new with it.
    return {m._meta.db_table for m in state.apps.get_models(include_auto_created=True)}


def check_migrations(
    connection: BaseDatabaseWrapper, *, apps: set[str] | None = None, pending_only: bool = True
) -> list[Verdict]:
    """Judges the migrations not applied yet (or all of them) of ``apps`` (default: all).

    On a database never migrated nothing is serving yet, so there is nothing to judge.
    """
    loader = MigrationLoader(connection)
    if pending_only and not loader.applied_migrations:
        return []
    verdicts = []
    for key in _in_order(loader):
        if apps is not None and key[0] not in apps:
            continue
        if pending_only and key in loader.applied_migrations:
            continue
        state = loader.project_state(key, at_end=False)
        verdicts.append(check_migration(loader.graph.nodes[key], state, connection))
    return verdicts


def _in_order(loader: MigrationLoader) -> list[tuple[str, str]]:
    """Every migration, each after the ones it depends on."""
    ordered: dict[tuple[str, str], None] = {}
    for leaf in loader.graph.leaf_nodes():
        ordered.update(dict.fromkeys(loader.graph.forwards_plan(leaf)))
    return list(ordered)
