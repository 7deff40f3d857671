from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from chartivo.metrics.rollups import rebuild_all


class Command(BaseCommand):
    help = (
        "Recompute the hourly and daily rollups from the 15-minute aggregates (of one "
        "connection, or of all): after upgrading from a release without rollups while its "
        "workers kept syncing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("connection_id", nargs="?", type=int)

    def handle(self, *args: Any, connection_id: int | None = None, **options: Any) -> None:
        with transaction.atomic():
            rebuild_all(connection_id)
