"""Which Stripe account a chart or Home's figures read: one of the organisation's, or
"All accounts".

All accounts are read as one source: their aggregates are added up by the same queries
that read one account, grouped as always by currency, so amounts add up only within one
currency and never across currencies. Their sync is summed up conservatively: syncing
while any account is, failing while any is, and a metric is unavailable when any account
cannot read it (a sum missing an account would look complete and be wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.status import ResourceStatus, State, SyncStatus, status_of
from chartivo.orgs.access import organisation_of

ALL = "all"
ALL_LABEL = "All accounts"


@dataclass(frozen=True)
class Combined:
    """Several connections read as one."""

    connections: tuple[StripeConnection, ...]

    @property
    def pk(self) -> tuple[int, ...]:
        return tuple(c.pk for c in self.connections)

    @property
    def mode(self) -> str:
        """The accounts' mode when they share one ("test" or "live"), else ""."""
        modes = {c.mode for c in self.connections}
        return modes.pop() if len(modes) == 1 else ""

    @property
    def mode_label(self) -> str:
        labels = sorted({c.mode_label for c in self.connections})
        return " and ".join(labels)

    @property
    def name(self) -> str:
        return ALL_LABEL


Source = StripeConnection | Combined


def identity(source: Source) -> tuple[object, ...]:
    """What names a source's figures in a cache key: a new key is a new connection, even
    if ids repeat."""
    connections = source.connections if isinstance(source, Combined) else (source,)
    return tuple((c.pk, c.created_at.isoformat()) for c in connections)


def key_part(source: Source) -> str:
    pks = source.pk if isinstance(source, Combined) else (source.pk,)
    return "-".join(str(pk) for pk in pks)


def connections_of(request: HttpRequest) -> list[StripeConnection]:
    return list(
        StripeConnection.objects.filter(organisation=organisation_of(request)).order_by("pk")
    )


def choose(connections: list[StripeConnection], wanted: str | int | None) -> Source | None:
    """The account ``wanted`` names (an id, or "all"); by default all of them."""
    if not connections:
        return None
    chosen = next((c for c in connections if str(c.pk) == str(wanted)), None)
    if chosen is not None:
        return chosen
    return connections[0] if len(connections) == 1 else Combined(tuple(connections))


def choices(connections: list[StripeConnection]) -> list[tuple[str, str]]:
    """The account picker's options ("All accounts" first), or none for one account."""
    if len(connections) < 2:
        return []
    return [(ALL, ALL_LABEL)] + [(str(c.pk), f"{c.name} ({c.mode_label})") for c in connections]


def combined_status(statuses: list[SyncStatus]) -> SyncStatus:
    states: list[State] = [s.state for s in statuses]
    state: State = "error" if "error" in states else "syncing" if "syncing" in states else "synced"
    synced_at = [s.last_synced_at for s in statuses]
    last: datetime | None = None if None in synced_at else min(t for t in synced_at if t)
    etas = [s.eta_seconds for s in statuses if s.eta_seconds is not None]
    return SyncStatus(
        state=state,
        percent=min(s.percent for s in statuses),
        eta_seconds=max(etas) if etas else None,
        last_synced_at=last,
        error=next((s.error for s in statuses if s.error), ""),
        resources=_resources(statuses),
    )


def _resources(statuses: list[SyncStatus]) -> dict[str, ResourceStatus]:
    merged: dict[str, ResourceStatus] = {}
    for status in statuses:
        for key, part in status.resources.items():
            seen = merged.get(key)
            if seen is None:
                merged[key] = part
                continue
            merged[key] = ResourceStatus(
                key,
                part.label,
                seen.readable and part.readable,
                seen.message or part.message,
                seen.backfilled and part.backfilled,
                min(seen.percent, part.percent),
            )
    return merged


def status_of_source(source: Source) -> SyncStatus:
    if isinstance(source, Combined):
        return combined_status([status_of(c) for c in source.connections])
    return status_of(source)
