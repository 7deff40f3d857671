"""``chartivo demo``: the Stripe sandbox, the web app and a worker, seeded, on one machine.

Everything lives under ``var/demo`` and is started as child processes; Ctrl-C stops them
all. The sandbox is a separate program (``chartivo-sandbox``), reached over HTTP only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from chartivo.lib.env import env_int, env_str

SANDBOX_PORT = env_int("CHARTIVO_DEMO_SANDBOX_PORT", 12111, minimum=1, maximum=65535)
WEB_PORT = env_int("CHARTIVO_DEMO_PORT", 8000, minimum=1, maximum=65535)
DEMO_EMAIL = "demo@chartivo.local"
DEMO_PASSWORD = "chartivo-demo-2026"  # noqa: S105 - a demo login, printed on purpose
KEY_NAMES = (
    ("restricted", "Sandbox restricted key (reads all six resources)"),
    ("restricted_no_disputes", "Sandbox restricted key without Disputes"),
    ("restricted_live", "Live-mode restricted key"),
)


def _environment(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CHARTIVO_DEBUG", "1")
    env.setdefault("CHARTIVO_HTTPS", "0")
    env.setdefault("CHARTIVO_STATE_DIR", str(state))
    env.setdefault("DATABASE_URL", f"sqlite:///{state / 'chartivo.sqlite3'}")
    env["CHARTIVO_STRIPE_API_BASE"] = f"http://127.0.0.1:{SANDBOX_PORT}"
    env.setdefault("CHARTIVO_REFRESH_SECONDS", "60")
    env.setdefault("DJANGO_SETTINGS_MODULE", "chartivo.settings")
    return env


def _wait_ready(process: subprocess.Popen[str], marker: str, what: str) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(f"  [{what}] {line}")
        if marker in line:
            return
    raise SystemExit(f"{what} stopped before it was ready (exit code {process.wait()})")


def _wait_http(url: str, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not answer at {url} within {timeout:.0f}s")


def _get_json(path: str) -> Any:
    url = f"http://127.0.0.1:{SANDBOX_PORT}/_sandbox/{path}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def _sandbox_keys() -> dict[str, str]:
    account = _get_json("health")["default_account"]
    return {str(e["name"]): str(e["key"]) for e in _get_json(f"keys?account={account}")["data"]}


def run_demo(args: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    state = Path(env_str("CHARTIVO_DEMO_DIR", str(root / "var" / "demo")))
    state.mkdir(parents=True, exist_ok=True)
    env = _environment(state)
    python = sys.executable
    children: list[subprocess.Popen[str]] = []

    def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        process = subprocess.Popen(argv, env=env, text=True, cwd=root, **kwargs)  # noqa: S603
        children.append(process)
        return process

    def stop_all(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        print("Starting the Stripe sandbox (a month of deterministic data)…")
        sandbox = start(
            [
                python,
                "-m",
                "stripe_sandbox",
                "--port",
                str(SANDBOX_PORT),
                "--seed",
                "42",
                "--charges",
                "3000",
                "--days",
                "30",
                "--data-dir",
                str(state / "sandbox"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        _wait_ready(sandbox, "chartivo-sandbox ready at", "sandbox")
        manage = [python, "-m", "chartivo.cli"]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=root)  # noqa: S603
        subprocess.run(  # noqa: S603
            [*manage, "ensure_demo_user", DEMO_EMAIL, DEMO_PASSWORD], env=env, check=True, cwd=root
        )
        print("Starting the web app and a background worker…")
        start(
            [
                *manage,
                "serve",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ]
        )
        start([*manage, "worker"])
        _wait_http(f"http://127.0.0.1:{WEB_PORT}/healthz", "The web app")
        keys = _sandbox_keys()
        url = f"http://127.0.0.1:{WEB_PORT}/"
        lines = [
            "",
            "Chartivo demo is running. Press Ctrl-C to stop everything.",
            f"  Open:      {url}",
            f"  Log in:    {DEMO_EMAIL} / {DEMO_PASSWORD}   (or sign up)",
            "  Then: profile menu → Integrations → Stripe Configuration, paste a key, Save.",
            "",
        ]
        lines += [f"  {label}:\n    {keys.get(name, '(missing)')}" for name, label in KEY_NAMES]
        print("\n".join(lines), flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A demo process stopped; stopping the others.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    finally:
        stop_all()
