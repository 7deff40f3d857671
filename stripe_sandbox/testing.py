"""What tests, launchers and benchmarks use to run the sandbox and steer it.

``SandboxProcess`` starts ``python -m stripe_sandbox`` on a free port, waits for its ready
line and stops it on exit. ``SandboxControl`` wraps the /_sandbox/ control API.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

READY_PREFIX = "chartivo-sandbox ready at "


class SandboxError(RuntimeError):
    pass


@dataclass(frozen=True)
class CreatedAccount:
    id: str
    # Not in repr: pytest prints fixtures of a failing test, and keys never reach output.
    keys: dict[str, str] = field(repr=False)
    account: dict[str, Any] = field(repr=False)
    seconds: float


class SandboxControl:
    """Typed methods over the sandbox's control API (no key needed, loopback only)."""

    def __init__(self, api_base: str, timeout: float = 120.0) -> None:
        self.api_base = api_base.rstrip("/")
        self._http = httpx.Client(base_url=self.api_base, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SandboxControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, f"/_sandbox/{path}", json=payload)
        if response.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox/{path}: {response.status_code} {response.text}")
        return response.json()

    # accounts and keys
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "health")
        return result

    def accounts(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "accounts")["data"]
        return result

    def create_account(
        self,
        seed: str | int = "account",
        charges: int = 200,
        days: float = 30,
        end: int | str | None = None,
        modes: list[str] | None = None,
        settlement_currencies: list[str] | None = None,
    ) -> CreatedAccount:
        """``settlement_currencies`` (e.g. ``["usd"]``) selects Stripe's money model: charges
        in other currencies settle converted, with payouts, bank debits, later captures and
        the last 30 days of events. Without it every charge settles in its own currency."""
        payload: dict[str, Any] = {"seed": str(seed), "charges": charges, "days": days}
        if end is not None:
            payload["end"] = end
        if modes is not None:
            payload["modes"] = modes
        if settlement_currencies is not None:
            payload["settlement_currencies"] = settlement_currencies
        result = self._call("POST", "accounts", payload)
        return CreatedAccount(result["id"], result["keys"], result["account"], result["seconds"])

    def keys(self, account: str | None = None) -> list[dict[str, Any]]:
        suffix = f"keys?account={account}" if account else "keys"
        result: list[dict[str, Any]] = self._call("GET", suffix)["data"]
        return result

    def keys_by_name(self, account: str | None = None) -> dict[str, str]:
        account = account or self.health()["default_account"]
        return {k["name"]: k["key"] for k in self.keys(account) if not k["revoked"]}

    def create_key(
        self,
        name: str,
        *,
        account: str | None = None,
        mode: str = "test",
        type: str = "restricted",
        permissions: list[str] | None = None,
    ) -> dict[str, Any]:
        payload = {
            "name": name,
            "account": account,
            "mode": mode,
            "type": type,
            "permissions": permissions or [],
        }
        result: dict[str, Any] = self._call("POST", "keys", payload)
        return result

    def revoke_key(self, key: str, revoked: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "keys/revoke", {"key": key, "revoked": revoked})
        return result

    def set_permissions(self, key: str, permissions: list[str]) -> dict[str, Any]:
        payload = {"key": key, "permissions": permissions}
        result: dict[str, Any] = self._call("POST", "keys/permissions", payload)
        return result

    # faults and rate limits
    def set_faults(
        self,
        *,
        latency: str | tuple[float, float] | None = None,
        error_rate: float | None = None,
        drop_rate: float | None = None,
        garbage_rate: float | None = None,
        account: str | None = None,
        clear_latency: bool = False,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if garbage_rate is not None:
            payload["garbage_rate"] = garbage_rate
        if latency is not None or clear_latency:
            payload["latency"] = list(latency) if isinstance(latency, tuple) else latency
        if error_rate is not None:
            payload["error_rate"] = error_rate
        if drop_rate is not None:
            payload["drop_rate"] = drop_rate
        if account is not None:
            payload["account"] = account
        result: dict[str, Any] = self._call("POST", "faults", payload)
        return result

    def clear_faults(self, account: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "DELETE", f"faults?account={account}" if account else "faults"
        )
        return result

    def faults(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "faults")
        return result

    def set_rate_limits(
        self,
        *,
        live: float | None = None,
        test: float | None = None,
        endpoint: float | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        rates = {"live": live, "test": test, "endpoint": endpoint}
        payload: dict[str, Any] = {k: v for k, v in rates.items() if v is not None}
        if account is not None:
            payload["account"] = account
        result: dict[str, Any] = self._call("POST", "rate_limits", payload)
        return result

    def clear_rate_limits(self, account: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "DELETE", f"rate_limits?account={account}" if account else "rate_limits"
        )
        return result

    # changes Stripe makes on its own
    def open_dispute(
        self,
        charge_id: str,
        reason: str = "fraudulent",
        amount: int | None = None,
        status: str = "needs_response",
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"charge": charge_id, "reason": reason, "status": status}
        if amount is not None:
            payload["amount"] = amount
        result: dict[str, Any] = self._call("POST", "disputes", payload)
        return result

    def close_dispute(self, dispute_id: str, outcome: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", f"disputes/{dispute_id}/close", {"outcome": outcome}
        )
        return result

    def succeed_charge(self, charge_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"charges/{charge_id}/succeed")
        return result

    def pay_payout(self, payout_id: str) -> dict[str, Any]:
        """A pending or in-transit payout arrives (``payout.updated``, ``payout.paid``)."""
        result: dict[str, Any] = self._call("POST", f"payouts/{payout_id}/pay")
        return result

    def mistie_payout(self, payout_id: str, difference: int) -> dict[str, Any]:
        """Fault: a paid payout's amount moves by ``difference`` (minor units), so that the
        balance transactions it settled no longer add up to it."""
        result: dict[str, Any] = self._call(
            "POST", f"payouts/{payout_id}/mistie", {"difference": difference}
        )
        return result

    def make_available(self, txn_id: str) -> dict[str, Any]:
        """A pending balance transaction's funds become available now (``balance.available``)."""
        result: dict[str, Any] = self._call("POST", f"balance_transactions/{txn_id}/available")
        return result

    # observability
    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "stats")
        return result

    def reset_stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "stats/reset")
        return result


def _package_root() -> str:
    return str(Path(__file__).resolve().parent.parent)


class SandboxProcess:
    """Runs the sandbox as a child process for the duration of a ``with`` block."""

    def __init__(
        self,
        *,
        seed: str | int = "chartivo",
        charges: int = 300,
        days: float = 30,
        end: int | str | None = None,
        modes: str | list[str] | tuple[str, ...] | None = None,
        settlement_currencies: str | list[str] | tuple[str, ...] | None = None,
        accounts: int | None = None,
        accounts_charges: int | None = None,
        data_dir: str | Path | None = None,
        keys_file: str | Path | None = None,
        latency: str | None = None,
        error_rate: float | None = None,
        drop_rate: float | None = None,
        live_rate: float | None = None,
        test_rate: float | None = None,
        endpoint_rate: float | None = None,
        host: str = "127.0.0.1",
        extra_args: list[str] | None = None,
        startup_timeout: float = 300.0,
        stderr: int | IO[Any] | None = None,
        on_spawn: Callable[[int], None] | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "--seed": seed,
            "--charges": charges,
            "--days": days,
            "--end": end,
            "--modes": modes if modes is None or isinstance(modes, str) else ",".join(modes),
            "--settlement-currencies": settlement_currencies
            if settlement_currencies is None or isinstance(settlement_currencies, str)
            else ",".join(settlement_currencies),
            "--accounts": accounts,
            "--accounts-charges": accounts_charges,
            "--data-dir": data_dir,
            "--keys-file": keys_file,
            "--latency": latency,
            "--error-rate": error_rate,
            "--drop-rate": drop_rate,
            "--live-rate": live_rate,
            "--test-rate": test_rate,
            "--endpoint-rate": endpoint_rate,
        }
        self.args = [sys.executable, "-m", "stripe_sandbox", "--host", host, "--port", "0"]
        for flag, value in options.items():
            if value is not None:
                self.args += [flag, str(value)]
        self.args += extra_args or []
        self.startup_timeout = startup_timeout
        self.stderr = stderr
        self.on_spawn = on_spawn
        self.process: subprocess.Popen[str] | None = None
        self.api_base = ""
        self.keys: dict[str, str] = {}
        self.account = ""
        self._control: SandboxControl | None = None

    @property
    def control(self) -> SandboxControl:
        if self._control is None:
            raise SandboxError("the sandbox is not running")
        return self._control

    @property
    def pid(self) -> int:
        if self.process is None:
            raise SandboxError("the sandbox is not running")
        return self.process.pid

    def start(self) -> SandboxProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_package_root(), env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self.args,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            if self.on_spawn is not None:
                self.on_spawn(self.process.pid)
            self.api_base = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._control = SandboxControl(self.api_base)
        health = self._control.health()
        self.account = str(health["default_account"])
        self.keys = self._control.keys_by_name(self.account)
        return self

    def _wait_ready(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SandboxError(f"no ready line within {self.startup_timeout}s")
                if not selector.select(timeout=remaining):
                    continue
                line = self.process.stdout.readline()
                if line.startswith(READY_PREFIX):
                    return line[len(READY_PREFIX) :].strip()
                if line == "" and self.process.poll() is not None:
                    raise SandboxError(f"sandbox exited with {self.process.returncode}")

    def stop(self, timeout: float = 15.0) -> int | None:
        if self._control is not None:
            self._control.close()
            self._control = None
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()
        self.process = None
        return process.returncode

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
