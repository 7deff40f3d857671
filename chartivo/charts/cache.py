"""The chart figures cache: bounded in bytes, shared by every web process with Redis.

Figures are computed once per change of the aggregates (``chartivo.charts.figures`` says
when a cached entry is still right) and kept compressed. Two bounds hold whatever users ask for:

- one entry is at most ``ENTRY_LIMIT`` bytes compressed (a chart is at most 744 periods
  per series, so only a very wide breakdown comes near it; a larger one is not kept);
- without Redis, each process keeps at most ``CHARTIVO_CHART_CACHE_MB`` of entries and
  drops the least recently used first; with ``REDIS_URL`` the entries live in Redis,
  shared by every web process, and expire after ``ENTRY_SECONDS``.

An unreachable cache is an empty one: charts are then computed each time.
"""

from __future__ import annotations

import logging
import pickle
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache

logger = logging.getLogger(__name__)

ENTRY_LIMIT = 512 * 1024
ENTRY_SECONDS = 6 * 3600


def _pack(value: Any) -> bytes:
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 3)


def _unpack(blob: bytes) -> Any:
    # Only this module writes these entries, into the app's own cache.
    return pickle.loads(zlib.decompress(blob))  # noqa: S301


class ByteBoundedCache:
    """A least-recently-used map of packed entries, at most ``limit`` bytes in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        found = {}
        with self._lock:
            for key in keys:
                blob = self._entries.get(key)
                if blob is not None:
                    self._entries.move_to_end(key)
                    found[key] = blob
        return found

    def set_many(self, entries: dict[str, bytes]) -> None:
        with self._lock:
            for key, blob in entries.items():
                old = self._entries.pop(key, None)
                if old is not None:
                    self.size -= len(old)
                self._entries[key] = blob
                self.size += len(blob)
            while self.size > self.limit and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


_local = ByteBoundedCache(settings.CHART_CACHE_MB * 1024 * 1024)


def get_many(keys: list[str]) -> dict[str, Any]:
    if not keys:
        return {}
    try:
        blobs = django_cache.get_many(keys) if settings.REDIS_URL else _local.get_many(keys)
        return {key: _unpack(blob) for key, blob in blobs.items()}
    except Exception:  # an unreachable cache must not take the charts down with it
        logger.warning("charts.cache_unavailable", exc_info=True)
        return {}


def set_many(values: dict[str, Any]) -> None:
    packed = {key: _pack(value) for key, value in values.items()}
    kept = {key: blob for key, blob in packed.items() if len(blob) <= ENTRY_LIMIT}
    if not kept:
        return
    try:
        if settings.REDIS_URL:
            # Valid until a sync changes the figures, however many quiet refreshes come
            # first; one that a change made unreachable lingers at most this long (and
            # Redis, with maxmemory-policy volatile-lru, drops such entries first).
            django_cache.set_many(kept, timeout=ENTRY_SECONDS)
        else:
            _local.set_many(kept)
    except Exception:
        logger.warning("charts.cache_unavailable", exc_info=True)


def local_cache() -> ByteBoundedCache:
    """This process's cache (tests and benchmarks read its size)."""
    return _local
