"""Fails when a Python module of the project is longer than MAX_LINES.

A module that long usually holds two ideas; split it where the second one starts, so each
file can be read in one sitting. Migrations are generated, and exempt.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MAX_LINES = 400


def tracked_modules(root: Path) -> list[Path]:
    # What git tracks, plus what is new and not ignored: the checkout's own code only.
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],  # noqa: S607
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [root / name for name in listed if "/migrations/" not in name]


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    too_long = []
    for path in tracked_modules(root):
        if not path.exists():  # deleted in the working tree, not yet committed
            continue
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES:
            too_long.append(f"{path.relative_to(root)}: {count} lines")
    for line in too_long:
        print(f"module longer than {MAX_LINES} lines: {line}", file=sys.stderr)
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main())
