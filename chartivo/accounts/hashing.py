"""Password hashing: how costly one hash is, and how many strangers may hash at once.

Every log-in and sign-up hashes a password, on purpose slowly. Limits per address and per
account are counted before that (chartivo/accounts/limits.py), but many addresses can
still send many guesses at once. So hashes for attempts from unknown places take one of a
few machine-wide slots (one per two CPUs). When all are taken the attempt waits briefly for one
in a few waiting places, or, when those are taken too, is answered "try again in a
moment" at once, without hashing: the rest of the CPU stays with the owners logging in
from known places, with pages and health checks. Slots and waiting places are file locks
in the state folder, shared by every web process of the machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from chartivo.lib.state import PRIVATE_FILE, private_folder

logger = logging.getLogger(__name__)

# An attempt that finds every slot taken may wait for one, in one of a few waiting places
# (two per slot), for at most this long; when the waiting places are taken too, it is
# answered at once. So two people logging in at the same moment both get in, and a flood
# can park at most a few web threads here, briefly.
_WAIT_SECONDS = 0.5
_POLL_SECONDS = 0.01


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended parameters: 19 MiB, 2 passes, 1 lane."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


def slot_count() -> int:
    """Half the CPUs (at least one): the other half stays with owners, pages and probes."""
    return max(1, (os.cpu_count() or 1) // 2)


@functools.cache
def _strangers_here() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(1, settings.WEB_THREADS // 2))


@contextlib.contextmanager
def strangers_gate(known: bool) -> Iterator[bool]:
    """This process works on at most half its threads' worth of log-ins and sign-ups from
    unknown places at once; one more is answered "try again in a moment" before it costs
    anything. So a flood never holds every thread of a web process: health checks, pages
    and owners at known places always find one free."""
    if known:
        yield True
        return
    if not _strangers_here().acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        _strangers_here().release()


@contextlib.contextmanager
def stranger_slot(known: bool = False) -> Iterator[bool]:
    """True (and a hashing slot held until the block ends) if one was free soon enough;
    always True for an attempt from a known place, which takes no slot."""
    if known:
        yield True
        return
    try:
        folder = private_folder(Path(settings.STATE_DIR) / "hash-slots")
        slot = _first_free(folder, "slot", slot_count())
    except OSError as error:  # a state folder this process cannot write: no machine-wide slots
        _warn_once(str(error.strerror))
        yield True
        return
    if slot is None:
        slot = _wait_for_slot(folder)
    if slot is None:
        yield False
        return
    try:
        yield True
    finally:
        os.close(slot)  # closing releases the lock


def _wait_for_slot(folder: Path) -> int | None:
    waiting = _first_free(folder, "waiting", 2 * slot_count())
    if waiting is None:
        return None
    try:
        deadline = time.monotonic() + _WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
            slot = _first_free(folder, "slot", slot_count())
            if slot is not None:
                return slot
        return None
    finally:
        os.close(waiting)


@functools.cache
def _warn_once(reason: str) -> None:
    logger.warning(
        "hashing slots unavailable (%s): CHARTIVO_STATE_DIR must be writable by the web "
        "processes; log-ins from unknown places are bounded per process only",
        reason,
    )


def _first_free(folder: Path, name: str, count: int) -> int | None:
    """An open descriptor holding the first free lock of ``name-0`` … ``name-<count-1>``."""
    for number in range(count):
        descriptor = os.open(folder / f"{name}-{number}", os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        return descriptor
    return None
