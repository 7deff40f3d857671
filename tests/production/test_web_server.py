"""``chartivo serve`` as a load balancer and a log collector see it: health, readiness,
and every line it writes one JSON object.

Each server is a real gunicorn process with production logging, on the test database
(or on one that is down, or not migrated yet)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from chartivo.sharing.tokens import new_token
from tests.production.conftest import get, json_log, web_server

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_a_server_with_its_database_and_redis_is_healthy_and_ready(
    redis_url: str, tmp_path: Path
) -> None:
    with web_server(tmp_path / "web.log", REDIS_URL=redis_url) as base:
        assert get(f"{base}/healthz") == (200, {"status": "ok"})
        assert get(f"{base}/readyz") == (
            200,
            {"status": "ok", "database": "ok", "migrations": "ok", "redis": "ok"},
        )


def test_probes_are_answered_at_the_instances_own_address(tmp_path: Path) -> None:
    # A load balancer probes 10.0.3.7:8000, which is no host name of the site: the probes
    # answer anyway, while pages keep refusing hosts that are not the site's.
    with web_server(tmp_path / "web.log", REDIS_URL="") as base:
        for path, expected in (("/healthz", 200), ("/readyz", 200), ("/account/login/", 400)):
            address = {"Host": "10.0.3.7:8000"}
            request = urllib.request.Request(f"{base}{path}", headers=address)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            assert status == expected, path
    refused = [r for r in json_log(tmp_path / "web.log") if "DisallowedHost" in r["logger"]]
    assert len(refused) == 1, "only the page was refused, and logged"


@pytest.mark.parametrize(
    ("environment", "down"),
    [
        ({"DATABASE_URL": UNREACHABLE_DATABASE}, {"database": "error: OperationalError"}),
        ({"REDIS_URL": UNREACHABLE_REDIS}, {"redis": "error: ConnectionError"}),
    ],
    ids=["database-down", "redis-down"],
)
def test_readiness_fails_while_the_database_or_redis_is_unreachable_and_health_does_not(
    environment: dict[str, str], down: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    # Liveness stays green: restarting the process would not bring the database back.
    with web_server(tmp_path / "web.log", **{"REDIS_URL": redis_url, **environment}) as base:
        assert get(f"{base}/healthz") == (200, {"status": "ok"})
        status, body = get(f"{base}/readyz")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body.items() >= down.items(), body


def test_a_new_release_is_not_ready_until_its_migrations_have_run(tmp_path: Path) -> None:
    # The deploy order is "migrate, then roll the processes": one started too early must
    # not be sent traffic, since its queries need tables and columns not there yet.
    fresh = f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}"
    with web_server(tmp_path / "web.log", DATABASE_URL=fresh, REDIS_URL="") as base:
        status, body = get(f"{base}/readyz")
    assert status == 503
    assert body["database"] == "ok"
    assert body["migrations"].endswith("migrations not applied"), body


def test_every_line_the_server_writes_is_one_json_object(tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    with web_server(log, REDIS_URL="") as base:
        get(f"{base}/readyz")
        try:
            urllib.request.urlopen(f"{base}/no-such-page?token=abc", timeout=10)  # noqa: S310
        except urllib.error.HTTPError as error:
            assert error.code == 404
        # A share link's address is its secret: logged masked, in the access log and the
        # app's own 404 warning alike.
        share_token = new_token()
        try:
            urllib.request.urlopen(f"{base}/s/{share_token}/", timeout=10)  # noqa: S310
        except urllib.error.HTTPError as error:
            assert error.code == 404
    assert share_token not in log.read_text()
    assert share_token[4:12] not in log.read_text()
    # Stopped with SIGTERM: gunicorn's own shutdown lines are in the log too.
    records = json_log(log)
    loggers = {record["logger"] for record in records}
    assert {"gunicorn.error", "gunicorn.access", "django.request"} <= loggers, loggers
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    not_found = next(r for r in access if r.get("path") == "/no-such-page")
    assert (not_found["method"], not_found["status"], not_found["level"]) == ("GET", 404, "INFO")
    assert isinstance(not_found["duration_ms"], int)
    assert not any("token=abc" in str(r) for r in access), "query strings stay out of it"
    assert any(r.get("path") == "/s/cvs_[redacted]/" for r in access)
    warning = next(r for r in records if r["logger"] == "django.request")
    assert (warning["level"], warning["message"]) == ("WARNING", "Not Found: /no-such-page")
    assert any("Shutting down" in r["message"] for r in records if r["logger"] == "gunicorn.error")
