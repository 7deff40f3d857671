"""Storing and reading the results of payout reconciliation (``PayoutCheck``).

Written by the sync engine, in the transaction that holds the connection's lease; read by
the Integrations card and the Reconciliation page. Only totals and verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from chartivo.metrics.models import Aggregate, PayoutCheck

PayoutKey = tuple[str, int, int]  # currency, created, arrival


def checked(connection_id: int, since: int) -> dict[PayoutKey, int]:
    """Payouts arriving at or after ``since`` already checked: key -> amount checked."""
    rows = PayoutCheck.objects.filter(connection_id=connection_id, arrival__gte=since)
    return {
        (c, created, arrival): amount
        for c, created, arrival, amount in rows.values_list(
            "currency", "created", "arrival", "amount"
        )
    }


def paid_payouts(connection_id: int, since: int, until: int | None = None) -> int:
    """Paid payouts arriving in [since, until), as the payouts' aggregates count them."""
    rows = Aggregate.objects.filter(
        connection_id=connection_id, resource="payouts", dim1="paid", bucket__gte=since
    )
    if until is not None:
        rows = rows.filter(bucket__lt=until)
    return int(rows.aggregate(n=Sum("count"))["n"] or 0)


def behind(connection_id: int, since: int) -> bool:
    """Are there paid payouts in the window that no check covers yet?"""
    done = PayoutCheck.objects.filter(connection_id=connection_id, arrival__gte=since).count()
    return paid_payouts(connection_id, since) > done


def save(
    connection_id: int,
    results: Iterable[tuple[str, int, int, int, int, int, int]],
    *,
    seen: set[PayoutKey] | None,
    since: int,
) -> None:
    """Writes new checks (replacing older checks of the same payout); with ``seen`` (the
    paid payouts of the window), drops the checks of payouts no longer paid in it. Call
    inside the run's transaction."""
    if seen is not None:
        stale = [
            check.pk
            for check in PayoutCheck.objects.filter(connection_id=connection_id)
            if check.arrival < since or (check.currency, check.created, check.arrival) not in seen
        ]
        PayoutCheck.objects.filter(pk__in=stale).delete()
    for currency, created, arrival, amount, settled, moved, transactions in results:
        PayoutCheck.objects.update_or_create(
            connection_id=connection_id,
            currency=currency,
            created=created,
            arrival=arrival,
            defaults={
                "amount": amount,
                "settled": settled,
                "moved": moved,
                "transactions": transactions,
            },
        )


@dataclass(frozen=True)
class Reconciliation:
    paid: int  # paid payouts arriving in the range
    checked: int
    tied: int
    mismatched: list[PayoutCheck]  # the ones that do not tie out, newest first

    @property
    def unchecked(self) -> int:
        return max(0, self.paid - self.checked)

    @property
    def headline(self) -> str:
        """ "Payouts reconciled: 28 of 28 to the cent" (of the paid payouts in the range)."""
        return f"Payouts reconciled: {self.tied} of {self.paid} to the cent"


def window_summary(connection_id: int, *, now: int, history_days: int) -> Reconciliation:
    """The reconciliation of the paid payouts that arrived in the history window."""
    start = now - now % 900 - history_days * 86_400
    return summary(connection_id, start, now + 1)


def summary(connection_id: int, since: int, until: int) -> Reconciliation:
    checks = list(
        PayoutCheck.objects.filter(
            connection_id=connection_id, arrival__gte=since, arrival__lt=until
        ).order_by("-arrival", "currency", "-created")
    )
    mismatched = [c for c in checks if not c.ties_out]
    paid = max(paid_payouts(connection_id, since, until), len(checks))
    return Reconciliation(paid, len(checks), len(checks) - len(mismatched), mismatched)


def combined(results: Iterable[Reconciliation]) -> Reconciliation:
    """Several accounts' reconciliations as one (All accounts): payouts are counted, never
    added up, so every currency's payouts count alike; the ones that do not tie out stay
    each in its own currency, newest first."""
    every = list(results)
    mismatched = sorted(
        (check for result in every for check in result.mismatched),
        key=lambda c: (-c.arrival, c.currency, -c.created),
    )
    return Reconciliation(
        sum(r.paid for r in every),
        sum(r.checked for r in every),
        sum(r.tied for r in every),
        mismatched,
    )
