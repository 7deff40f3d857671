"""``chartivo migration_safety``: may the pending migrations run while the previous release
serves? Run before ``chartivo migrate`` in a deploy (docs/production.md); exits 1 if not."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from chartivo.ops.migration_safety import check_migrations


class Command(BaseCommand):
    help = "Check that the pending migrations are safe to run while the previous release serves."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--all", action="store_true", help="check every migration, applied or not"
        )
        parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")

    def handle(self, *args: Any, app_label: list[str], **options: Any) -> None:
        verdicts = check_migrations(
            connection, apps=set(app_label) or None, pending_only=not options["all"]
        )
        for verdict in verdicts:
            if not verdict.problems:
                self.stdout.write(f"{verdict.migration}: safe")
                continue
            state = "reviewed" if verdict.reviewed else "UNSAFE"
            self.stdout.write(f"{verdict.migration}: {state}")
            for problem in verdict.problems:
                self.stdout.write(f"  - {problem}")
            if verdict.reviewed:
                self.stdout.write(f"  reviewed: {verdict.reviewed}")
        unsafe = [v.migration for v in verdicts if not v.safe]
        if unsafe:
            raise CommandError(
                f"{len(unsafe)} migration(s) would break or block the release that is serving: "
                + ", ".join(unsafe)
            )
        if not verdicts:
            self.stdout.write("No migrations to check.")
