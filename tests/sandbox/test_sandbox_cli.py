"""The command line: documented options, the ready line, clean stops, the data dir, and no
key ever printed or logged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from stripe_sandbox.testing import READY_PREFIX, SandboxProcess

REPO = Path(__file__).resolve().parents[2]
OPTIONS = [
    "--host",
    "--port",
    "--seed",
    "--charges",
    "--days",
    "--end",
    "--modes",
    "--settlement-currencies",
    "--data-dir",
    "--keys-file",
    "--accounts",
    "--accounts-charges",
    "--live-rate",
    "--test-rate",
    "--endpoint-rate",
    "--latency",
    "--error-rate",
    "--drop-rate",
]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_help_documents_every_option():
    result = subprocess.run(
        [sys.executable, "-m", "stripe_sandbox", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    for option in OPTIONS:
        assert option in result.stdout, option
    assert "127.0.0.1" in result.stdout and "12111" in result.stdout
    assert "temporary directory" in result.stdout  # where data is kept


def test_bad_options_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "stripe_sandbox", "--modes", "staging"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert result.returncode == 2 and "modes" in result.stderr


def test_bad_settlement_currencies_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "stripe_sandbox", "--settlement-currencies", "usd,zzz"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert result.returncode == 2 and "settlement-currencies" in result.stderr


def test_without_the_sandbox_extra_it_says_what_to_install(tmp_path: Path):
    # A Python environment without aiohttp and orjson, as a production install is.
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "stripe_sandbox", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert result.returncode == 2
    assert "chartivo[sandbox]" in result.stderr and "aiohttp" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_once_then_a_clean_stop(tmp_path: Path, signum: int):
    log = (tmp_path / "stderr.log").open("w")
    process = SandboxProcess(charges=30, days=3, stderr=log).start()
    try:
        data_dir = Path(process.control.health()["data_dir"])
        assert data_dir.exists()
        keys = list(process.keys.values())
        headers = {"Authorization": f"Bearer {keys[0]}"}
        assert httpx.get(f"{process.api_base}/v1/charges", headers=headers).status_code == 200
        fake = "sk_test_" + "thisIsNotAKey" + "ButLooksLikeOne1234"
        bad = {"Authorization": f"Bearer {fake}"}
        assert httpx.get(f"{process.api_base}/v1/charges", headers=bad).status_code == 401
        assert process.process is not None
        proc = process.process
        proc.send_signal(signum)
        assert proc.wait(15) == 0
        rest = proc.stdout.read() if proc.stdout else ""
    finally:
        process.stop()
        log.close()
    assert rest == ""  # nothing after the ready line
    assert not data_dir.exists()  # the temporary data dir is gone
    logged = (tmp_path / "stderr.log").read_text()
    assert "listening on" in logged
    for key in [*keys, "thisIsNotAKeyButLooksLikeOne1234"]:
        assert key not in logged
    assert "Bearer" not in logged


def test_ready_line_is_exactly_one_stdout_line():
    proc = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", "0", "--charges", "5", "--days", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(READY_PREFIX) and line.endswith("\n")
        url = line[len(READY_PREFIX) :].strip()
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/_sandbox/health").json()["status"] == "ok"
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out == "" and proc.returncode == 0


def test_data_dir_is_reused_when_options_match(tmp_path: Path):
    options: dict[str, Any] = {
        "charges": 40,
        "days": 5,
        "end": "2026-01-15",
        "data_dir": tmp_path / "data",
    }
    with SandboxProcess(**options) as first:
        key = first.keys["secret"]
        created = httpx.post(
            f"{first.api_base}/v1/customers",
            data={"name": "Kept"},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
    assert (tmp_path / "data" / "sandbox.sqlite3").exists()
    with SandboxProcess(**options) as second:
        assert second.keys["secret"] == key
        found = httpx.get(
            f"{second.api_base}/v1/customers/{created['id']}",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert found.status_code == 200
    with SandboxProcess(**{**options, "charges": 41}) as third:
        gone = httpx.get(
            f"{third.api_base}/v1/customers/{created['id']}",
            headers={"Authorization": f"Bearer {third.keys['secret']}"},
        )
        assert gone.status_code == 404


def test_extra_accounts_at_start():
    with SandboxProcess(charges=10, days=3, accounts=5, accounts_charges=7, modes="test") as sb:
        accounts = sb.control.accounts()
        assert len(accounts) == 6
        assert all(a["counts"]["test"]["charges"] == 7 for a in accounts[1:])
        listed = sb.control.keys()
        assert {k["mode"] for k in listed} == {"test"}
        assert len({k["account"] for k in listed}) == 6
