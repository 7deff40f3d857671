"""Dashboard speed at full history: Home (headline figures + 12 charts) and every chart page
at every range and granularity it offers, for one account of 1,000,000 charges over 365
days (``CHARTIVO_HISTORY_DAYS=365``), served as in production.

    python bench/dashboard.py [--charges 1000000] [--users 50] [--seconds 60]
                              [--database NAME] [--keep]

1. Seeds: the sandbox generates the account (live mode, no rate limit, no latency); the
   app syncs it for real (``chartivo sync_now``) into a PostgreSQL database of its own.
   ``--database NAME --keep`` keeps that database, and a later run with the same name
   measures it again without seeding.
2. Serves it as in production: ``chartivo serve`` (gunicorn, DEBUG off), PostgreSQL, Redis
   for the figures cache.
3. First views after a sync: the sync's end and the last change of the figures are moved
   (as a refresh that found something new leaves them) and Home is asked
   at once, before anything computed its figures (a reader quicker than the worker). Then
   the sync's end is moved again and the worker's step after a sync runs
   (``chartivo.charts.warm.after_sync``: Home's headline figures and charts computed), and
   Home and every chart page at every range it offers are asked once each, one at a time:
   every other figure computed at its first view (server time as the client sees it, on
   loopback).
4. Warm: ``--users`` clients, each with its own session of the account's owner, open Home
   and chart pages at random ranges for ``--seconds``; p50/p95 per kind of page.

Targets: p95 under 150 ms warm, under 500 ms for a first view, HTML under 300 KB.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from _setup import ROOT, bench_redis, run_child, run_database_name, scratch_environment  # noqa: E402
from load.machine import load_average  # noqa: E402
from load.run import drop_database, free_port, wait_http  # noqa: E402

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess  # noqa: E402

PYTHON = sys.executable
WARM_P95_MS = 150
COLD_MS = 500
HTML_KB = 300
RANGES = ["today", "yesterday", "last_7_days", "last_30_days", "this_month", "last_month", "custom"]
CHARTS = [  # (metric, measure, breakdown, range, granularity, chart type): Home's 12 cards
    ("revenue", "gross", "", "dashboard", "day", "line"),
    ("revenue", "net", "components", "last_30_days", "day", "line"),
    ("charges", "amount", "brand", "last_30_days", "day", "bar"),
    ("charges", "count", "status", "last_7_days", "hour", "area"),
    ("customers", "count", "", "this_month", "day", "bar"),
    ("refunds", "amount", "reason", "last_30_days", "week", "bar"),
    ("disputes", "count", "status", "custom", "week", "line"),
    ("balance_transactions", "fee", "category", "last_30_days", "day", "area"),
    ("charges", "amount", "", "custom", "month", "line"),
    ("revenue", "gross", "", "dashboard", "hour", "line"),
    ("refunds", "count", "", "today", "hour", "line"),
    ("balance_transactions", "net", "", "last_month", "day", "line"),
]


def database_exists(server: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def create_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Generates the account, syncs it for real, and writes the owner and charts."""
    data = ROOT / "var" / "bench" / f"sandbox-dashboard-{args.charges}"
    data.mkdir(parents=True, exist_ok=True)
    print(f"sandbox: {args.charges:,} live charges over 365 days…", flush=True)
    with SandboxProcess(
        seed="dashboard",
        charges=args.charges,
        days=365,
        modes="live",
        live_rate=0,
        endpoint_rate=0,
        data_dir=data,
        startup_timeout=1800,
    ) as box:
        sync_env = {**env, "CHARTIVO_STRIPE_API_BASE": box.api_base}
        out, _, _ = run_child(
            [PYTHON, str(BENCH / "dashboard_seed.py"), box.keys["restricted_live"]], sync_env
        )
        connection_id = int(out.strip().splitlines()[-1])
        started = time.monotonic()
        out, rss, _ = run_child(
            [PYTHON, "-m", "chartivo.cli", "sync_now", str(connection_id)], sync_env
        )
        report = json.loads(out.strip().splitlines()[-1])
        print(
            f"synced {report['objects']:,} objects in {time.monotonic() - started:.0f} s "
            f"({report['requests']:,} requests, peak RSS {rss:.0f} MB)",
            flush=True,
        )


def get(url: str, session: str, *, gzip: bool = True) -> tuple[float, int, int]:
    """Seconds, bytes on the wire (compressed where the app compresses, as a browser asks)
    and status of one request."""
    headers = {"Cookie": f"sessionid={session}"}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
        body = response.read()
        status = response.status
    return time.perf_counter() - started, len(body), status


def chart_urls(base: str, charts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every chart page at every range it offers, at every granularity that fits it."""
    urls = [("Home", f"{base}/")]
    for chart in charts:
        for preset, granularities in chart["offered"].items():
            for granularity in granularities:
                query = f"range={preset}&granularity={granularity}&tz={chart['zone']}"
                if preset == "custom":
                    query += f"&from={chart['from']}&to={chart['to']}"
                name = f"chart {chart['id']} {preset} by {granularity}"
                urls.append((name, f"{base}/charts/{chart['id']}/?{query}"))
    return urls


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def first_views(urls: list[tuple[str, str]], session: str) -> list[tuple[str, float, int]]:
    return [(name, *get(url, session)[:2]) for name, url in urls]


def warm(
    urls: list[tuple[str, str]], sessions: list[str], seconds: float
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"Home": [], "Chart page": []}
    errors: list[str] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def user(session: str, rng: random.Random) -> None:
        while time.monotonic() < stop:
            name, url = urls[0] if rng.random() < 0.4 else rng.choice(urls[1:])
            try:
                took, _, _ = get(url, session)
            except OSError as error:
                errors.append(str(error))
                continue
            with lock:
                times["Home" if name == "Home" else "Chart page"].append(took)
            time.sleep(rng.uniform(0.5, 1.5))  # a person reading between clicks

    threads = [
        threading.Thread(target=user, args=(s, random.Random(n)), daemon=True)
        for n, s in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--charges", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="", help="keep or reuse this database")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--redis", default="")
    args = parser.parse_args()
    with bench_redis(args.redis) as redis_url:
        run(args, redis_url)


def run(args: argparse.Namespace, redis_url: str) -> None:
    name = args.database or run_database_name("dashboard")
    url = f"{args.postgres}/{name}"
    env = scratch_environment(
        "http://127.0.0.1:9",  # no Stripe while serving: the figures are already synced
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        CHARTIVO_HISTORY_DAYS="365",
        CHARTIVO_STRIPE_BUDGET="100",
        CHARTIVO_SYNC_SLICE_SECONDS="36000",
        CHARTIVO_ALLOWED_HOSTS="127.0.0.1",
        CHARTIVO_ACCESS_LOG="1",  # its durations are the server's own measure of each request
        PYTHONPATH=f"{ROOT}:{BENCH}",
    )
    if not database_exists(args.postgres, name):
        create_database(args.postgres, name)
        seed(args, env)
    try:
        measure(args, env, url)
    finally:
        if not args.keep:
            drop_database(args.postgres, name)


def measure(args: argparse.Namespace, env: dict[str, str], url: str) -> None:
    out, _, _ = run_child(
        [PYTHON, str(BENCH / "dashboard_seed.py"), "--sessions", str(args.users)], env
    )
    setup = json.loads(out.strip().splitlines()[-1])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = ROOT / "var" / "bench"
    log.mkdir(parents=True, exist_ok=True)
    with (log / "dashboard-server.log").open("wb") as server_log:
        server = subprocess.Popen(
            [PYTHON, "-m", "chartivo.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_http(f"{base}/healthz", server)
        urls = chart_urls(base, setup["charts"])
        sessions = setup["sessions"]
        # Each web process loads its code, templates and zone data at its first request:
        # that is a process starting, not a first view after a sync. Warm them all.
        warm(urls[:2], sessions[:10], 5)
        load_before = load_average()
        # A sync has just finished, and Home is asked before the worker computed anything.
        run_child([PYTHON, str(BENCH / "dashboard_seed.py"), "--synced-now"], env)
        unwarmed = get(urls[0][1], sessions[0])[0]
        # A sync has just finished and the worker computed Home's figures, as it does.
        out, _, _ = run_child(
            [PYTHON, str(BENCH / "dashboard_seed.py"), "--synced-now", "--warm"], env
        )
        warmed = json.loads(out.strip().splitlines()[-1])
        cold = first_views(urls, sessions[0])
        offset = (log / "dashboard-server.log").stat().st_size
        warm_times = warm(urls, sessions, args.seconds)
        load_after = load_average()
        in_server = server_times(log / "dashboard-server.log", offset)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    report(args, setup, (unwarmed, warmed), cold, warm_times, load_before, load_after)
    for kind, times in in_server.items():
        ms = [1000 * t for t in times]
        if ms:
            print(
                f"  the server's own time (gunicorn's access log, from when a thread took the "
                f"request), {kind}: p50 {statistics.median(ms):.0f} ms, p95 "
                f"{percentile(ms, 95):.0f} ms"
            )


def server_times(path: Path, offset: int) -> dict[str, list[float]]:
    """Seconds per request of the warm phase, as the web server logged them."""
    times: dict[str, list[float]] = {"Home": [], "Chart page": []}
    with path.open("rb") as lines:
        lines.seek(offset)
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or "duration_ms" not in record:
                continue
            path_ = str(record.get("path", ""))
            kind = "Home" if path_ == "/" else "Chart page" if path_.startswith("/charts/") else ""
            if kind:
                times[kind].append(float(record["duration_ms"]) / 1000)
    return times


def report(
    args: argparse.Namespace,
    setup: dict[str, Any],
    after_sync: tuple[float, dict[str, Any]],
    cold: list[tuple[str, float, int]],
    warm_times: dict[str, list[float]],
    load_before: float,
    load_after: float,
) -> None:
    cold_ms = [1000 * t for _, t, _ in cold]
    worst = max(cold, key=lambda row: row[1])
    largest = max(cold, key=lambda row: row[2])
    print()
    print(
        f"account: {setup['aggregates']:,} aggregate rows for {args.charges:,} charges "
        f"over 365 days"
    )
    print(
        f"first views after a sync: {len(cold)} pages, one at a time (Home + every chart "
        f"at every range and granularity)"
    )
    print(
        f"  p50 {statistics.median(cold_ms):.0f} ms, p95 {percentile(cold_ms, 95):.0f} "
        f"ms, slowest {1000 * worst[1]:.0f} ms ({worst[0]})"
    )
    slowest = sorted(cold, key=lambda row: -row[1])[:5]
    print("  slowest: " + ", ".join(f"{name} {1000 * t:.0f} ms" for name, t, _ in slowest))
    print(f"  largest page {largest[2] / 1024:.0f} KB ({largest[0]})")
    home_cold = next(1000 * t for name, t, _ in cold if name == "Home")
    unwarmed, warmed = after_sync
    print(
        f"  Home: {home_cold:.0f} ms (the worker computed its {warmed['charts']} charts and "
        f"headline figures in {1000 * warmed['seconds']:.0f} ms after the sync)"
    )
    print(f"  Home asked before the worker computed it: {1000 * unwarmed:.0f} ms")
    rows = []
    for kind, times in warm_times.items():
        ms = [1000 * t for t in times]
        rows.append((kind, len(ms), statistics.median(ms), percentile(ms, 95), percentile(ms, 99)))
        print(
            f"warm, {args.users} users: {kind:10} {len(ms):6d} requests  p50 "
            f"{rows[-1][2]:5.0f} ms  p95 {rows[-1][3]:5.0f} ms  p99 {rows[-1][4]:5.0f} ms"
        )
    total = sum(len(t) for t in warm_times.values())
    print(f"warm throughput: {total / args.seconds:.1f} pages/s")
    print(
        f"machine: 2 cores shared by the clients, gunicorn, PostgreSQL and Redis; "
        f"1-minute load {load_before:.2f} before, {load_after:.2f} after"
    )
    print(f"targets: warm p95 < {WARM_P95_MS} ms, first view < {COLD_MS} ms, HTML < {HTML_KB} KB")
    warm_p95 = max(row[3] for row in rows)
    passed = warm_p95 < WARM_P95_MS and max(cold_ms) < COLD_MS and largest[2] < HTML_KB * 1024
    print(
        f"RESULT {'PASS' if passed else 'FAIL'} charges={args.charges} users={args.users} "
        f"warm_p95_ms={warm_p95:.0f} home_warm_p95_ms={rows[0][3]:.0f} "
        f"chart_warm_p95_ms={rows[1][3]:.0f} cold_p95_ms={percentile(cold_ms, 95):.0f} "
        f"cold_max_ms={max(cold_ms):.0f} home_cold_ms={home_cold:.0f} "
        f"home_unwarmed_ms={1000 * unwarmed:.0f} warm_up_ms={1000 * warmed['seconds']:.0f} "
        f"largest_html_kb={largest[2] / 1024:.0f} pages_checked={len(cold)} load={load_after:.2f}"
    )


if __name__ == "__main__":
    main()
