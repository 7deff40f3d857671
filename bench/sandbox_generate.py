"""Benchmark of the Stripe sandbox at scale.

1. Generates N charges (default 1,000,000, test mode) and everything that follows from them,
   and prints the wall time, the sandbox's peak RSS and the objects per type.
2. Times serving 100-object pages at that scale: sequentially (server CPU per page, client
   p50/p99), then with 150-300 ms injected latency and many requests in flight (throughput,
   p50/p99, CPU per page, peak concurrency).

    .venv/bin/python bench/sandbox_generate.py [--charges 1000000] [--data-dir DIR]
        [--settlement-currencies usd]

With --data-dir the generated data is kept and reused by the next run with the same options.
Without --settlement-currencies every charge settles in its own currency (the sandbox's
default, which the baseline figures in stripe_sandbox/README.md were measured with); with
it, Stripe's money model: conversion, bank debits, later captures and 30 days of events.
It prints the 1-minute load average before and after: other work on the machine slows it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stripe_sandbox.testing import SandboxProcess  # noqa: E402

END = "2026-11-01T00:00:00+00:00"


class PeakRss(threading.Thread):
    """Samples a process's RSS until stopped; ru_maxrss of a child is only known at exit."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def page_requests(created_min: int, created_max: int, rng: random.Random) -> list[dict[str, str]]:
    """A mix of what a sync does: newest pages, created windows at any depth, expanded pages."""
    out: list[dict[str, str]] = []
    for n in range(400):
        t = rng.randint(created_min, created_max)
        kind = n % 4
        if kind == 0:
            out.append({"limit": "100"})
        elif kind == 1:
            out.append({"limit": "100", "created[lte]": str(t)})
        elif kind == 2:
            out.append({"limit": "100", "created[gte]": str(t - 86_400), "created[lt]": str(t)})
        else:
            out.append(
                {"limit": "100", "created[lte]": str(t), "expand[]": "data.balance_transaction"}
            )
    return out


def sequential(sandbox: SandboxProcess, key: str, requests: list[dict[str, str]]) -> dict[str, Any]:
    process = psutil.Process(sandbox.pid)
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    objects = 0
    with httpx.Client(base_url=sandbox.api_base, headers=headers, timeout=30) as client:
        for params in requests[:20]:  # warm the page cache and connections
            client.get("/v1/charges", params=params)
        cpu_before = cpu_seconds(process)
        for params in requests:
            started = time.perf_counter()
            response = client.get("/v1/charges", params=params)
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            objects += len(response.json()["data"])
        cpu = cpu_seconds(process) - cpu_before
    return {
        "pages": len(requests),
        "objects_per_page": objects / len(requests),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "server_cpu_ms_per_page": round(cpu * 1000 / len(requests), 3),
    }


async def _concurrent(
    api_base: str, key: str, requests: list[dict[str, str]], workers: int, seconds: float
) -> tuple[list[float], int]:
    """aiohttp's client, lighter than httpx's, so the client is not what is measured."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=workers)
    async with aiohttp.ClientSession(
        base_url=api_base,
        headers={"Authorization": f"Bearer {key}"},
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=30),
    ) as session:

        async def worker(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.perf_counter() < deadline:
                params = requests[n % len(requests)]
                n += workers
                started = time.perf_counter()
                async with session.get("/v1/charges", params=params) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(worker(i) for i in range(workers)))
    return latencies, errors


def concurrent(
    sandbox: SandboxProcess, key: str, requests: list[dict[str, str]], workers: int, seconds: float
) -> dict[str, Any]:
    process = psutil.Process(sandbox.pid)
    sandbox.control.set_faults(latency="150-300")
    sandbox.control.reset_stats()
    cpu_before = cpu_seconds(process)
    started = time.perf_counter()
    latencies, errors = asyncio.run(_concurrent(sandbox.api_base, key, requests, workers, seconds))
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(process) - cpu_before
    stats = sandbox.control.stats()
    sandbox.control.clear_faults()
    return {
        "workers": workers,
        "latency_injected_ms": "150-300",
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "server_cpu_ms_per_page": round(cpu * 1000 / max(1, len(latencies)), 3),
        "server_cpu_share_of_one_core": round(cpu / elapsed, 3),
        "peak_in_flight": stats["peak_in_flight"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charges", type=int, default=1_000_000)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--data-dir", type=Path, default=None, help="keep and reuse the data here")
    parser.add_argument("--workers", type=int, default=50, help="requests in flight")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run")
    parser.add_argument(
        "--settlement-currencies",
        default=None,
        help="e.g. usd: generate with Stripe's money model (default: each currency its own)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()

    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="sandbox-bench-")
        data_dir = Path(temporary.name)
    samplers: list[PeakRss] = []

    def sample(pid: int) -> None:
        samplers.append(PeakRss(pid))
        samplers[0].start()

    sandbox = SandboxProcess(
        seed="bench",
        charges=args.charges,
        days=args.days,
        end=END,
        modes="test",
        settlement_currencies=args.settlement_currencies,
        data_dir=data_dir,
        test_rate=0,
        endpoint_rate=0,
        startup_timeout=1800,
        on_spawn=sample,
    )
    results: dict[str, Any] = {
        "charges_requested": args.charges,
        "settlement_currencies": args.settlement_currencies,
        "load_average_1min_before": round(os.getloadavg()[0], 2),
    }
    print(
        f"generating {args.charges:,} charges into {data_dir} "
        f"(settlement currencies: {args.settlement_currencies or 'none'}; "
        f"1-minute load average {results['load_average_1min_before']}) ...",
        flush=True,
    )
    started = time.perf_counter()
    try:
        sandbox.start()
        ready = time.perf_counter() - started
        sampler = samplers[0]
        sampler.running = False
        sampler.join()
        account = sandbox.control.accounts()[0]
        results["generation"] = {
            "wall_s_until_ready": round(ready, 1),
            "peak_rss_mb": round(sampler.peak / 2**20, 1),
            "objects": account["counts"]["test"],
            "db_size_mb": round((data_dir / "sandbox.sqlite3").stat().st_size / 2**20, 1),
        }
        print(json.dumps(results["generation"], indent=2), flush=True)

        key = sandbox.keys["restricted"]
        with httpx.Client(base_url=sandbox.api_base, timeout=30) as client:
            headers = {"Authorization": f"Bearer {key}"}
            newest = client.get("/v1/charges", params={"limit": 1}, headers=headers).json()
            oldest_t = int(account["params"]["end"] - args.days * 86_400)
        newest_t = newest["data"][0]["created"] if newest["data"] else int(time.time())
        requests = page_requests(oldest_t, newest_t, random.Random(7))
        results["sequential"] = sequential(sandbox, key, requests)
        print("sequential:", json.dumps(results["sequential"]), flush=True)
        results["concurrent"] = concurrent(sandbox, key, requests, args.workers, args.seconds)
        print("concurrent:", json.dumps(results["concurrent"]), flush=True)
        results["rss_after_serving_mb"] = round(
            psutil.Process(sandbox.pid).memory_info().rss / 2**20, 1
        )
        print("rss after serving (MB):", results["rss_after_serving_mb"], flush=True)
        results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        print("1-minute load average after:", results["load_average_1min_after"], flush=True)
    finally:
        for sampler in samplers:
            sampler.running = False
        sandbox.stop()
        if temporary is not None:
            temporary.cleanup()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
