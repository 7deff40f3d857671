"""Key handling: versioned operator keys and their rotation, a clear stop
at start-up without a usable one, and tasks that carry a connection id, never a key."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import subprocess
import sys
import zlib
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from chartivo.integrations.stripe.client import open_key, seal_key
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.lib.secretbox import Keyring, generate_key_entry
from tests.conftest import run_worker
from tests.security.conftest import SAVE_URL, leaks
from tests.support.database import database_text

REPO = Path(__file__).resolve().parents[2]


def _made_up_key() -> str:
    return "rk_live_" + secrets.token_hex(40)  # shaped like a key; no Stripe call is made


def _connect(user: Any, key: str) -> StripeConnection:
    return StripeConnection.objects.create(
        owner=user,
        sealed_key=seal_key(key, owner_id=user.pk),
        restricted=True,
        mode="live",
        key_last4=key[-4:],
    )


@pytest.mark.django_db
def test_rotation_reseals_every_stored_key_under_the_newest_and_reports_how_many(
    django_user_model: Any, settings: Any
) -> None:
    old_entry, older_entry, new_entry = (generate_key_entry(n) for n in ("k2", "k1", "k3"))
    users = [django_user_model.objects.create_user(f"u{i}@example.com") for i in range(5)]
    keys = [_made_up_key() for _ in users]
    settings.CHARTIVO_KEYRING = Keyring.parse([older_entry])
    _connect(users[0], keys[0])
    settings.CHARTIVO_KEYRING = Keyring.parse([old_entry, older_entry])
    for user, key in zip(users[1:4], keys[1:4], strict=True):
        _connect(user, key)
    # The operator puts a new key first; the app keeps working while rows are mixed.
    settings.CHARTIVO_KEYRING = Keyring.parse([new_entry, old_entry, older_entry])
    _connect(users[4], keys[4])
    before = dict(StripeConnection.objects.values_list("pk", "sealed_key"))

    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert out.getvalue().strip() == "Re-encrypted 4 stored key(s) under 'k3'; 1 already were."

    # The older keys can now be removed: the newest alone opens every stored key.
    settings.CHARTIVO_KEYRING = Keyring.parse([new_entry])
    for connection in StripeConnection.objects.select_related("owner"):
        assert connection.sealed_key.startswith("k3$")
        assert open_key(connection) == keys[users.index(connection.owner)]
    after = dict(StripeConnection.objects.values_list("pk", "sealed_key"))
    assert sum(before[pk] != after[pk] for pk in before) == 4
    assert not leaks(out.getvalue(), {f"key {i}": k for i, k in enumerate(keys)})

    again = StringIO()
    call_command("rotate_encryption_keys", stdout=again)
    assert again.getvalue().strip() == "Re-encrypted 0 stored key(s) under 'k3'; 5 already were."


@pytest.mark.django_db
def test_rotation_names_the_keys_it_cannot_open_leaves_them_and_fails(
    django_user_model: Any, settings: Any
) -> None:
    lost, kept, new = (generate_key_entry(n) for n in ("lost", "kept", "new"))
    first, second = (django_user_model.objects.create_user(f"r{i}@example.com") for i in (1, 2))
    settings.CHARTIVO_KEYRING = Keyring.parse([lost])
    orphan = _connect(first, _made_up_key())
    settings.CHARTIVO_KEYRING = Keyring.parse([kept])
    rotatable = _connect(second, _made_up_key())
    # The operator dropped "lost" from the list too early.
    settings.CHARTIVO_KEYRING = Keyring.parse([new, kept])
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("rotate_encryption_keys", stdout=out)
    assert f"1 stored key(s) could not be opened (connections {orphan.pk})" in str(
        failure.value
    ).replace(" with the configured encryption keys", "")
    assert "Re-encrypted 1 stored key(s) under 'new'; 0 already were." in out.getvalue()
    orphan.refresh_from_db()
    rotatable.refresh_from_db()
    assert orphan.sealed_key.startswith("lost$") and rotatable.sealed_key.startswith("new$")


def _production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "chartivo.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CHARTIVO_ENCRYPTION_KEYS": generate_key_entry("k1"),
        "CHARTIVO_ALLOWED_HOSTS": "chartivo.example.com",
        "CHARTIVO_STATE_DIR": str(tmp_path),
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _start(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *command], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


_THIRTY_TWO = base64.urlsafe_b64encode(b"\x07" * 32).decode()
_SIXTEEN = base64.urlsafe_b64encode(b"\x07" * 16).decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "CHARTIVO_ENCRYPTION_KEYS is not set."),
        ("", "CHARTIVO_ENCRYPTION_KEYS is not set."),
        (f"{_THIRTY_TWO}", "entry 1 must look like '<id>:<base64 of 32 bytes>'"),
        (f"k1:{_SIXTEEN}", "entry 1 ('k1') is not the base64 of exactly 32 bytes"),
        ("k1:%%%%not-base64%%%%", "entry 1 ('k1') is not the base64 of exactly 32 bytes"),
        (f"k2:{_THIRTY_TWO},k1{_THIRTY_TWO}", "entry 2 must look like"),
        (f"k1:{_THIRTY_TWO},k1:{_THIRTY_TWO}", "names key id 'k1' twice"),
        (f"bad id!:{_THIRTY_TWO}", "entry 1 must look like"),
    ],
    ids=["unset", "empty", "no-id", "short", "not-base64", "second-bad", "twice", "bad-id"],
)
def test_start_up_stops_with_a_clear_message_without_a_usable_encryption_key(
    tmp_path: Path, value: str | None, message: str
) -> None:
    env = _production_env(tmp_path, CHARTIVO_ENCRYPTION_KEYS=value)
    started = _start(env, "-c", "import django; django.setup()")
    assert started.returncode != 0
    last_line = started.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert message in last_line
    # The message names the entry; it never repeats the key material it refused.
    assert _SIXTEEN not in started.stderr and "not-base64" not in started.stderr


def test_start_up_stops_when_the_encryption_key_file_cannot_be_read(tmp_path: Path) -> None:
    env = _production_env(
        tmp_path,
        CHARTIVO_ENCRYPTION_KEYS=None,
        CHARTIVO_ENCRYPTION_KEYS_FILE=str(tmp_path / "missing"),
    )
    checked = _start(env, "manage.py", "check")
    assert checked.returncode != 0
    last_line = checked.stderr.strip().splitlines()[-1]
    assert last_line.endswith(
        "CHARTIVO_ENCRYPTION_KEYS_FILE names a file that cannot be read: No such file or directory"
    )


@pytest.mark.parametrize("where", ["variable", "file, one per line", "file, commas"])
def test_start_up_succeeds_with_several_keys_from_the_environment_or_a_file(
    tmp_path: Path, where: str
) -> None:
    entries = [generate_key_entry("k2"), generate_key_entry("k1")]
    if where == "variable":
        env = _production_env(tmp_path, CHARTIVO_ENCRYPTION_KEYS=", ".join(entries))
    else:
        secret_file = tmp_path / "encryption-keys"
        secret_file.write_text(("\n" if "line" in where else ",").join(entries) + "\n")
        env = _production_env(
            tmp_path,
            CHARTIVO_ENCRYPTION_KEYS=None,
            CHARTIVO_ENCRYPTION_KEYS_FILE=str(secret_file),
        )
    shown = _start(
        env,
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print([key_id for key_id, _ in settings.CHARTIVO_KEYRING.keys])",
    )
    assert shown.returncode == 0, shown.stderr[-300:]
    assert shown.stdout.strip() == "['k2', 'k1']"


@pytest.mark.django_db(transaction=True)
def test_queued_tasks_carry_the_connection_id_and_nothing_else(
    owner_client: Client, stripe_api: Any
) -> None:
    key = stripe_api.keys["restricted"]
    assert owner_client.post(SAVE_URL, {"api_key": key}).status_code == 302
    connection = StripeConnection.objects.get()
    queued = list(DBTaskResult.objects.values("task_path", "args_kwargs"))
    assert queued == [
        {
            "task_path": "chartivo.integrations.stripe.tasks.sync_connection",
            "args_kwargs": {"args": [connection.pk], "kwargs": {}},
        }
    ]
    run_worker()
    # Whatever the worker queued meanwhile (continuations) carries the id alone as well.
    for task in DBTaskResult.objects.all():
        assert task.args_kwargs == {"args": [connection.pk], "kwargs": {}}
        assert task.status == "SUCCESSFUL", task.exception_class_path
    found = leaks(database_text(), {"the key": key, "its body": key[8:]})
    assert not found, f"the key was found in the database: {found}"


def _every_value(redis: Any, names: set[bytes]) -> Iterator[bytes]:
    """Every byte Redis holds under ``names``, RQ's compressed job payloads opened."""
    for name in names:
        kind = redis.type(name)
        if kind == b"string":
            values = [redis.get(name)]
        elif kind == b"hash":
            values = [v for pair in redis.hgetall(name).items() for v in pair]
        elif kind == b"list":
            values = redis.lrange(name, 0, -1)
        elif kind == b"set":
            values = list(redis.smembers(name))
        elif kind == b"zset":
            values = redis.zrange(name, 0, -1)
        else:
            values = []
        for value in values:
            yield value
            with contextlib.suppress(zlib.error):
                yield zlib.decompress(value)


def _names(redis: Any) -> set[bytes]:
    return {n if isinstance(n, bytes) else n.encode() for n in redis.keys("*")}


def _rq_settings(tmp_path: Path, redis_url: str) -> dict[str, Any]:
    """What settings.py configures for CHARTIVO_TASK_BACKEND=rq, read in a process of its own."""
    names = ("TASKS", "RQ_QUEUES", "RQ")
    shown = _start(
        _production_env(tmp_path, CHARTIVO_TASK_BACKEND="rq", REDIS_URL=redis_url),
        "-c",
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))",
    )
    assert shown.returncode == 0, shown.stderr[-500:]
    values: dict[str, Any] = json.loads(shown.stdout)
    return values


@pytest.mark.django_db(transaction=True)
def test_on_the_production_queue_redis_holds_the_connection_id_and_never_the_key(
    owner_client: Client, stripe_api: Any, settings: Any, tmp_path: Path, redis_url: str
) -> None:
    """With CHARTIVO_TASK_BACKEND=rq the queue lives in Redis: the same promise holds."""
    from redis import Redis
    from rq.job import Job

    url = redis_url
    redis = Redis.from_url(url)
    before = _names(redis)
    for name, value in _rq_settings(tmp_path, url).items():
        setattr(settings, name, value)
    key = stripe_api.keys["restricted"]
    try:
        assert owner_client.post(SAVE_URL, {"api_key": key}).status_code == 302
        created = _names(redis) - before
        jobs = [n.decode().removeprefix("rq:job:") for n in created if n.startswith(b"rq:job:")]
        assert len(jobs) == 1, "the Save did not queue exactly one job in Redis"
        job = Job.fetch(jobs[0], connection=redis)
        connection = StripeConnection.objects.get()
        assert (job.func_name, list(job.args), job.kwargs) == (
            "chartivo.integrations.stripe.tasks.sync_connection",
            [connection.pk],
            {},
        )
        stored = b"\n".join(_every_value(redis, created))
        assert str(connection.pk).encode() in stored  # the search reads the payload
        found = {
            label: stored.count(value.encode())
            for label, value in {"the key": key, "its body": key[8:]}.items()
            if value.encode() in stored
        }
        assert not found, f"the key was found in Redis: {found}"
    finally:
        if left := _names(redis) - before:
            redis.delete(*left)
