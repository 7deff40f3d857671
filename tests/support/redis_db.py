"""A Redis database of a run's own, for tests and benchmarks on a machine others share.

RQ's queue names and the budget's keys are fixed, so two runs on one Redis (two checkouts,
CI beside a developer) would take each other's jobs. Each run instead claims one of the
numbered databases with an atomic ``SET NX`` on a marker key that expires, empties it, and
gives it back emptied; a database someone else holds is never touched.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

SERVER = "redis://127.0.0.1:6379"
# Database 0 is left to whatever else the machine runs.
DATABASES = range(1, 16)
MARKER = "chartivo-tests:claimed-by"


def redis_up(server: str = SERVER) -> bool:
    try:
        return bool(redis.Redis.from_url(server, socket_timeout=1).ping())
    except redis.RedisError:
        return False


class NoFreeDatabaseError(RuntimeError):
    pass


def empty_but_the_marker(client: redis.Redis) -> None:
    names = [name for name in client.scan_iter(count=1000) if name != MARKER.encode()]
    if names:
        client.delete(*names)


@contextmanager
def claimed_database(server: str = SERVER, *, hold_seconds: int = 900) -> Iterator[str]:
    """The URL of an empty database held for this run until the block ends.

    The marker expires after ``hold_seconds`` so that a run killed on the spot frees its
    database; a holder must finish (or renew) within that time.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    for number in DATABASES:
        client = redis.Redis.from_url(f"{server}/{number}")
        if not client.set(MARKER, owner, nx=True, ex=hold_seconds):
            client.close()
            continue
        try:
            empty_but_the_marker(client)  # what a run that died may have left
            yield f"{server}/{number}"
        finally:
            empty_but_the_marker(client)
            if client.get(MARKER) == owner.encode():
                client.delete(MARKER)
            client.close()
        return
    raise NoFreeDatabaseError(f"every Redis database set aside for tests ({DATABASES}) is in use")
