"""The currencies an account settles in: its default currency, and any other it settles in
with Stripe's multi-currency settlement.

Stripe says so in the account (``GET /v1/account``: ``default_currency`` and the currencies
of the bank accounts it is paid out to), but refuses the account to restricted keys (it
needs a permission no read-only key should carry). So the currencies are taken, when the
key is saved (``integrations.stripe.probe``), from the account where the key may read it,
else from the balance (``GET /v1/balance``: the currencies it is held in); where only the
balance answered, the balance transactions seen add theirs, since Stripe writes every
balance transaction in the currency the money settled in. Only the codes are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.models import AggregateRollup
from chartivo.metrics.rollups import DAY


def _seen(ids: list[int]) -> set[str]:
    """Currencies of the balance transactions of the kept history."""
    # Daily rollups: a few rows per day and currency, rather than every 15 minutes.
    rows = (
        AggregateRollup.objects.filter(
            connection_id__in=ids, resource="balance_transactions", width=DAY
        )
        .values_list("currency", flat=True)
        .distinct()
    )
    return {code for code in rows if code}


def settlement_currencies(connection_id: int | Sequence[int]) -> list[str]:
    """Lower-case currency codes the account settles in (of one connection, or of several
    together: All accounts)."""
    ids = [connection_id] if isinstance(connection_id, int) else list(connection_id)
    found: set[str] = set()
    seen_for: list[int] = []
    for pk, codes, source in StripeConnection.objects.filter(pk__in=ids).values_list(
        "pk", "settlement_currencies", "settlement_source"
    ):
        found.update(code for code in codes.split(",") if code)
        if source != "account":
            seen_for.append(pk)
    if seen_for:
        found |= _seen(seen_for)
    return sorted(found)


def default_view(connection_id: int | Sequence[int]) -> str:
    """ "settlement" where the account settles in exactly one currency, else "charged"."""
    return "settlement" if len(settlement_currencies(connection_id)) == 1 else "charged"
