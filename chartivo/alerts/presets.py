"""Ready-made rules for what merchants fear, added in one click.

The card networks watch each merchant's disputes per month against its transactions, and
put merchants over a threshold into a monitoring programme with fees and, in the end, the
loss of card acceptance: Visa at 0.9%, Mastercard at 1.5%. The ready-made rules warn
before a merchant reaches them, over the last 30 days as the programmes count a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chartivo.alerts.models import ABOVE, BELOW, DAY, MONTH, UNUSUALLY_HIGH, AlertRule


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    explanation: str  # in plain words, on the Alerts page
    metric: str
    condition: str
    threshold: Decimal | None
    window: str


PRESETS = (
    Preset(
        "visa_disputes",
        "Dispute rate approaching Visa's 0.9%",
        "Warns when disputes over the last 30 days pass 0.75% of successful charges, before "
        "Visa's dispute monitoring programme (0.9% in a month) applies to you.",
        "dispute_rate",
        ABOVE,
        Decimal("0.75"),
        MONTH,
    ),
    Preset(
        "mastercard_disputes",
        "Dispute rate approaching Mastercard's 1.5%",
        "Warns when disputes over the last 30 days pass 1.25% of successful charges, before "
        "Mastercard's excessive chargeback programme (1.5% in a month) applies to you.",
        "dispute_rate",
        ABOVE,
        Decimal("1.25"),
        MONTH,
    ),
    Preset(
        "failed_payment_spike",
        "Failed-payment spike",
        "Warns when the share of failed payments over the last 24 hours is far above "
        "what the same weekday had in the previous weeks: a broken checkout, a card "
        "testing attack, a bank refusing your payments.",
        "failed_payment_rate",
        UNUSUALLY_HIGH,
        None,
        DAY,
    ),
    Preset(
        "no_successful_charge",
        "A day with no successful charge",
        "Warns when 24 hours go by without a single successful charge: a checkout that "
        "stopped taking money usually shows here first.",
        "successful_charges",
        BELOW,
        Decimal("1"),
        DAY,
    ),
)
PRESET_BY_KEY = {p.key: p for p in PRESETS}


def rule_from(preset: Preset, **fields: object) -> AlertRule:
    """An unsaved rule made from ``preset``; ``fields`` give the organisation, the account,
    the zone, who made it."""
    return AlertRule(
        name=preset.name,
        metric=preset.metric,
        condition=preset.condition,
        threshold=preset.threshold,
        window=preset.window,
        preset=preset.key,
        **fields,
    )
