"""Capacity benchmark, its runs: keys saved in parallel, workers started and watched (CPU,
RSS, database transactions), and the aggregates digested (see capacity.py for what is
measured and why)."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from _setup import ROOT, scratch_environment
from fairness_run import (
    SyncRun,
    database_url,
    flush_redis,
    query,
    read_logs,
    recreate_database,
    start_workers,
)
from load.machine import load_average

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

PYTHON = sys.executable
EMAIL_DOMAIN = "capacity.bench"
CAPACITY_SCRIPT = Path(__file__).with_name("capacity.py")
CONNECTORS = 4  # child processes saving keys side by side: each waits on the key check


def small_keys(box: SandboxProcess) -> dict[str, str]:
    """account id -> its live restricted key, for every account of the sandbox."""
    return {
        str(k["account"]): str(k["key"])
        for k in box.control.keys(account=None)
        if k["name"] == "restricted_live" and not k["revoked"]
    }


def connect_some(keys_file: Path) -> None:
    """(In a child process with the run's environment.) Saves these keys, as users would;
    the users get no password, since hashing 5,000 of them would measure Argon2 instead."""
    import django

    django.setup()
    from chartivo.accounts.models import User
    from chartivo.integrations.stripe.connect import connect

    keys: dict[str, str] = json.loads(keys_file.read_text())
    for account, key in keys.items():
        connect(User.objects.create_user(f"{account}@{EMAIL_DOMAIN}"), key)


def prepare_database(
    box: SandboxProcess,
    keys: dict[str, str],
    *,
    database: str,
    args: argparse.Namespace,
    logs: Path,
    slots: int,
) -> tuple[str, dict[str, str], dict[int, str]]:
    """A fresh database with every key saved: its URL, the workers' environment, and each
    connection's account."""
    url = database_url(args.postgres, database)
    recreate_database(args.postgres, database)
    flush_redis(args.redis)
    env = scratch_environment(
        box.api_base,
        DATABASE_URL=url,
        CHARTIVO_TASK_BACKEND="rq",
        REDIS_URL=args.redis,
        CHARTIVO_REFRESH_SECONDS=str(args.interval),
        CHARTIVO_WORKER_SLOTS=str(slots),
        CHARTIVO_LOG_FORMAT="json",
        CHARTIVO_LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    subprocess.run(
        [PYTHON, "-m", "chartivo.cli", "migrate", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    started = time.monotonic()
    accounts = sorted(keys)
    children = []
    for n in range(CONNECTORS):
        part = logs / f"keys-{n}.json"
        part.write_text(json.dumps({a: keys[a] for a in accounts[n::CONNECTORS]}))
        children.append(
            (
                part,
                subprocess.Popen(
                    [PYTHON, str(CAPACITY_SCRIPT), "--connect", str(part)], env=env, cwd=ROOT
                ),
            )
        )
    for part, child in children:
        child.wait()
        part.unlink()
        if child.returncode:
            raise SystemExit("saving the keys failed")
    print(f"  {len(keys)} keys saved in {time.monotonic() - started:.0f}s", flush=True)
    connections = {
        int(pk): email.split("@")[0]
        for pk, email in query(
            url,
            "SELECT c.id, u.email FROM stripe_integration_stripeconnection c"
            " JOIN accounts_user u ON u.id = c.owner_id",
        )
    }
    return url, env, connections


# --- the workers -------------------------------------------------------------------------------


def _tree(pid: int) -> list[psutil.Process]:
    try:
        top = psutil.Process(pid)
        return [top, *top.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_cpu(pid: int) -> float:
    """CPU seconds of a worker, its slots and the task processes they have reaped."""
    total = 0.0
    for process in _tree(pid):
        try:
            t = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def tree_rss(pid: int) -> float:
    """Resident MB of a worker with its slots and running tasks (shared pages counted in
    each process, so an upper bound)."""
    total = 0
    for process in _tree(pid):
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def transactions(url: str) -> int:
    row = query(
        url,
        "SELECT xact_commit + xact_rollback FROM pg_stat_database"
        " WHERE datname = current_database()",
    )
    return int(row[0][0])


@dataclass
class Window:
    """What the workers did while every connection was only refreshing."""

    start: float = 0.0
    cpu: float = 0.0
    transactions: int = 0
    requests: int = 0


@dataclass
class CapacityRun:
    workers: int
    started: float
    settled: float | None
    stopped: float
    connections: dict[int, str]
    runs: list[SyncRun]
    lease_lost: int
    peak_rss_mb: list[float]
    window: Window
    sandbox: dict[str, Any]
    load: list[float] = field(default_factory=list)

    def runs_of(self, connection: int) -> list[SyncRun]:
        return sorted((r for r in self.runs if r.connection == connection), key=lambda r: r.end)


def _first_syncs_done(url: str) -> tuple[int, int]:
    done, total = query(
        url,
        "SELECT count(backfill_done_at), count(*) FROM stripe_integration_stripeconnection",
    )[0]
    return int(done), int(total)


def _measure(
    box: SandboxProcess,
    url: str,
    processes: list[subprocess.Popen[bytes]],
    *,
    args: argparse.Namespace,
    until_first_syncs: bool,
    result: CapacityRun,
) -> None:
    next_report = time.monotonic()
    while True:
        time.sleep(2)
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a worker exited; see its log")
        result.load.append(load_average())
        for n, process in enumerate(processes):
            result.peak_rss_mb[n] = max(result.peak_rss_mb[n], tree_rss(process.pid))
        now = time.time()
        done, total = _first_syncs_done(url)
        if result.settled is None and done == total:
            if until_first_syncs:
                return
            result.settled = now
            if args.latency_after_first_syncs:
                box.control.set_faults(latency=args.latency)
            result.window = Window(
                start=now,
                cpu=sum(tree_cpu(p.pid) for p in processes),
                transactions=transactions(url),
                requests=int(box.control.stats()["requests"]),
            )
            print(f"  every first sync done after {now - result.started:.0f}s", flush=True)
        if time.monotonic() >= next_report:
            next_report += 30
            print(
                f"  [{result.workers} worker(s)] {now - result.started:5.0f}s: {done}/{total} "
                f"first syncs done, load {result.load[-1]:.2f}",
                flush=True,
            )
        if result.settled is not None and now >= result.settled + args.minutes * 60:
            return
        if now - result.started > args.timeout:
            print(f"  timed out after {now - result.started:.0f}s", flush=True)
            return


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=150)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_workers(
    box: SandboxProcess,
    url: str,
    env: dict[str, str],
    connections: dict[int, str],
    *,
    workers: int,
    args: argparse.Namespace,
    logs: Path,
    until_first_syncs: bool = False,
) -> CapacityRun:
    box.control.reset_stats()
    paths = [logs / f"worker-{workers}-{n}.log" for n in range(workers)]
    processes = start_workers(env, paths)
    result = CapacityRun(
        workers=workers,
        started=time.time(),
        settled=None,
        stopped=0.0,
        connections=connections,
        runs=[],
        lease_lost=0,
        peak_rss_mb=[0.0] * workers,
        window=Window(),
        sandbox={},
    )
    try:
        _measure(box, url, processes, args=args, until_first_syncs=until_first_syncs, result=result)
    finally:
        result.stopped = time.time()
        window = result.window
        if window.start:
            window.cpu = sum(tree_cpu(p.pid) for p in processes) - window.cpu
            window.transactions = transactions(url) - window.transactions
            window.requests = int(box.control.stats()["requests"]) - window.requests
        result.sandbox = box.control.stats()
        _stop(processes)
    result.runs, _, result.lease_lost, _, _ = read_logs(paths)
    return result


# --- aggregates --------------------------------------------------------------------------------
