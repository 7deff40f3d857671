"""``chartivo demo``: the Stripe sandbox, the web app and a worker, seeded, on one machine.

Everything lives under ``var/demo`` (``CHARTIVO_DEMO_DIR``) and is started as child
processes, with a mail catcher and a webhook catcher so that what the demo sends can be
read; Ctrl-C stops them all. The sandbox is a separate program (``chartivo-sandbox``),
reached over HTTP only.

The terminal keeps what a person needs — the address, the log-in and the keys to paste —
and nothing scrolls them away: each process writes its output (the web app's access log
included) to its own file under ``logs/`` in the demo's folder. When a process stops, the
end of its log is shown.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from chartivo.lib.env import env_int, env_str
from chartivo.lib.state import PRIVATE_FILE, private_file_tightened, private_folder
from chartivo.ops.mail_catcher import READY as MAIL_READY
from chartivo.ops.webhook_catcher import READY as WEBHOOK_READY

SANDBOX_PORT = env_int("CHARTIVO_DEMO_SANDBOX_PORT", 12111, minimum=1, maximum=65535)
WEB_PORT = env_int("CHARTIVO_DEMO_PORT", 8000, minimum=1, maximum=65535)
MAIL_PORT = env_int("CHARTIVO_DEMO_MAIL_PORT", 12125, minimum=1, maximum=65535)
WEBHOOK_PORT = env_int("CHARTIVO_DEMO_WEBHOOK_PORT", 12126, minimum=1, maximum=65535)
DEMO_EMAIL = "demo@chartivo.local"
DEMO_PASSWORD = "chartivo-demo-2026"  # noqa: S105 - a demo login, printed on purpose
KEY_NAMES = (
    ("restricted", "Sandbox restricted key (reads every resource)"),
    ("restricted_no_disputes", "Sandbox restricted key without Disputes"),
    ("restricted_live", "Live-mode restricted key"),
)
SANDBOX_READY = "chartivo-sandbox ready at"
TAIL_LINES = 20


def _environment(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CHARTIVO_DEBUG", "1")
    env.setdefault("CHARTIVO_HTTPS", "0")
    env.setdefault("CHARTIVO_STATE_DIR", str(state))
    env.setdefault("DATABASE_URL", f"sqlite:///{state / 'chartivo.sqlite3'}")
    env["CHARTIVO_STRIPE_API_BASE"] = f"http://127.0.0.1:{SANDBOX_PORT}"
    env.setdefault("CHARTIVO_REFRESH_SECONDS", "60")
    # Every message the demo sends goes to its own mail catcher, written to mail/.
    env.setdefault("CHARTIVO_EMAIL_URL", f"smtp://127.0.0.1:{MAIL_PORT}")
    env.setdefault("CHARTIVO_EMAIL_FROM", "Chartivo demo <noreply@chartivo.local>")
    env.setdefault("CHARTIVO_SITE_URL", f"http://127.0.0.1:{WEB_PORT}")
    env.setdefault("DJANGO_SETTINGS_MODULE", "chartivo.settings")
    return env


def _tail(log: Path, lines: int = TAIL_LINES) -> str:
    try:
        text = log.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(f"  [{log.stem}] {line}" for line in text.splitlines()[-lines:])


def _stopped(what: str, process: subprocess.Popen[bytes], log: Path) -> SystemExit:
    return SystemExit(
        f"{what} stopped before it was ready (exit code {process.wait()}); "
        f"the end of {log}:\n{_tail(log)}"
    )


def _wait_for_text(
    log: Path, offset: int, marker: str, what: str, process: subprocess.Popen[bytes]
) -> None:
    """Waits until ``marker`` appears in what ``process`` wrote to ``log`` after ``offset``."""
    while True:
        with log.open("rb") as file:
            file.seek(offset)
            if marker.encode() in file.read():
                return
        if process.poll() is not None:
            raise _stopped(what, process, log)
        time.sleep(0.2)


def _wait_http(
    url: str, what: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            if process.poll() is not None:
                raise _stopped(what, process, log) from None
            time.sleep(0.2)
    raise SystemExit(f"{what} did not answer at {url} within {timeout:.0f}s:\n{_tail(log)}")


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _get_json(path: str) -> Any:
    url = f"http://127.0.0.1:{SANDBOX_PORT}/_sandbox/{path}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def _sandbox_keys() -> dict[str, str]:
    account = _get_json("health")["default_account"]
    return {str(e["name"]): str(e["key"]) for e in _get_json(f"keys?account={account}")["data"]}


def _screen(logs: Path) -> str:
    keys = _sandbox_keys()
    lines = [
        "",
        "Chartivo demo is running. Press Ctrl-C to stop everything.",
        f"  Open:      http://127.0.0.1:{WEB_PORT}/",
        f"  Log in:    {DEMO_EMAIL} / {DEMO_PASSWORD}   (or sign up)",
        "  Then: profile menu → Integrations → Stripe Configuration, paste a key, Save.",
        f"  Logs:      {logs}/ (sandbox.log, web.log, worker.log)",
        f"  Mail:      {logs.parent / 'mail'}/ (every message sent, one .eml file each:",
        "             sign-up confirmations, resets, invitations, digests, alerts)",
        f"  Webhooks:  {logs.parent / 'webhooks'}/ (every request an alert rule's webhook",
        f"             sends to http://127.0.0.1:{WEBHOOK_PORT}/<any name>, one .json file each)",
        "",
    ]
    lines += [f"  {label}:\n    {keys.get(name, '(missing)')}" for name, label in KEY_NAMES]
    return "\n".join(lines)


class _Children:
    """The demo's processes, each writing to its own private log file."""

    def __init__(self, root: Path, env: dict[str, str], logs: Path) -> None:
        self.root, self.env, self.logs = root, env, logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start(self, name: str, argv: list[str]) -> tuple[subprocess.Popen[bytes], int]:
        """Starts ``name``; returns it and where its output begins in its log."""
        path = self.log(name)
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, PRIVATE_FILE)
        private_file_tightened(path)  # a log an older demo left open to others
        with os.fdopen(descriptor, "ab") as output:
            offset = output.seek(0, os.SEEK_END)
            process = subprocess.Popen(  # noqa: S603
                argv, env=self.env, cwd=self.root, stdout=output, stderr=subprocess.STDOUT
            )
        self.running[name] = process
        return process, offset

    def first_stopped(self) -> str | None:
        return next((n for n, p in self.running.items() if p.poll() is not None), None)

    def stop_all(self) -> None:
        for child in self.running.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.running.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def _start_everything(children: _Children, state: Path) -> None:
    python = sys.executable
    print("Starting the Stripe sandbox (a month of deterministic data)…", flush=True)
    sandbox_argv = [python, "-m", "stripe_sandbox", "--port", str(SANDBOX_PORT), "--seed", "42"]
    sandbox_argv += ["--charges", "3000", "--days", "30", "--data-dir", str(state / "sandbox")]
    # Settling in USD and selling in several currencies, as most real accounts do: the
    # demo shows both currency views, payouts and their reconciliation.
    sandbox_argv += ["--settlement-currencies", "usd"]
    sandbox, offset = children.start("sandbox", sandbox_argv)
    _wait_for_text(children.log("sandbox"), offset, SANDBOX_READY, "The sandbox", sandbox)
    catcher = [python, "-m", "chartivo.ops.mail_catcher", "--port", str(MAIL_PORT)]
    mail, offset = children.start("mail", [*catcher, "--folder", str(state / "mail")])
    _wait_for_text(children.log("mail"), offset, MAIL_READY, "The mail catcher", mail)
    hooks = [python, "-m", "chartivo.ops.webhook_catcher", "--port", str(WEBHOOK_PORT)]
    webhooks, offset = children.start("webhooks", [*hooks, "--folder", str(state / "webhooks")])
    _wait_for_text(children.log("webhooks"), offset, WEBHOOK_READY, "The webhook catcher", webhooks)
    manage = [python, "-m", "chartivo.cli"]
    for step in (
        ["migrate", "--no-input", "-v", "0"],
        ["ensure_demo_user", DEMO_EMAIL, DEMO_PASSWORD],
    ):
        subprocess.run([*manage, *step], env=children.env, check=True, cwd=children.root)  # noqa: S603
    print("Starting the web app and a background worker…", flush=True)
    bind = f"127.0.0.1:{WEB_PORT}"
    serve = ["serve", "--bind", bind, "--workers", "2", "--threads", "4", "--access-logfile", "-"]
    web, _ = children.start("web", [*manage, *serve])
    children.start("worker", [*manage, "worker"])
    _wait_http(f"http://{bind}/healthz", "The web app", web, children.log("web"))


def run_demo(args: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    state = private_folder(Path(env_str("CHARTIVO_DEMO_DIR", str(root / "var" / "demo"))))
    ports = (SANDBOX_PORT, WEB_PORT, MAIL_PORT, WEBHOOK_PORT)
    taken = [port for port in ports if _port_taken(port)]
    if taken:
        print(
            f"Port {', '.join(map(str, taken))} is in use (another demo still running?). "
            "Stop it, or choose others with CHARTIVO_DEMO_PORT, CHARTIVO_DEMO_SANDBOX_PORT, "
            "CHARTIVO_DEMO_MAIL_PORT and CHARTIVO_DEMO_WEBHOOK_PORT.",
            file=sys.stderr,
        )
        return 1
    logs = private_folder(state / "logs")
    children = _Children(root, _environment(state), logs)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        _start_everything(children, state)
        print(_screen(logs), flush=True)
        while (stopped := children.first_stopped()) is None:
            time.sleep(0.5)
        print(
            f"\nThe {stopped} process stopped; stopping the others. The end of its log:\n"
            f"{_tail(children.log(stopped))}",
            flush=True,
        )
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    finally:
        children.stop_all()
