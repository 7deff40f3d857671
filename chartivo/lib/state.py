"""The state folder and the SQLite database: readable by the app's own user alone.

Both hold what no other local user may read — sessions, password hashes, sealed keys, the
debug encryption key. Files are created private from the start (never created open and
tightened afterwards, which leaves a window) and folders and files an older release left
open are tightened at start-up. SQLite creates its ``-wal`` and ``-shm`` files with the
database file's own permissions, so a private database file keeps them private too.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_folder(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_FOLDER)
    return path


def private_sqlite_database(name: str) -> None:
    """Creates the database file private if it is missing; tightens an open one."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.parent.exists():
        private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    for suffix in _SQLITE_COMPANIONS:
        _tighten(path.with_name(path.name + suffix), PRIVATE_FILE)


def write_private_file(path: Path, text: str) -> None:
    """Writes a new file that only its owner can ever read."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def private_folder_tightened(path: Path) -> None:
    _tighten(path, PRIVATE_FOLDER)


def private_file_tightened(path: Path) -> None:
    _tighten(path, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return
    if found.st_uid == os.getuid() and stat.S_IMODE(found.st_mode) & ~mode:
        path.chmod(mode)
