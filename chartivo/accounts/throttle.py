"""Counting attempts per key in fixed windows, in the database that every process shares.

A window starts at a key's first attempt and lasts the limit's length; within it the key
may make ``most`` attempts. An attempt is counted *before* the work it asks for (hashing
a password, sending a mail), in one atomic statement, so concurrent attempts cannot all
slip under the limit together; an attempt that turns out not to be a guess (the right
password) gives its count back.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.utils.crypto import salted_hmac

from chartivo.accounts.models import AttemptCounter

# Now and then an attempt also deletes the windows that have ended, so the table holds
# only live counts however many keys a spray invents.
_SWEEP_ONE_IN = 200


@dataclass(frozen=True)
class Limit:
    name: str
    most: int  # attempts in one window
    seconds: int  # the window's length

    def key(self, *parts: str) -> str:
        """The counter's key: a keyed hash, so the table holds no address or email."""
        text = "\x1f".join(parts)
        return salted_hmac(f"chartivo.throttle.{self.name}", text, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Refused:
    limit: Limit
    retry_after: int  # seconds until the window ends

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


@dataclass
class Taken:
    """The counts one request took."""

    keys: list[str] = field(default_factory=list)

    def give_back(self, *keys: str) -> None:
        """Un-counts the attempt for ``keys`` (all of them when none are named)."""
        for key in keys or tuple(self.keys):
            _add(key, -1)


def take(*counts: tuple[Limit, str]) -> Taken | Refused:
    """Counts one attempt for each (limit, key), in order; stops at the first over its limit,
    giving back what it took (a refused attempt made no guess)."""
    now = time.time()
    taken = Taken()
    for limit, key in counts:
        count, ends = _increment(key, now, limit.seconds)
        taken.keys.append(key)
        if count > limit.most:
            taken.give_back()
            return Refused(limit, max(1, math.ceil(ends - now)))
    if random.randrange(_SWEEP_ONE_IN) == 0:
        AttemptCounter.objects.filter(expires_at__lt=now).delete()
    return taken


def forget(key: str) -> None:
    AttemptCounter.objects.filter(key=key).delete()


def _increment(key: str, now: float, seconds: int) -> tuple[int, float]:
    table = connection.ops.quote_name(AttemptCounter._meta.db_table)
    key_column, count, expires = (
        connection.ops.quote_name(c) for c in ("key", "count", "expires_at")
    )
    # One statement, the same on PostgreSQL and SQLite: start a window, count in the live
    # one, or start afresh where the old one has ended. (Only quoted names are formatted in;
    # every value is a parameter.)
    sql = (
        f"INSERT INTO {table} ({key_column}, {count}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key_column}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} > %s THEN {table}.{count} + 1 ELSE 1 END, "
        f"{expires} = CASE WHEN {table}.{expires} > %s THEN {table}.{expires} "
        f"ELSE EXCLUDED.{expires} END "
        f"RETURNING {count}, {expires}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now + seconds, now, now])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]), float(row[1])


def _add(key: str, delta: int) -> None:
    AttemptCounter.objects.filter(key=key, count__gt=0).update(count=F("count") + delta)
