"""The running sandbox's state: data, accounts and keys, limits, faults, counters, and the
idempotency cache. The request handlers (``routes_api``, ``routes_control``) and the server
(``server``) all reach it through ``request.app[SANDBOX]``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections import OrderedDict
from pathlib import Path

from aiohttp import web

from . import errors, keys
from .accounts import Account, AccountSpec, Registry, build_account
from .faults import FaultInjector
from .keys import ApiKey
from .ratelimit import RateLimiter
from .stats import Stats
from .store import Store
from .writes import Writer

DB_NAME = "sandbox.sqlite3"


class IdempotencyCache:
    """Replays a POST's first answer for a repeated Idempotency-Key, as Stripe does."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, ...], tuple[str, int, bytes]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> tuple[str, int, bytes] | None:
        return self._entries.get(key)

    def put(self, key: tuple[str, ...], fingerprint: str, status: int, body: bytes) -> None:
        self._entries[key] = (fingerprint, status, body)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _key_from_header(header: str | None) -> str:
    """Bearer (what the SDK sends) or Basic with the key as user name (``curl -u``)."""
    if not header or not header.strip():
        raise errors.no_key()
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        key = value.strip()
    elif scheme.lower() == "basic":
        try:
            key = base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            key = value.strip()
    else:
        key = header.strip()
    if not key:
        raise errors.no_key()
    return key


class Sandbox:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        limiter: RateLimiter,
        faults: FaultInjector,
        data_dir: Path,
    ) -> None:
        self.store = store
        self.registry = registry
        self.limiter = limiter
        self.initial_rates = limiter.default
        self.faults = faults
        self.data_dir = data_dir
        self.stats = Stats()
        self.writer = Writer(store, registry)
        self.idempotency = IdempotencyCache()
        self.started = time.time()

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    def authenticate(self, header: str | None) -> ApiKey:
        key = _key_from_header(header)
        api_key = self.registry.keys.get(key)
        if api_key is None or api_key.revoked:
            raise errors.invalid_key(keys.mask_invalid(key))
        if api_key.kind == keys.PUBLISHABLE:
            raise errors.publishable_key()
        return api_key

    async def create_account(self, spec: AccountSpec) -> Account:
        """Generation runs on a worker thread with its own SQLite connection (WAL lets the
        event loop keep reading); the account becomes visible once it is complete."""
        spec.validate()
        ordinal = self.registry.next_ordinal(spec.seed)
        loop = asyncio.get_running_loop()
        account, api_keys = await loop.run_in_executor(
            None, _build_on_thread, self.db_path, spec, ordinal
        )
        self.registry.add(account, api_keys)
        return account

    def save_key(self, api_key: ApiKey) -> None:
        self.registry.save_key(self.store, api_key)


def _build_on_thread(path: Path, spec: AccountSpec, ordinal: int) -> tuple[Account, list[ApiKey]]:
    store = Store(path, cache_mb=32)
    try:
        return build_account(store, spec, ordinal)
    finally:
        store.close()


SANDBOX = web.AppKey("sandbox", Sandbox)
