"""Load test: 50 concurrent users over 1,000 saved charts, against ``chartivo serve``.

    python bench/load/run.py [--users 50] [--charts 1000] [--seconds 60] [--charges 10000]

The sandbox holds one account with a month of payments (10,000 live charges over 30 days);
``prepare.py`` makes 50 users with its figures and 1,000 charts (run.py's child, on a
fresh PostgreSQL database). The app is served as in production: ``chartivo serve``
(gunicorn, its default 2 × CPUs + 1 workers of 4 threads), DEBUG off, whitenoise serving
the collected, compressed static files, JSON access logs, PostgreSQL, and Redis when
Redis (REDIS_URL: the cache of chart payloads is shared by the web processes).

First each user opens Home once, one after another, as the first visit after a sync does
(every chart of the page computed, none cached): that is the cold figure. Then Locust
(``locustfile.py``) runs 50 users for ``--seconds`` after they have all started, on the
same machine, while refreshes finish as in production (each connection every 300 s,
staggered: its charts are computed again at their next view). It reports requests/s and
p50/p95/p99 per kind of request; a static file served by the same workers is the ceiling
the pages are held to.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
from _setup import ROOT, bench_redis, run_database_name, scratch_environment  # noqa: E402

from load.machine import load_average, wait_until_quiet  # noqa: E402

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess  # noqa: E402

PYTHON = sys.executable
DATA_P95_TARGET_MS = 200


def recreate_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer from {url} within {timeout:.0f}s")


def sample_load(samples: list[float], stop: threading.Event) -> None:
    while not stop.wait(2):
        samples.append(load_average())


def first_views(base: str, users_file: Path) -> list[float]:
    """Each user's Home once, one at a time: every card computed (seconds each)."""
    times = []
    for user in json.loads(users_file.read_text())["users"]:
        cookie = {"Cookie": f"sessionid={user['session']}"}
        request = urllib.request.Request(f"{base}/", headers=cookie)  # noqa: S310 - loopback
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            response.read()
        times.append(time.perf_counter() - started)
    return times


def refreshes(url: str, interval: float, stop: threading.Event) -> None:
    """A refresh finishing for one connection after another, each every ``interval``."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        ids = [
            row[0]
            for row in db.execute("SELECT id FROM stripe_integration_stripeconnection ORDER BY id")
        ]
        for connection_id in itertools.cycle(ids):
            if stop.wait(interval / len(ids)):
                return
            db.execute(
                "UPDATE stripe_integration_stripeconnection SET last_synced_at = now()"
                " WHERE id = %s",
                (connection_id,),
            )


def read_stats(path: Path) -> list[dict[str, str]]:
    with path.open() as file:
        return list(csv.DictReader(file))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--charts", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--charges", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--redis", default="", help="REDIS_URL (default: a database of its own; 'none' for none)"
    )
    parser.add_argument("--refresh", type=float, default=300, help="seconds between refreshes")
    parser.add_argument(
        "--web-workers", default="", help="CHARTIVO_WEB_WORKERS (default: gunicorn's)"
    )
    parser.add_argument("--no-cache", action="store_true", help="compute every chart each time")
    parser.add_argument("--quiet-load", type=float, default=2.0)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "load"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.redis == "none":
        args.redis = ""
        run(args, out)
    else:
        with bench_redis(args.redis) as args.redis:
            run(args, out)


def run(args: argparse.Namespace, out: Path) -> None:
    database = run_database_name("load")
    with SandboxProcess(seed="load", charges=args.charges, days=30, modes="live") as box:
        url = recreate_database(args.postgres, database)
        extra = {
            "DATABASE_URL": url,
            "CHARTIVO_ALLOWED_HOSTS": "127.0.0.1",
            "CHARTIVO_LOG_FORMAT": "json",
            "CHARTIVO_LOG_LEVEL": "INFO",
        }
        if args.redis:
            extra["REDIS_URL"] = args.redis
        if args.web_workers:
            extra["CHARTIVO_WEB_WORKERS"] = args.web_workers
        if args.no_cache:
            extra["DJANGO_SETTINGS_MODULE"] = "load.settings_without_cache"
        env = scratch_environment(box.api_base, PYTHONPATH=f"{ROOT}:{BENCH}", **extra)
        users_file = out / "users.json"
        print(f"preparing {args.users} users and {args.charts} charts…", flush=True)
        subprocess.run(
            [
                PYTHON,
                str(BENCH / "load" / "prepare.py"),
                box.keys["restricted_live"],
                str(users_file),
                f"--users={args.users}",
                f"--charts={args.charts}",
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (out / "server.log").open("wb") as server_log:
        server = subprocess.Popen(
            [PYTHON, "-m", "chartivo.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
    loads: list[float] = []
    stop = threading.Event()
    try:
        wait_http(f"{base}/healthz", server)
        load_before = wait_until_quiet(threshold=args.quiet_load)
        cold = first_views(base, users_file)
        threading.Thread(target=sample_load, args=(loads, stop), daemon=True).start()
        threading.Thread(target=refreshes, args=(url, args.refresh, stop), daemon=True).start()
        spawn_seconds = 5
        subprocess.run(
            [
                str(Path(PYTHON).parent / "locust"),
                "-f",
                str(BENCH / "load" / "locustfile.py"),
                "--headless",
                f"--users={args.users}",
                f"--spawn-rate={args.users / spawn_seconds:g}",
                f"--run-time={args.seconds + spawn_seconds}s",
                f"--host={base}",
                f"--csv={out / 'run'}",
                "--reset-stats",  # measure once every user is in, not the ramp-up
                "--only-summary",
                "--loglevel=WARNING",
            ],
            env={**env, "LOAD_TEST_USERS": str(users_file)},
            cwd=ROOT,
            check=False,
        )
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        drop_database(args.postgres, database)
    report(read_stats(out / "run_stats.csv"), args, load_before, loads, cold)


def report(
    rows: list[dict[str, str]],
    args: argparse.Namespace,
    before: float,
    loads: list[float],
    cold: list[float],
) -> None:
    def ms(row: dict[str, str], column: str) -> float:
        return float(row[column])

    print()
    header = ("count", "fail", "req/s", "p50", "p95", "p99")
    print(f"{'request':38} {' '.join(f'{h:>6}' for h in header)} (ms)")
    by_name = {}
    for row in rows:
        name = row["Name"]
        by_name[name] = row
        print(
            f"{name:38} {int(row['Request Count']):6d} {int(row['Failure Count']):6d} "
            f"{float(row['Requests/s']):6.1f} {ms(row, '50%'):6.0f} {ms(row, '95%'):6.0f} "
            f"{ms(row, '99%'):6.0f}"
        )
    total = by_name["Aggregated"]
    data = by_name["Chart data (data.json)"]
    home = by_name["Home"]
    page = by_name["Chart page"]
    static = next(row for name, row in by_name.items() if name.startswith("Static file"))
    mean_load = statistics.mean(loads) if loads else float("nan")
    cold_ms = sorted(1000 * t for t in cold)
    cold_p50, cold_p95 = cold_ms[len(cold_ms) // 2], cold_ms[int(0.95 * (len(cold_ms) - 1))]
    print(
        f"Home, first view after a sync ({len(cold)} users one at a time, every card computed): "
        f"p50 {cold_p50:.0f} ms, p95 {cold_p95:.0f} ms"
    )
    print(
        f"machine: 2 cores shared by locust, gunicorn and PostgreSQL; 1-minute load "
        f"{before:.2f} before, {mean_load:.2f} mean during the run"
    )
    passed = ms(data, "95%") < DATA_P95_TARGET_MS and int(total["Failure Count"]) == 0
    print(
        f"RESULT {'PASS' if passed else 'FAIL'} users={args.users} charts={args.charts} "
        f"cache={'off' if args.no_cache else 'redis' if args.redis else 'per-process'} "
        f"requests_per_s={float(total['Requests/s']):.1f} failures={total['Failure Count']} "
        f"data_p50_ms={ms(data, '50%'):.0f} data_p95_ms={ms(data, '95%'):.0f} "
        f"data_p99_ms={ms(data, '99%'):.0f} home_p95_ms={ms(home, '95%'):.0f} "
        f"chart_page_p95_ms={ms(page, '95%'):.0f} static_p95_ms={ms(static, '95%'):.0f} "
        f"home_cold_p50_ms={cold_p50:.0f} "
        f"load_mean={mean_load:.2f}"
    )
    if not passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
