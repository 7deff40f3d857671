"""``chartivo-sandbox``: the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from . import currencies
from .accounts import parse_currencies, parse_end
from .config import Config
from .faults import Faults, parse_latency, parse_rate
from .ratelimit import Rates
from .server import serve
from .startup import open_sandbox

DESCRIPTION = """\
A local Stripe API (version 2023-08-16) for Chartivo's tests, demo and benchmarks: list and
retrieve charges, customers, refunds, disputes, balance transactions, payouts and events,
the balance and the account, a few writes, Stripe's keys, errors, rate limits and
pagination, over deterministic generated data. Point the stripe SDK's API base at it.
"""

EPILOG = """\
Data: objects live in a SQLite file (sandbox.sqlite3) under --data-dir. Without
--data-dir a fresh temporary directory is used and deleted at exit. With --data-dir the data
is reused by the next start when every generation option (including an explicit --end) is
the same, and regenerated otherwise; changes made through the API persist with it.

Keys are derived from the seed; list them with GET /_sandbox/keys (the sandbox never prints
or logs a key). When listening and seeded, exactly one line is printed on stdout:
"chartivo-sandbox ready at http://HOST:PORT". SIGINT or SIGTERM stops it.
See stripe_sandbox/README.md for the control API under /_sandbox/.
"""


def _modes(value: str) -> tuple[str, ...]:
    modes = tuple(dict.fromkeys(m.strip() for m in value.split(",") if m.strip()))
    if not modes or any(m not in ("test", "live") for m in modes):
        raise argparse.ArgumentTypeError("modes is a comma-separated list of test and live")
    return modes


def _non_negative(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(value: str) -> int | float:
        number = kind(value)
        if number < 0:
            raise argparse.ArgumentTypeError("must be >= 0")
        return number

    return parse


def _end(value: str) -> int:
    try:
        return parse_end(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settlement(value: str) -> tuple[str, ...]:
    chosen = parse_currencies(value) or ()
    unknown = [c for c in chosen if c not in currencies.SUPPORTED]
    if not chosen or unknown or len(set(chosen)) != len(chosen):
        raise argparse.ArgumentTypeError(
            "a comma-separated list of distinct supported currencies, e.g. usd or usd,eur"
        )
    return chosen


def _latency(value: str) -> tuple[float, float] | None:
    try:
        return parse_latency(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _probability(value: str) -> float:
    try:
        return parse_rate("rate", value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chartivo-sandbox",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net = parser.add_argument_group("listening")
    net.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    net.add_argument(
        "--port", type=int, default=12111, help="port to bind; 0 picks a free port (default 12111)"
    )
    data = parser.add_argument_group("generated data")
    data.add_argument(
        "--seed", default="chartivo", help="seed of all generated data and keys (default chartivo)"
    )
    data.add_argument(
        "--charges",
        type=_non_negative(int),
        default=5000,
        help="charges per mode for the default account (default 5000); customers, refunds, "
        "disputes, balance transactions and payouts follow from them",
    )
    data.add_argument(
        "--days",
        type=float,
        default=365.0,
        help="length of the history window in days, fractions allowed (default 365)",
    )
    data.add_argument(
        "--end",
        type=_end,
        default=None,
        help="end of the window: Unix seconds or an ISO date/datetime, UTC (default: now)",
    )
    data.add_argument(
        "--modes",
        type=_modes,
        default=("test", "live"),
        help="datasets to generate per account: test, live or test,live (default test,live)",
    )
    data.add_argument(
        "--settlement-currencies",
        type=_settlement,
        default=None,
        help="the accounts' settlement currencies, the first being the default, e.g. usd or "
        "usd,eur: charges in other currencies settle converted, with payouts, bank debits "
        "and 30 days of events, as in Stripe (default: none, every charge settles in its own "
        "currency)",
    )
    data.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="directory holding the SQLite data (default: a temporary directory deleted at exit)",
    )
    data.add_argument(
        "--keys-file",
        type=Path,
        default=None,
        help="JSON file of extra keys: [{name, account, mode, type, permissions, key?}]",
    )
    data.add_argument(
        "--accounts",
        type=_non_negative(int),
        default=0,
        help="extra accounts to generate at start, for benchmarks (default 0)",
    )
    data.add_argument(
        "--accounts-charges",
        type=_non_negative(int),
        default=200,
        help="charges per mode of each extra account (default 200)",
    )
    limits = parser.add_argument_group("rate limits (requests per second; 0 = off)")
    limits.add_argument(
        "--live-rate", type=_non_negative(float), default=100.0, help="per live account (100)"
    )
    limits.add_argument(
        "--test-rate", type=_non_negative(float), default=25.0, help="per test account (25)"
    )
    limits.add_argument(
        "--endpoint-rate",
        type=_non_negative(float),
        default=25.0,
        help="per account, mode and endpoint (25)",
    )
    faults = parser.add_argument_group(
        "faults (all accounts; change at run time via /_sandbox/faults)"
    )
    faults.add_argument(
        "--latency", type=_latency, default=None, help="added latency in ms, e.g. 150-300 or 200"
    )
    faults.add_argument(
        "--error-rate",
        type=_probability,
        default=0.0,
        help="share of requests answered 500 with Stripe's api_error body (0-1)",
    )
    faults.add_argument(
        "--drop-rate",
        type=_probability,
        default=0.0,
        help="share of connections closed without a response (0-1)",
    )
    parser.add_argument("--log-level", default="INFO", help="log level on stderr (default INFO)")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    config = Config(
        host=args.host,
        port=args.port,
        seed=str(args.seed),
        charges=args.charges,
        days=args.days,
        modes=args.modes,
        settlement_currencies=args.settlement_currencies,
        data_dir=args.data_dir,
        keys_file=args.keys_file,
        accounts=args.accounts,
        accounts_charges=args.accounts_charges,
        rates=Rates(live=args.live_rate, test=args.test_rate, endpoint=args.endpoint_rate),
        faults=Faults(latency=args.latency, error_rate=args.error_rate, drop_rate=args.drop_rate),
    )
    if args.end is not None:
        config.end = args.end
    return config


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    # During generation (before the event loop) turn SIGTERM into a normal exit so the
    # temporary directory is still removed.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.days <= 0:
        parser.error("--days must be > 0")
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s chartivo-sandbox %(levelname)s %(message)s",
    )
    config = config_from_args(args)
    temporary = config.data_dir is None
    data_dir = (
        Path(tempfile.mkdtemp(prefix="chartivo-sandbox-"))
        if config.data_dir is None
        else config.data_dir
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    sandbox = None
    try:
        sandbox = open_sandbox(config, data_dir)
        asyncio.run(serve(sandbox, config.host, config.port))
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:
        if exc.code not in (0, None, 128 + signal.SIGTERM):
            raise
    finally:
        if sandbox is not None:
            sandbox.store.close()
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
