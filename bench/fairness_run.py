"""Fairness benchmark, its runs: the sandbox's keys, a fresh database, the workers, and what
their JSON logs say (see fairness.py for what is measured and why)."""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _setup import ROOT, scratch_environment
from load.machine import load_average

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess

PYTHON = sys.executable
EMAIL_DOMAIN = "fairness.bench"
BIG = "big"
# The benchmark's entry point: it also saves the keys (``--connect``) inside the workers'
# environment.
FAIRNESS_SCRIPT = Path(__file__).with_name("fairness.py")


# --- the world: sandbox keys, database, Redis --------------------------------------------------


def live_keys(box: SandboxProcess) -> dict[str, str]:
    """account id -> its live restricted key; the default (big) account is also under BIG."""
    every_key = box.control.keys(account=None)
    keys = {
        str(k["account"]): str(k["key"])
        for k in every_key
        if k["name"] == "restricted_live" and not k["revoked"]
    }
    keys[BIG] = keys.pop(box.account)
    return keys


def database_url(server: str, name: str) -> str:
    return f"{server.rstrip('/')}/{name}"


def recreate_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url: str) -> None:
    import redis

    from tests.support.redis_db import empty_but_the_marker

    empty_but_the_marker(redis.Redis.from_url(url))


# --- one run -----------------------------------------------------------------------------------


@dataclass
class SyncRun:
    connection: int
    end: float
    seconds: float
    more_to_do: bool
    error: str
    requests: int
    worker: int
    queries: int | None = None  # the task's database statements (its "sync.task" line)

    @property
    def start(self) -> float:
        return self.end - self.seconds


@dataclass
class RunResult:
    workers: int
    started: float
    stopped: float
    accounts: dict[int, str]  # connection id -> sandbox account (or BIG)
    organisations: dict[int, str]  # connection id -> the organisation that connected it
    runs: list[SyncRun]
    jobs: dict[int, int]  # connection id -> tasks started for it
    lease_lost: int
    log_lines: int
    non_json_lines: int
    big_done_at: float | None
    sandbox: dict[str, Any]
    load: list[float] = field(default_factory=list)

    def runs_of(self, connection: int) -> list[SyncRun]:
        return sorted((r for r in self.runs if r.connection == connection), key=lambda r: r.end)


# RQ's line as a worker takes a task: "<worker>: refresh: chartivo…sync_connection(42) (<id>)".
_JOB_STARTED = re.compile(
    r": (?:refresh|backfill): [\w.]+\.(?:sync_connection|continue_sync)\((\d+)\)"
)


def _log_time(text: str) -> float:
    # python-json-logger writes asctime: local time, to the millisecond.
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").astimezone().timestamp()


def read_logs(paths: list[Path]) -> tuple[list[SyncRun], dict[int, int], int, int, int]:
    runs: list[SyncRun] = []
    jobs: dict[int, int] = defaultdict(int)
    lease_lost = lines = non_json = 0
    for worker, path in enumerate(paths):
        for line in path.read_text().splitlines():
            lines += 1
            try:
                record = json.loads(line)
            except ValueError:
                non_json += 1
                continue
            message = str(record.get("message", ""))
            if message == "sync.run":
                runs.append(
                    SyncRun(
                        connection=int(record["connection"]),
                        end=_log_time(record["time"]),
                        seconds=float(record["seconds"]),
                        more_to_do=bool(record["more_to_do"]),
                        error=str(record["error"]),
                        requests=int(record["requests"]),
                        worker=worker,
                    )
                )
            elif message == "sync.task":
                # The task's line follows its run's: the latest run of that connection.
                connection = int(record["connection"])
                for run in reversed(runs):
                    if run.connection == connection:
                        if run.queries is None:
                            run.queries = int(record["queries"])
                        break
            elif message == "sync.lease_lost":
                lease_lost += 1
            elif record.get("logger") == "rq.worker" and (started := _JOB_STARTED.search(message)):
                jobs[int(started.group(1))] += 1
    return runs, jobs, lease_lost, lines, non_json


def connect_all(keys_file: Path) -> None:
    """(In a child process with the run's environment.) Saves every key as users would, in
    organisations of ``per_organisation`` accounts (a member saves the first key and adds
    the others); writes back each connection's account and organisation."""
    import django

    django.setup()
    from chartivo.accounts.models import User
    from chartivo.integrations.stripe.connect import connect

    given = json.loads(keys_file.read_text())
    keys: dict[str, str] = given["keys"]
    per_organisation = int(given["per_organisation"])
    # The big account first: its first sync is under way before the small ones are saved,
    # and its organisation holds small accounts too.
    ordered = sorted(keys, key=lambda a: a != BIG)
    saved: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ordered), per_organisation):
        members = ordered[start : start + per_organisation]
        organisation = f"org-{start // per_organisation + 1}"
        user = User.objects.create_user(f"{organisation}@{EMAIL_DOMAIN}", "bench password 123")
        for n, account in enumerate(members):
            connection = connect(user, keys[account], add=n > 0)
            saved[connection.pk] = (account, organisation)
    keys_file.write_text(json.dumps({str(pk): pair for pk, pair in saved.items()}))


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as db:
        return list(db.execute(sql, params).fetchall())


def _progress(url: str, big: int) -> tuple[int, int, float | None]:
    """(connections synced once, all connections, when the big account's first sync ended)."""
    done, total = query(
        url,
        "SELECT count(backfill_done_at), count(*) FROM stripe_integration_stripeconnection",
    )[0]
    ended = query(
        url,
        "SELECT extract(epoch FROM backfill_done_at) FROM stripe_integration_stripeconnection"
        " WHERE id = %s",
        (big,),
    )
    return (
        int(done),
        int(total),
        (float(ended[0][0]) if ended and ended[0][0] is not None else None),
    )


def _big_left(url: str, big: int) -> int:
    rows = query(
        url,
        'SELECT coalesce(sum("end" - start), 0) FROM stripe_integration_syncrange'
        " WHERE connection_id = %s AND purpose = 'backfill'",
        (big,),
    )
    return int(rows[0][0])


def _watch(
    url: str,
    big: int,
    processes: list[subprocess.Popen[bytes]],
    loads: list[float],
    *,
    workers: int,
    started: float,
    args: argparse.Namespace,
) -> float | None:
    """Reports progress until the run has shown what it is for; returns when the big
    account's first sync ended (None if it did not)."""
    big_done: float | None = None
    next_report = time.monotonic()
    while True:
        time.sleep(2)
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a worker exited; see its log")
        done, total, big_done = _progress(url, big)
        loads.append(load_average())
        elapsed = time.time() - started
        if time.monotonic() >= next_report:
            next_report += 15
            print(
                f"[{workers} worker(s)] {elapsed:5.0f}s: {done}/{total} first syncs done, "
                f"big account: {_big_left(url, big) / 86400:.1f} resource-days left, "
                f"load {loads[-1]:.2f}",
                flush=True,
            )
        if workers > 1 and big_done is not None:
            # One more interval (and a tick) after the big sync: the last refreshes
            # it could have held up are then due and must have run.
            if time.time() >= big_done + args.refresh + 10:
                return big_done
        elif workers == 1 and done == total:
            return big_done
        if elapsed > args.timeout:
            print(f"[{workers} worker(s)] timed out after {elapsed:.0f}s", flush=True)
            return big_done


def _connected_accounts(
    box: SandboxProcess,
    keys: dict[str, str],
    *,
    workers: int,
    database: str,
    args: argparse.Namespace,
    logs: Path,
) -> tuple[str, dict[str, str], dict[int, str], dict[int, str]]:
    """A fresh database with every key saved: its URL, the workers' environment, and each
    connection's account name and organisation."""
    url = database_url(args.postgres, database)
    recreate_database(args.postgres, database)
    flush_redis(args.redis)
    env = scratch_environment(
        box.api_base,
        DATABASE_URL=url,
        CHARTIVO_TASK_BACKEND="rq",
        REDIS_URL=args.redis,
        CHARTIVO_REFRESH_SECONDS=str(args.refresh),
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
    keys_file = logs / "keys.json"
    keys_file.write_text(json.dumps({"keys": keys, "per_organisation": args.per_organisation}))
    print(f"[{workers} worker(s)] saving {len(keys)} keys…", flush=True)
    subprocess.run(
        [PYTHON, str(FAIRNESS_SCRIPT), "--connect", str(keys_file)], env=env, cwd=ROOT, check=True
    )
    saved = json.loads(keys_file.read_text())
    keys_file.unlink()
    accounts = {int(pk): account for pk, (account, _) in saved.items()}
    organisations = {int(pk): organisation for pk, (_, organisation) in saved.items()}
    return url, env, accounts, organisations


def one_run(
    box: SandboxProcess,
    keys: dict[str, str],
    *,
    workers: int,
    database: str,
    args: argparse.Namespace,
    logs: Path,
) -> RunResult:
    url, env, accounts, organisations = _connected_accounts(
        box, keys, workers=workers, database=database, args=args, logs=logs
    )
    big = next(pk for pk, account in accounts.items() if account == BIG)

    box.control.reset_stats()
    paths = [logs / f"worker-{workers}-{n}.log" for n in range(workers)]
    started = time.time()
    processes = start_workers(env, paths)
    loads: list[float] = []
    try:
        big_done = _watch(url, big, processes, loads, workers=workers, started=started, args=args)
    finally:
        stopped = time.time()
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    runs, jobs, lease_lost, lines, non_json = read_logs(paths)
    return RunResult(
        workers=workers,
        started=started,
        stopped=stopped,
        accounts=accounts,
        organisations=organisations,
        runs=runs,  # with those the stop let finish: each task taken ran to its end
        jobs=dict(jobs),
        lease_lost=lease_lost,
        log_lines=lines,
        non_json_lines=non_json,
        big_done_at=big_done,
        sandbox=box.control.stats(),
        load=loads,
    )


def start_workers(env: dict[str, str], paths: list[Path]) -> list[subprocess.Popen[bytes]]:
    """One ``chartivo worker`` per log path, its output (JSON logs) written there."""
    processes = []
    for path in paths:
        with path.open("wb") as output:
            processes.append(
                subprocess.Popen(
                    [PYTHON, "-m", "chartivo.cli", "worker"],
                    env=env,
                    cwd=ROOT,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
    return processes


# --- aggregates, compared between runs ---------------------------------------------------------


_DIGEST = """
SELECT a.connection_id, count(*), sum(a.count), sum(a.amount), sum(a.captured),
       sum(a.fee), sum(a.net),
       md5(string_agg(concat_ws('|', a.resource, a.bucket, a.currency, a.dim1, a.dim2, a.count,
                                a.amount, a.captured, a.fee, a.net),
                      ',' ORDER BY a.resource, a.bucket, a.currency, a.dim1, a.dim2))
FROM metrics_aggregate a
WHERE a.bucket >= %s
GROUP BY 1
"""


def window_start(url: str) -> int:
    return int(query(url, "SELECT max(window_start) FROM stripe_integration_resourcestate")[0][0])


def digests(url: str, since: int, accounts: dict[int, str]) -> dict[str, tuple[Any, ...]]:
    """Each account's aggregates since ``since``, summed and hashed row by row."""
    return {accounts[int(row[0])]: tuple(row[1:]) for row in query(url, _DIGEST, (since,))}
