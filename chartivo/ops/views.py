"""Health (is the process up) and readiness (can it serve: database, schema, Redis if used).

A load balancer sends traffic only to ready processes, so readiness fails when this code
cannot work: the database or Redis is unreachable, or the database has not been migrated
to this release yet (a new release's processes started before ``chartivo migrate`` ran).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Once the schema has caught up with this code it stays so (migrations only move forward
# while a release runs), so the migration graph is read until then and never after.
_schema_current = False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database()}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
    if settings.REDIS_URL:
        checks["redis"] = _redis()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


# Each check reports, never raises: this page exists to say what is down. Only the error's
# class is shown (a driver's message may name hosts and users).


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 -- reported, whatever it is
        return f"error: {type(error).__name__}"
    return "ok"


def _migrations() -> str:
    global _schema_current
    if not _schema_current:
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:  # noqa: BLE001 -- reported, whatever it is
            return f"error: {type(error).__name__}"
        if pending:
            return f"error: {len(pending)} migrations not applied"
        _schema_current = True
    return "ok"


def _redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 -- reported, whatever it is
        return f"error: {type(error).__name__}"
    return "ok"
