"""Money counted by currency charged that the settlement view cannot count yet.

Stripe converts a payment into the account's settlement currency when it writes the
payment's balance transaction, at capture. A charge authorised but not yet captured has
succeeded, so the view *by currency charged* counts it; it has no balance transaction, so
the view *in your settlement currency* (what Stripe moved) cannot, and states it instead
as pending conversion, per currency charged: its settled amount is not known until Stripe
captures and converts it. The sync keeps that amount with the charges' aggregates
(``unconverted``: never the charge itself).
"""

from __future__ import annotations

from collections.abc import Mapping

from chartivo.charts.query import ResolvedSpec
from chartivo.metrics.money import format_money
from chartivo.metrics.periods import unix_seconds
from chartivo.metrics.queries import ConnectionIds, Quantity, Window, sums_by_period_rows

LEAD = "Pending conversion"
EXPLANATION = (
    "charges authorised but not yet captured: counted by currency charged, not yet here. "
    "Stripe converts them into your settlement currency when it captures them."
)


def pending_conversion(connection_id: ConnectionIds, resolved: ResolvedSpec) -> dict[str, int]:
    """Per currency charged (lower case), the amount of the chart's range that its
    settlement view states as pending; empty in the view by currency charged."""
    parts = resolved.measure.pending
    if not resolved.settled or not parts:
        return {}
    window = Window(unix_seconds(resolved.time_range.start), unix_seconds(resolved.time_range.end))
    rows = sums_by_period_rows(
        connection_id,
        [Quantity(p.resource, p.column, p.where_dim1, p.exclude_dim1) for p in parts],
        [window],
        zone=resolved.zone,
        granularity=resolved.granularity,
    )
    totals: dict[str, int] = {}
    for row in rows:
        value = sum(row[3 : 3 + len(parts)])
        if value:
            totals[row[1]] = totals.get(row[1], 0) + value
    return {code: value for code, value in totals.items() if value}


def pending_text(amounts: Mapping[str, int], locale: str) -> str:
    """ "Pending conversion: €120.00 and ¥5,000 — charges authorised…", or ""."""
    shown = [format_money(amounts[code], code, locale) for code in sorted(amounts) if amounts[code]]
    if not shown:
        return ""
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return f"{LEAD}: {listed} — {EXPLANATION}"
