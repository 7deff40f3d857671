"""``chartivo demo`` as a person runs it: the terminal keeps the address, the log-in and the
keys, and the processes' output (the web app's access log included) goes to files under
the demo's folder.

The demo runs for real (sandbox, gunicorn, worker) in a fresh folder, on free ports, with
its own SQLite database. Keys are on its screen on purpose; the test compares them only to
answer yes or no and asserts on the screen with every key masked, so none reaches the
test's output."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from stripe_sandbox.testing import SandboxControl
from tests.production.conftest import _free_port
from tests.support.web import Visitor
from tests.support.worker import ROOT

pytestmark = pytest.mark.slow
KEY = re.compile(r"\b[rs]k_(?:test|live)_\w+")
LAST_LABEL = "Live-mode restricted key:"


class Demo:
    def __init__(self, folder: Path, *, web_port: int | None = None) -> None:
        self.folder = folder
        self.web_port, self.sandbox_port = web_port or _free_port(), _free_port()
        self.mail_port, self.webhook_port = _free_port(), _free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "PYTHONPATH": str(ROOT),
            "CHARTIVO_DEMO_DIR": str(folder / "demo"),
            "CHARTIVO_DEMO_PORT": str(self.web_port),
            "CHARTIVO_DEMO_SANDBOX_PORT": str(self.sandbox_port),
            "CHARTIVO_DEMO_MAIL_PORT": str(self.mail_port),
            "CHARTIVO_DEMO_WEBHOOK_PORT": str(self.webhook_port),
        }
        if "TMPDIR" in os.environ:
            env["TMPDIR"] = os.environ["TMPDIR"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chartivo.cli", "demo"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # the test stops the whole demo it started, and only it
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def screen(self) -> str:
        """What the terminal shows, every key masked."""
        return KEY.sub("<key>", "\n".join(self.lines))

    @property
    def raw_screen(self) -> str:
        return "\n".join(self.lines)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None and not self._reader.is_alive() and not condition():
                raise AssertionError(f"the demo exited before {what}:\n{self.screen[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.screen[-3000:]}")
            time.sleep(0.1)

    def log(self, name: str) -> Path:
        return self.folder / "demo" / "logs" / f"{name}.log"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    running = Demo(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def test_the_demo_keeps_the_address_login_and_keys_on_screen_and_logs_to_files(
    demo: Demo,
) -> None:
    demo.wait(lambda: LAST_LABEL in demo.screen and demo.screen.endswith("<key>"), "the keys")
    shown = demo.screen
    base = f"http://127.0.0.1:{demo.web_port}"
    assert f"Open:      {base}/" in shown
    assert "Log in:    demo@chartivo.local / chartivo-demo-2026" in shown
    assert f"Logs:      {demo.folder / 'demo' / 'logs'}/" in shown
    mail = demo.folder / "demo" / "mail"
    assert f"Mail:      {mail}/" in shown
    webhooks = demo.folder / "demo" / "webhooks"
    assert f"Webhooks:  {webhooks}/" in shown
    assert f"http://127.0.0.1:{demo.webhook_port}/<any name>" in shown
    with SandboxControl(f"http://127.0.0.1:{demo.sandbox_port}") as control:
        keys = control.keys_by_name()
    on_screen = [keys[name] in demo.raw_screen for name in ("restricted", "restricted_no_disputes")]
    on_screen.append(keys["restricted_live"] in demo.raw_screen)
    assert on_screen == [True, True, True]

    # A person uses the app: log in, open Integrations, read the status.
    with Visitor(base) as person:
        answer = person.submit(
            "/account/login/",
            {"username": "demo@chartivo.local", "password": "chartivo-demo-2026"},
        )
        assert answer.status_code == 302
        assert person.get("/integrations/").status_code == 200
        assert person.get("/integrations/stripe/status.json").status_code == 200
        # What the demo sends is caught, and kept where the screen says.
        reset = {"email": "demo@chartivo.local"}
        assert person.submit("/account/password/reset/", reset).status_code == 302
    demo.wait(lambda: any(mail.glob("*.eml")), "the reset e-mail in the mail folder")
    caught = next(mail.glob("*.eml")).read_text()
    assert "To: demo@chartivo.local" in caught and "/account/reset/?" in caught
    # A webhook sent to the address on the screen is kept, headers and body, where it says.
    hook = f"http://127.0.0.1:{demo.webhook_port}/my-rule"
    sent = {"text": "Alert fired: Refund rate"}
    assert httpx.post(hook, json=sent, headers={"User-Agent": "Chartivo-Webhooks/1"}).is_success
    caught_hook = json.loads(next(webhooks.glob("*.json")).read_text())
    assert caught_hook["path"] == "/my-rule" and caught_hook["body"] == sent
    assert caught_hook["headers"]["User-Agent"] == "Chartivo-Webhooks/1"
    web_log = demo.log("web")
    demo.wait(lambda: '"GET /integrations/stripe/status.json" 200' in web_log.read_text(), "log")

    # The screen has not moved: the keys are still its last lines.
    assert demo.screen == shown
    assert '"POST /account/login/" 302' in web_log.read_text()
    assert "ready at" in demo.log("sandbox").read_text()
    assert "Starting worker" in demo.log("worker").read_text()
    for name in ("sandbox", "web", "worker"):
        assert stat.S_IMODE(demo.log(name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(demo.log("web").parent.stat().st_mode) == 0o700

    # Ctrl-C stops everything.
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(timeout=60) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz")


def test_a_demo_whose_port_is_taken_says_so_and_starts_nothing(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        demo = Demo(tmp_path, web_port=port)
        try:
            assert demo.process.wait(timeout=60) == 1
        finally:
            demo.stop()
    demo.wait(lambda: "is in use" in demo.screen, "the message")
    assert f"Port {port} is in use" in demo.screen
    assert not demo.log("sandbox").exists(), "the sandbox was started"
