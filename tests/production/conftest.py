"""Production as it runs: the RQ queue in Redis, real ``chartivo worker`` and ``chartivo serve``
processes on the test database, and what they write to their logs."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.worker import ROOT, worker_environment


def use_rq(settings: Any, url: str) -> None:
    """This process queues tasks as production does with CHARTIVO_TASK_BACKEND=rq."""
    settings.TASK_BACKEND = "rq"
    settings.REDIS_URL = url
    settings.TASKS = {
        "default": {
            "BACKEND": "chartivo.ops.rq_backend.QueueOrderedRQBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.RQ_QUEUES = {
        name: {"URL": url, "DEFAULT_TIMEOUT": 3600} for name in settings.TASK_QUEUES
    }
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}


def rq_worker_environment(url: str, **extra: str) -> dict[str, str]:
    """What a production worker reads: the RQ backend, Redis, JSON logs."""
    return {
        "CHARTIVO_TASK_BACKEND": "rq",
        "REDIS_URL": url,
        "CHARTIVO_LOG_FORMAT": "json",
        "CHARTIVO_LOG_LEVEL": "INFO",
        **extra,
    }


# --- logs -------------------------------------------------------------------------------------


def json_log(path: Path) -> list[dict[str, Any]]:
    """Every line a process wrote; each must be one JSON object with level, logger, message."""
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"{path.name} line {number} is not JSON: {line[:300]!r}") from None
        assert isinstance(record, dict), f"{path.name} line {number} is not an object: {line!r}"
        missing = {"time", "level", "logger", "message"} - set(record)
        assert not missing, f"{path.name} line {number} lacks {sorted(missing)}: {line!r}"
        records.append(record)
    return records


@dataclass(frozen=True)
class SyncRun:
    """One ``sync.run`` line: a run that held the connection's lease from start to end."""

    connection: int
    start: float
    end: float
    requests: int
    log: str
    more_to_do: bool = False  # the run left work for a continuation, queued at once


def _log_time(text: str) -> float:
    # Log lines carry local time, like the server that wrote them.
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").astimezone().timestamp()


def sync_runs(paths: list[Path]) -> list[SyncRun]:
    runs = []
    for path in paths:
        for record in json_log(path):
            if record["message"] == "sync.run":
                end = _log_time(record["time"])
                runs.append(
                    SyncRun(
                        int(record["connection"]),
                        end - float(record["seconds"]),
                        end,
                        int(record["requests"]),
                        path.name,
                        bool(record["more_to_do"]),
                    )
                )
    return sorted(runs, key=lambda run: run.start)


# RQ's line as a worker takes a task: "<worker>: refresh: chartivo…sync_connection(42) (<id>)".
_TASK_TAKEN = re.compile(
    r": (?:refresh|backfill): [\w.]+\.(?:sync_connection|continue_sync)\((\d+)\)"
)


def tasks_taken(paths: list[Path]) -> list[int]:
    """The connection of every task the workers took from the queue."""
    return [
        int(match.group(1))
        for path in paths
        for record in json_log(path)
        if record["logger"] == "rq.worker" and (match := _TASK_TAKEN.search(record["message"]))
    ]


# --- processes --------------------------------------------------------------------------------


def wait_for(
    condition: Callable[[], bool], what: str, process: Any, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the process exited ({process.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-5000:]}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops a worker as systemd does (SIGTERM: RQ lets the task in hand finish first)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the worker did not stop within 30 s of SIGTERM") from None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@contextmanager
def web_server(log: Path, **extra: str) -> Iterator[str]:
    """``chartivo serve`` (gunicorn, production logging) on a free port; its base URL."""
    port = _free_port()
    defaults = {
        "CHARTIVO_LOG_FORMAT": "json",
        "CHARTIVO_WEB_WORKERS": "1",
        "CHARTIVO_WEB_THREADS": "2",
    }
    env = worker_environment(**{**defaults, **extra})
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "chartivo.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310
                return True
        except OSError:
            return False

    try:
        wait_for(answering, "the web server to answer", process, log, timeout=60)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # as systemd stops it: gunicorn logs its exit
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
