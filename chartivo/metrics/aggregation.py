"""Objects in, bucket totals out: the only place a Stripe object's fields are read.

Pure functions over plain dicts as Stripe sends them; nothing here knows about HTTP, the
SDK or the database. Buckets are 15 minutes of UTC: every UTC offset in use is a multiple
of 15 minutes, so any time zone's hours, days, weeks and months are unions of buckets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from chartivo.integrations.stripe.catalogue import Resource

BUCKET_SECONDS = 900
COLUMNS = ("count", "amount", "captured", "fee", "net", "unconverted")


_UNCONVERTED = COLUMNS.index("unconverted")


def bucket_of(unix_seconds: int) -> int:
    return unix_seconds - unix_seconds % BUCKET_SECONDS


class AggregateKey(NamedTuple):
    bucket: int
    currency: str
    dim1: str
    dim2: str


Totals = list[int]  # in COLUMNS order


@dataclass
class Span:
    """Complete totals of one resource for every bucket in [start, end); absent = empty."""

    resource: str
    start: int
    end: int
    totals: dict[AggregateKey, Totals]


def _field(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _dimension(obj: Mapping[str, Any], path: str) -> str:
    if not path:
        return ""
    value = _field(obj, path)
    return "" if value is None else str(value)[:48]


@dataclass(frozen=True)
class Extractor:
    """The compiled reading of one resource: which fields feed which aggregate columns."""

    resource: Resource

    def key(self, obj: Mapping[str, Any]) -> AggregateKey:
        r = self.resource
        currency = str(obj.get("currency") or "")[:3].lower() if r.has_currency else ""
        return AggregateKey(
            bucket_of(int(obj[r.date_field])),
            currency,
            _dimension(obj, r.dim1),
            _dimension(obj, r.dim2),
        )

    def add(self, totals: Totals, obj: Mapping[str, Any]) -> None:
        totals[0] += 1
        for column, path in self.resource.measures.items():
            value = _field(obj, path)
            if value is not None:
                totals[COLUMNS.index(column)] += int(value)
        if self.resource.unconverted is not None:
            amount, transaction, statuses = self.resource.unconverted
            value = _field(obj, amount)
            # Stripe sends the field on every charge, null until it is written; an object
            # without it says nothing either way.
            if (
                value is not None
                and transaction in obj
                and obj[transaction] is None
                and _dimension(obj, self.resource.dim1) in statuses
            ):
                totals[_UNCONVERTED] += int(value)


def fold(
    extractor: Extractor,
    objects: Iterable[Mapping[str, Any]],
    into: dict[AggregateKey, Totals],
    *,
    low: int,
    high: int,
) -> int | None:
    """Adds the objects created in [low, high) to ``into``; returns the lowest bucket
    among them (None when there were none). Objects outside are never counted."""
    lowest: int | None = None
    for obj in objects:
        key = extractor.key(obj)
        if not low <= key.bucket < high:
            continue
        totals = into.get(key)
        if totals is None:
            totals = into[key] = [0] * len(COLUMNS)
        extractor.add(totals, obj)
        if lowest is None or key.bucket < lowest:
            lowest = key.bucket
    return lowest


def split_at(
    totals: dict[AggregateKey, Totals], bucket: int
) -> tuple[dict[AggregateKey, Totals], dict[AggregateKey, Totals]]:
    """(the totals of buckets at or above ``bucket``, those below it)."""
    above = {k: v for k, v in totals.items() if k.bucket >= bucket}
    below = {k: v for k, v in totals.items() if k.bucket < bucket}
    return above, below
