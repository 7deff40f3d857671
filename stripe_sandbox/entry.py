"""The ``chartivo-sandbox`` command: says which extra to install when the sandbox's
dependencies are missing (a production install leaves them out), then runs the CLI."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

REQUIRED = ("aiohttp", "orjson")


def missing() -> list[str]:
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


def main(argv: Sequence[str] | None = None) -> int:
    absent = missing()
    if absent:
        print(
            f"chartivo-sandbox needs {', '.join(absent)}: install the sandbox extra, "
            "pip install 'chartivo[sandbox]' (or `make bootstrap` in a checkout).",
            file=sys.stderr,
        )
        return 2
    # Imported here, after the check, so that a missing dependency gets the message above.
    from stripe_sandbox.cli import main as run

    return run(argv)
