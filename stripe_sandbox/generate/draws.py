"""What generated history draws from: distributions of currencies, brands, statuses,
reasons and names, and the arrival times of a growing business."""

from __future__ import annotations

import bisect
import math
import random
from typing import Any

DAY = 86_400

_CURRENCIES = (
    ("usd", 0.55),
    ("eur", 0.2),
    ("gbp", 0.12),
    ("jpy", 0.07),
    ("kwd", 0.03),
    ("cad", 0.03),
)
CARD_COUNTRY = {"usd": "US", "eur": "DE", "gbp": "GB", "jpy": "JP", "kwd": "KW", "cad": "CA"}
_BRANDS = (
    ("visa", 0.5),
    ("mastercard", 0.28),
    ("amex", 0.1),
    ("discover", 0.04),
    ("jcb", 0.02),
    ("unionpay", 0.02),
    ("diners", 0.01),
    ("cartes_bancaires", 0.01),
    ("eftpos_au", 0.005),
    ("link", 0.005),
    ("unknown", 0.01),
)
_DECLINES = (
    ("generic_decline", 0.45),
    ("insufficient_funds", 0.25),
    ("do_not_honor", 0.08),
    ("lost_card", 0.04),
    ("expired_card", 0.08),
    ("incorrect_cvc", 0.07),
    ("processing_error", 0.03),
)
_REFUND_STATUS = (("succeeded", 0.92), ("pending", 0.04), ("failed", 0.02), ("canceled", 0.02))
_REFUND_REASON = (
    ("requested_by_customer", 0.5),
    (None, 0.3),
    ("duplicate", 0.1),
    ("fraudulent", 0.1),
)
_DISPUTE_REASON = (
    ("fraudulent", 0.4),
    ("product_not_received", 0.2),
    ("subscription_canceled", 0.1),
    ("duplicate", 0.08),
    ("product_unacceptable", 0.08),
    ("credit_not_processed", 0.06),
    ("unrecognized", 0.04),
    ("general", 0.04),
)
# Open disputes are recent; closed ones are older than a week.
_DISPUTE_STATUS_RECENT = (
    ("needs_response", 0.45),
    ("under_review", 0.25),
    ("warning_needs_response", 0.2),
    ("warning_under_review", 0.1),
)
_DISPUTE_STATUS_OLD = (
    ("won", 0.35),
    ("lost", 0.35),
    ("under_review", 0.08),
    ("warning_closed", 0.12),
    ("needs_response", 0.05),
    ("warning_under_review", 0.05),
)
DESCRIPTIONS = (None, None, None, "Subscription renewal", "One-off purchase", "Invoice payment")
FIRST_NAMES = (  # noqa: SIM905 - a word list reads best as one string
    "Ada Alan Alice Amara Ana Ben Carla Chen Dara David Elena Emil Eva Farah Felix Grace "
    "Hana Hugo Ines Ivan Jana Jon Kai Kemal Lara Leo Lina Luca Maya Mei Nadia Noah Omar "
    "Olga Pablo Priya Quinn Rafael Rosa Sam Sara Sven Tara Theo Uma Victor Wen Yara Yusuf "
    "Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905 - a word list reads best as one string
    "Adams Ahmed Alvarez Bauer Berg Chen Costa Dubois Eriksen Fischer Garcia Haddad "
    "Hansen Ito Jensen Kim Kowalski Larsen Lopez Mahmoud Martin Meyer Moreau Nakamura "
    "Novak Okafor Olsen Patel Petrov Quispe Rossi Sato Schmidt Silva Smith Tanaka Weber "
    "Wong Yilmaz Zhang"
).split()


def weights(table: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    values = [v for v, _ in table]
    cumulative: list[float] = []
    total = 0.0
    for _, weight in table:
        total += weight
        cumulative.append(total)
    return values, [c / total for c in cumulative]


def pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cumulative = table
    return values[min(bisect.bisect_left(cumulative, rng.random()), len(values) - 1)]


CURRENCY = weights(_CURRENCIES)
BRAND = weights(_BRANDS)
DECLINE = weights(_DECLINES)
REFUND_STATUS = weights(_REFUND_STATUS)
REFUND_REASON = weights(_REFUND_REASON)
DISPUTE_REASON = weights(_DISPUTE_REASON)
DISPUTE_RECENT = weights(_DISPUTE_STATUS_RECENT)
DISPUTE_OLD = weights(_DISPUTE_STATUS_OLD)

# Only with settlement currencies (Stripe's full money model):
# bank debits where Stripe offers them to such a business (ACH in dollars, SEPA in euros),
BANK_DEBIT = {"usd": ("us_bank_account", 0.04), "eur": ("sepa_debit", 0.08)}
BANK_FAILURE = weights((("bank_insufficient_funds", 0.7), ("bank_account_closed", 0.3)))
# card payments authorised first and captured later, some for less than authorised,
DELAYED_CAPTURE_SHARE = 0.03
# and payouts the bank returns.
PAYOUT_FAILURE_SHARE = 0.02
PAYOUT_FAILURE = weights((("account_closed", 0.3), ("no_account", 0.3), ("could_not_process", 0.4)))


def growth(u: float, rise: float = 0.6) -> float:
    """Inverse CDF of a density rising linearly by `rise` across [0, 1]."""
    return (-1.0 + math.sqrt(1.0 + 2.0 * rise * u * (1.0 + rise / 2.0))) / rise


def arrival_times(rng: random.Random, count: int, start: float, window: float) -> list[int]:
    """`count` sorted arrival times: a growing business, quieter at weekends."""
    out: list[int] = []
    while len(out) < count:
        t = start + window * growth(rng.random())
        if (int(t) // DAY + 3) % 7 >= 5 and rng.random() < 0.25:
            continue
        out.append(int(t))
    out.sort()
    return out
