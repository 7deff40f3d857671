"""The read API fuzzed against its own OpenAPI document with schemathesis, at full size.

    python bench/api_fuzz.py [--examples 2000] [--postgres]

Runs ``tests/api/test_api_figures.py::test_the_api_holds_to_its_own_openapi_document``
(a sandbox account connected and synced, a real token, every operation of
``/api/v1/openapi.json`` asked with valid requests and, as many, with requests that break
the document) with ``--examples`` examples in all, where the suite runs a few hundred, and
prints the figures: examples, failures by check and operation, server errors, statuses.
Target: no failure, no 5xx.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/api/test_api_figures.py::test_the_api_holds_to_its_own_openapi_document"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    args = parser.parse_args()
    env = {**os.environ, "CHARTIVO_API_FUZZ_EXAMPLES": str(args.examples)}
    env.pop("DATABASE_URL", None)
    if args.postgres:
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/test"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-s", "-p", "no:logging"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    figures = [line for line in run.stdout.splitlines() if line.startswith("schemathesis:")]
    print("\n".join(figures) or run.stdout[-3000:])
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
