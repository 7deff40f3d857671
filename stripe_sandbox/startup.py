"""Start-up: generate the data (or reuse a data dir generated with the same options), load
accounts and keys, apply the keys file."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

from . import keys
from .accounts import Account, Registry, build_account, key_from_json
from .config import Config
from .faults import FaultInjector
from .ratelimit import RateLimiter
from .state import DB_NAME, Sandbox
from .store import Store

log = logging.getLogger("stripe_sandbox")


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def _reusable(path: Path, params: str) -> bool:
    if not path.exists():
        return False
    try:
        store = Store(path)
        try:
            return store.get_meta("params") == params and store.get_meta("complete") == "1"
        finally:
            store.close()
    except sqlite3.DatabaseError:
        return False


def _generate_all(store: Store, config: Config) -> None:
    specs = config.account_specs()
    for number, spec in enumerate(specs):
        started = time.perf_counter()
        account, _ = build_account(store, spec, 0)
        if number == 0 or number == len(specs) - 1 or number % 50 == 0:
            log.info(
                "generated account %d/%d %s in %.1fs: %s",
                number + 1,
                len(specs),
                account.id,
                time.perf_counter() - started,
                account.counts,
            )


def _generate(path: Path, config: Config, params: str) -> Store:
    _remove_db(path)
    store = Store(path, cache_mb=512)
    # No journal while bulk loading: a crash means regenerating anyway.
    store.db.execute("PRAGMA journal_mode=OFF")
    store.create_schema()
    started = time.perf_counter()
    _generate_all(store, config)
    store.create_indexes()
    store.set_meta("params", params)
    store.set_meta("complete", "1")
    store.db.execute("PRAGMA journal_mode=WAL")
    store.db.execute("PRAGMA cache_size=-131072")
    log.info("generated data in %.1fs into %s", time.perf_counter() - started, path)
    return store


def open_sandbox(config: Config, data_dir: Path) -> Sandbox:
    path = data_dir / DB_NAME
    params = json.dumps(config.generation_params(), sort_keys=True)
    if _reusable(path, params):
        log.info("reusing generated data in %s", path)
        store = Store(path)
    else:
        store = _generate(path, config, params)
    registry = Registry()
    for doc in store.load_accounts():
        registry.add(Account.from_json(json.loads(doc)), [])
    for doc in store.load_keys():
        registry.keys.add(key_from_json(json.loads(doc)))
    sandbox = Sandbox(
        store, registry, RateLimiter(config.rates), FaultInjector(config.faults), data_dir
    )
    if config.keys_file is not None:
        for spec in keys.load_keys_file(config.keys_file):
            sandbox.save_key(registry.key_from_spec(spec))
    return sandbox
