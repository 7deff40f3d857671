"""The account's settlement currencies, as the balance transactions Chartivo has seen show
them: Stripe writes every balance transaction in the currency the money settled in (the
account's default currency, or another it settles in with multi-currency settlement).

``GET /v1/account`` would say it outright, but Stripe refuses it to restricted keys (it
needs a permission no read-only key should carry); the transactions are read anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

from chartivo.metrics.models import AggregateRollup
from chartivo.metrics.rollups import DAY


def settlement_currencies(connection_id: int | Sequence[int]) -> list[str]:
    """Lower-case currency codes money settled in, within the kept history (of one
    connection, or of several together: All accounts)."""
    ids = [connection_id] if isinstance(connection_id, int) else list(connection_id)
    # Daily rollups: a few rows per day and currency, rather than every 15 minutes.
    rows = (
        AggregateRollup.objects.filter(
            connection_id__in=ids, resource="balance_transactions", width=DAY
        )
        .values_list("currency", flat=True)
        .distinct()
    )
    return sorted({code for code in rows if code})


def default_view(connection_id: int | Sequence[int]) -> str:
    """ "settlement" where the account settles in exactly one currency, else "charged"."""
    return "settlement" if len(settlement_currencies(connection_id)) == 1 else "charged"
