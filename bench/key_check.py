"""How long Save takes to answer while Stripe hangs: through real HTTP, ``chartivo serve``
(gunicorn with its production config) on a scratch database, the sandbox holding every
request for two minutes. The key check runs under a 9 s deadline; the target is an
answer within 12 s, saying that nothing was saved.

    python bench/key_check.py [--saves 3]
"""

from __future__ import annotations

import argparse
import html
import socket
import subprocess
import sys
import time
import urllib.request

from _setup import ROOT, apply_environment, scratch_environment

sys.path.insert(0, str(ROOT))
from stripe_sandbox.testing import SandboxProcess
from tests.support.web import Visitor

BOUND_SECONDS = 12.0
PASSWORD = "a long password for the bench"  # noqa: S105 - a scratch user


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the web server exited")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=3)
    args = parser.parse_args()

    with SandboxProcess(seed="bench-key-check", charges=20, days=30) as box:
        env = scratch_environment(
            box.api_base, CHARTIVO_ALLOWED_HOSTS="127.0.0.1", CHARTIVO_WEB_WORKERS="1"
        )
        apply_environment(env)
        from django.core.management import call_command

        from chartivo.accounts.models import User
        from chartivo.integrations.stripe.models import StripeConnection
        from chartivo.integrations.stripe.probe import TIMED_OUT

        call_command("collectstatic", "--no-input", verbosity=0)
        user = User.objects.create_user("bench@example.com", PASSWORD)
        log = open(env["CHARTIVO_STATE_DIR"] + "/server.log", "wb")  # noqa: SIM115, PTH123
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "chartivo.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(base, server)
            box.control.set_faults(latency="120000")
            timings = []
            with Visitor(base) as visitor:
                login = visitor.get("/account/login/")
                assert login.status_code == 200, (login.status_code, login.text[:500])
                visitor.submit("/account/login/", {"username": user.email, "password": PASSWORD})
                for _ in range(args.saves):
                    started = time.monotonic()
                    response = visitor.submit(
                        "/integrations/",
                        {"api_key": box.keys["restricted"]},
                        to="/integrations/stripe/",
                    )
                    timings.append(time.monotonic() - started)
                    assert TIMED_OUT in html.unescape(response.text), response.status_code
            box.control.clear_faults()
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        saved = StripeConnection.objects.count()

    worst = max(timings)
    print("seconds per Save while Stripe hangs:", ", ".join(f"{t:.2f}" for t in timings))
    print(
        f"RESULT saves={len(timings)} worst_s={worst:.2f} bound_s={BOUND_SECONDS:g} "
        f"within_bound={'yes' if worst <= BOUND_SECONDS else 'no'} keys_saved={saved}"
    )


if __name__ == "__main__":
    main()
