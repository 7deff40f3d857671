"""Bounded work per request: the largest chart a user can ask for, at a year of history.

    python bench/bounded.py [--charges 20000] [--users 8] [--seconds 60] [--previews 100]

With ``CHARTIVO_HISTORY_DAYS=365`` and 20,000 charges over the year (the sandbox, synced
for real into PostgreSQL; Redis for the figures cache), served by ``chartivo serve``:

1. The largest chart page, ``data.json``, table of figures and CSV a user can request:
   every metric's widest breakdown over a year by day and over 31 days by the hour (the
   most periods a chart may have), each asked for once; their sizes.
2. ``--users`` clients ask for those pages, data and CSVs over and over for ``--seconds``
   (figures recomputed after every sync, as in production: the sync's end moves every
   10 s) while another asks for ``/healthz`` every 100 ms: p95 per kind and of /healthz.
3. ``--previews`` different year-long previews (New Chart), then the web workers' RSS.

Targets: every page under 1 MB and 500 ms p95; /healthz under 100 ms p95 during the load;
each web worker under 300 MB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from _setup import ROOT, bench_redis, run_child, run_database_name, scratch_environment  # noqa: E402
from dashboard import create_database, get, percentile  # noqa: E402
from load.machine import load_average  # noqa: E402
from load.run import drop_database, free_port, wait_http  # noqa: E402

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess  # noqa: E402

PYTHON = sys.executable
PAGE_BYTES = 1024 * 1024
PAGE_P95_MS = 500
HEALTH_P95_MS = 100
WORKER_MB = 300
WIDEST = [  # every metric with its widest breakdown
    ("charges", "amount", "brand"),
    ("charges", "count", "status"),
    ("revenue", "gross", "components"),
    ("refunds", "amount", "reason"),
    ("disputes", "amount", "reason"),
    ("balance_transactions", "amount", "category"),
    ("customers", "count", ""),
]


def views() -> list[dict[str, str]]:
    """A year by day, and 31 days by the hour: the most periods a chart may have."""
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    return [
        {
            "range": "custom",
            "from": str(today - timedelta(days=364)),
            "to": str(today),
            "granularity": "day",
        },
        {
            "range": "custom",
            "from": str(today - timedelta(days=30)),
            "to": str(today),
            "granularity": "hour",
        },
    ]


def seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    with SandboxProcess(
        seed="bounded", charges=args.charges, days=365, modes="live", live_rate=0, endpoint_rate=0
    ) as box:
        sync_env = {**env, "CHARTIVO_STRIPE_API_BASE": box.api_base}
        out, _, _ = run_child(
            [PYTHON, str(BENCH / "bounded_seed.py"), "connect", box.keys["restricted_live"]],
            sync_env,
        )
        connection_id = out.strip().splitlines()[-1]
        out, _, _ = run_child([PYTHON, "-m", "chartivo.cli", "sync_now", connection_id], sync_env)
        report = json.loads(out.strip().splitlines()[-1])
        print(f"synced {report['objects']:,} objects", flush=True)


def worker_rss(server: subprocess.Popen[bytes]) -> list[float]:
    children = psutil.Process(server.pid).children()
    return [child.memory_info().rss / 2**20 for child in children]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--charges", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--previews", type=int, default=100)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with bench_redis("") as redis_url:
        name = run_database_name("bounded")
        env = scratch_environment(
            "http://127.0.0.1:9",
            DATABASE_URL=f"{args.postgres}/{name}",
            REDIS_URL=redis_url,
            CHARTIVO_HISTORY_DAYS="365",
            CHARTIVO_SYNC_SLICE_SECONDS="36000",
            CHARTIVO_STRIPE_BUDGET="100",
            CHARTIVO_ALLOWED_HOSTS="127.0.0.1",
            CHARTIVO_ACCESS_LOG="0",
            # The previews below are one user's, faster than anyone types.
            CHARTIVO_PREVIEWS_PER_MINUTE="100000",
            PYTHONPATH=f"{ROOT}:{BENCH}",
        )
        create_database(args.postgres, name)
        try:
            seed(args, env)
            measure(args, env)
        finally:
            drop_database(args.postgres, name)


def measure(args: argparse.Namespace, env: dict[str, str]) -> None:
    out, _, _ = run_child(
        [PYTHON, str(BENCH / "bounded_seed.py"), "charts", json.dumps(WIDEST)], env
    )
    setup = json.loads(out.strip().splitlines()[-1])
    session = setup["session"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (ROOT / "var" / "bench" / "bounded-server.log").open("wb") as log:
        server = subprocess.Popen(
            [PYTHON, "-m", "chartivo.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_http(f"{base}/healthz", server)
        urls: list[tuple[str, str]] = []
        for chart_id in setup["charts"]:
            for view in views():
                query = urlencode(view)
                urls += [
                    ("chart page", f"{base}/charts/{chart_id}/?{query}"),
                    ("data.json", f"{base}/charts/{chart_id}/data.json?{query}"),
                    ("figures table", f"{base}/charts/{chart_id}/figures/?{query}"),
                    ("CSV", f"{base}/charts/{chart_id}/export.csv?{query}"),
                ]
        sizes: dict[str, tuple[int, str]] = {}
        raw: dict[str, int] = {}
        for kind, url in urls:
            _, size, status = get(url, session)
            assert status == 200, (url, status)
            if size > sizes.get(kind, (0, ""))[0]:
                sizes[kind] = (size, url.split("/charts/")[1])
                raw[kind] = get(url, session, gzip=False)[1]
        load_before = load_average()
        times, health = load(urls, session, args, env)
        rss_before = worker_rss(server)
        previews(base, session, args.previews)
        rss_after = worker_rss(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    report(args, sizes, raw, times, health, rss_before, rss_after, load_before)


def load(
    urls: list[tuple[str, str]], session: str, args: argparse.Namespace, env: dict[str, str]
) -> tuple[dict[str, list[float]], list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind, _ in urls}
    health: list[float] = []
    stop = time.monotonic() + args.seconds
    base = urls[0][1].split("/charts/")[0]

    def user(rng: random.Random) -> None:
        while time.monotonic() < stop:
            kind, url = rng.choice(urls)
            took, _, _ = get(url, session)
            times[kind].append(took)

    def probe() -> None:
        while time.monotonic() < stop:
            took, _, _ = get(f"{base}/healthz", "")
            health.append(took)
            time.sleep(0.1)

    def syncs() -> None:  # a sync finishes every 10 s: every figure is computed again
        while time.monotonic() < stop:
            run_child([PYTHON, str(BENCH / "bounded_seed.py"), "synced"], env)
            time.sleep(10)

    threads = [threading.Thread(target=user, args=(random.Random(n),)) for n in range(args.users)]
    threads += [threading.Thread(target=probe), threading.Thread(target=syncs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, health


def previews(base: str, session: str, count: int) -> None:
    """``count`` different year-long previews, as someone trying New Chart's options."""
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    zones = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Asia/Kathmandu"]
    combos = itertools.cycle(itertools.product(WIDEST, zones, ["day", "week", "month"]))
    for n in range(count):
        (metric, measure, breakdown), zone, granularity = next(combos)
        query = urlencode(
            {
                "metric": metric,
                "measure": measure,
                "breakdown": breakdown,
                "range_preset": "custom",
                "custom_start": str(today - timedelta(days=364 - n % 30)),
                "custom_end": str(today),
                "granularity": granularity,
                "time_zone": zone,
                "chart_type": "bar",
                "compare": "none",
            }
        )
        get(f"{base}/charts/preview.json?{query}", session)


def report(
    args: argparse.Namespace,
    sizes: dict[str, tuple[int, str]],
    raw: dict[str, int],
    times: dict[str, list[float]],
    health: list[float],
    rss_before: list[float],
    rss_after: list[float],
    load_before: float,
) -> None:
    print()
    print(
        f"{args.charges:,} charges over 365 days; {args.users} concurrent users for "
        f"{args.seconds} s"
    )
    worst_p95 = 0.0
    for kind, samples in times.items():
        ms = [1000 * t for t in samples]
        p95 = percentile(ms, 95)
        worst_p95 = max(worst_p95, p95)
        size, where = sizes[kind]
        print(
            f"{kind}: largest {size / 1024:.0f} KB on the wire ({raw[kind] / 1024:.0f} KB unpacked)"
        )
        print(
            f"{kind:14} largest {size / 1024:7.0f} KB ({where[:70]})  {len(ms):5d} requests  "
            f"p50 {percentile(ms, 50):5.0f} ms  p95 {p95:5.0f} ms"
        )
    health_ms = [1000 * t for t in health]
    print(
        f"/healthz during the load: {len(health_ms)} probes, p50 "
        f"{percentile(health_ms, 50):.0f} ms, p95 {percentile(health_ms, 95):.0f} ms"
    )
    print(
        f"web workers' RSS: {', '.join(f'{r:.0f}' for r in rss_before)} MB after the "
        f"load; {', '.join(f'{r:.0f}' for r in rss_after)} MB after {args.previews} "
        f"different year-long previews"
    )
    print(f"machine: 2 cores; 1-minute load {load_before:.2f} before, {load_average():.2f} after")
    print(
        f"targets: every page < {PAGE_BYTES // 1024} KB and < {PAGE_P95_MS} ms p95; "
        f"/healthz < {HEALTH_P95_MS} ms p95; workers < {WORKER_MB} MB"
    )
    largest = max(size for size, _ in sizes.values())
    passed = (
        largest < PAGE_BYTES
        and worst_p95 < PAGE_P95_MS
        and percentile(health_ms, 95) < HEALTH_P95_MS
        and max(rss_after) < WORKER_MB
    )
    print(
        f"RESULT {'PASS' if passed else 'FAIL'} charges={args.charges} users={args.users} "
        f"largest_kb={largest / 1024:.0f} worst_p95_ms={worst_p95:.0f} "
        f"healthz_p95_ms={percentile(health_ms, 95):.0f} worker_rss_max_mb={max(rss_after):.0f}"
    )


if __name__ == "__main__":
    main()
