"""Password hashing: how costly one hash is, and how many strangers may hash at once.

Every log-in and sign-up hashes a password, on purpose slowly. Limits per address and per
account are counted before that (chartivo/accounts/limits.py), but many addresses can
still send many guesses at once. So hashes for attempts from unknown places take one of a
few machine-wide slots (one per CPU): when all are taken the attempt is answered "try again
in a moment" at once, without hashing, and the rest of the CPU stays with the owners
logging in from known places, with pages and health checks. The slots are file locks in
the state folder, shared by every web process of the machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from chartivo.lib.state import PRIVATE_FILE, private_folder

# A hash takes tens of milliseconds: an attempt that finds every slot taken waits about
# that long (so two people logging in at the same moment both get in), and no longer
# (so a flood cannot park the web threads here).
_WAIT_SECONDS = 0.1
_POLL_SECONDS = 0.005


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended parameters: 19 MiB, 2 passes, 1 lane."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


def slot_count() -> int:
    return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def stranger_slot() -> Iterator[bool]:
    """True (and the slot held until the block ends) if a slot was free soon enough."""
    folder = private_folder(Path(settings.STATE_DIR) / "hash-slots")
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        for number in range(slot_count()):
            descriptor = os.open(folder / f"slot-{number}", os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            try:
                yield True
            finally:
                os.close(descriptor)  # closing releases the lock
            return
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(_POLL_SECONDS)
