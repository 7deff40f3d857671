"""Request counters for tests and benchmarks: by account, mode, endpoint and status."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

# Status recorded for a connection closed on purpose without a response.
DROPPED = 0


class Stats:
    def __init__(self) -> None:
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        self.counts: Counter[tuple[str | None, str | None, str, int]] = Counter()
        self.peak_in_flight = self.in_flight
        self.since = time.time()

    def begin(self) -> None:
        self.in_flight += 1
        if self.in_flight > self.peak_in_flight:
            self.peak_in_flight = self.in_flight

    def end(self, account: str | None, mode: str | None, endpoint: str, status: int) -> None:
        self.in_flight -= 1
        self.counts[(account, mode, endpoint, status)] += 1

    def to_json(self) -> dict[str, Any]:
        rows = [
            {"account": a, "mode": m, "endpoint": e, "status": s, "count": n}
            for (a, m, e, s), n in sorted(
                self.counts.items(), key=lambda kv: tuple(str(x) for x in kv[0])
            )
        ]
        by_account: dict[str, dict[str, int]] = {}
        for (account, mode, _endpoint, status), n in self.counts.items():
            entry = by_account.setdefault(
                f"{account}:{mode}", {"requests": 0, "rate_limited": 0, "errors": 0}
            )
            entry["requests"] += n
            if status == 429:
                entry["rate_limited"] += n
            elif status >= 400 or status == DROPPED:
                entry["errors"] += n
        total = sum(self.counts.values())
        return {
            "since": self.since,
            "requests": total,
            "rate_limited": sum(n for k, n in self.counts.items() if k[3] == 429),
            "dropped": sum(n for k, n in self.counts.items() if k[3] == DROPPED),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "by_account": by_account,
            "rows": rows,
        }
