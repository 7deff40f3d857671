"""Each figure explains itself: formula, what counts, which date places it, the zone, the
currency view, and how it differs from the Stripe Dashboard's figure of the same name.

One table, read by the chart page (next to the chart), the definitions page, and the page
for the guide's troubleshooting line "Metrics don't match Stripe dashboard".
docs/metrics.md says the same for people reading the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from chartivo.charts.query import VIEWS, ResolvedSpec
from chartivo.integrations.stripe.catalogue import METRICS

# How Stripe's Dashboard differs from every Chartivo figure: where its figures differ.
DASHBOARD_ZONE = (
    "The Stripe Dashboard counts by the time zone in your Stripe account's settings; "
    "Chartivo by the zone shown with the figure (UTC unless you choose one)."
)
CONVERTED = (
    "The Dashboard shows it in your default currency, converted at estimated rates where "
    "a payment was in another currency."
)


@dataclass(frozen=True)
class Text:
    formula: str
    counts: str
    dated: str
    dashboard: str


@dataclass(frozen=True)
class Definition:
    title: str
    formula: str
    counts: str
    dated: str
    zone: str
    view: str
    dashboard: str


_CREATED = "its created time"
_SETTLED_DATE = (
    "the created time of its balance transaction (a charge's when it was captured, a "
    "refund's or dispute's on its own day, not its charge's)"
)
_VIEW_TEXT = {
    "charged": "By currency charged: each currency its own series, never added together.",
    "settlement": (
        "In your settlement currency: the amounts Stripe moved, as its balance transactions "
        "record them after conversion — exact, not estimated."
    ),
}

# (metric, measure, settled) -> Text
TEXTS: dict[tuple[str, str, bool], Text] = {
    ("charges", "amount", False): Text(
        "Σ amount", "charges with status succeeded", _CREATED, CONVERTED
    ),
    ("charges", "amount", True): Text(
        "Σ amount of balance transactions of category charge",
        "every payment Stripe has credited; a charge authorised but not yet captured has "
        "no balance transaction yet: it is counted by currency charged and stated here as "
        "pending conversion, per currency charged",
        _SETTLED_DATE,
        "Matches Stripe's balance to the cent; the Dashboard's volume charts use estimates.",
    ),
    ("charges", "count", False): Text(
        "count", "charges with status succeeded, every currency", _CREATED, DASHBOARD_ZONE
    ),
    ("customers", "count", False): Text("count", "customers created", _CREATED, DASHBOARD_ZONE),
    ("revenue", "gross", False): Text(
        "Σ amount_captured",
        "charges with status succeeded (a partial capture counts what was captured)",
        _CREATED,
        "Stripe's Gross volume: " + CONVERTED,
    ),
    ("revenue", "gross", True): Text(
        "Σ amount of balance transactions of category charge",
        "payments as Stripe settled them, converted by Stripe where charged in another currency",
        _SETTLED_DATE,
        "Stripe's Gross volume uses estimated rates; this is what Stripe actually credited.",
    ),
    ("revenue", "net", True): Text(
        "Σ net (amount − fee)",
        "balance transactions of category charge, refund, dispute, dispute_reversal, "
        "partial_capture_reversal and refund_failure",
        _SETTLED_DATE,
        "Stripe's Net volume counts the same transactions; its charts date them by your "
        "account's time zone.",
    ),
    ("revenue", "fees", True): Text(
        "Σ fee",
        "the same balance transactions as net volume (processing, currency conversion and "
        "dispute fees; a won dispute's fee comes back)",
        _SETTLED_DATE,
        DASHBOARD_ZONE,
    ),
    ("refunds", "amount", False): Text(
        "Σ amount",
        "refunds except status failed and canceled",
        "the refund's own created time, not its charge's",
        CONVERTED,
    ),
    ("refunds", "amount", True): Text(
        "−Σ amount of balance transactions of category refund, refund_failure and "
        "partial_capture_reversal",
        "what Stripe took back from the balance for refunds (a failed refund puts it back)",
        _SETTLED_DATE,
        "Converted at the refund's own day's rate, as Stripe does; the Dashboard estimates.",
    ),
    ("refunds", "count", False): Text(
        "count",
        "refunds except status failed and canceled",
        "the refund's own created time",
        DASHBOARD_ZONE,
    ),
    ("disputes", "amount", False): Text(
        "Σ amount",
        "disputes opened, whatever their status",
        "the dispute's created time (when it was opened), not its charge's",
        "The Dashboard also dates disputes by dispute date on its activity charts; " + CONVERTED,
    ),
    ("disputes", "amount", True): Text(
        "−Σ amount of balance transactions of category dispute",
        "the money Stripe withdrew for disputes (a won dispute's reversal is in net volume)",
        _SETTLED_DATE,
        "Converted at the dispute's own day's rate, as Stripe does.",
    ),
    ("disputes", "count", False): Text(
        "count",
        "disputes opened, whatever their status",
        "the dispute's created time",
        "The Dashboard dates disputes by dispute date on activity charts, as Chartivo does.",
    ),
    ("balance_transactions", "amount", True): Text(
        "Σ amount", "every balance transaction", _CREATED, DASHBOARD_ZONE
    ),
    ("balance_transactions", "net", True): Text(
        "Σ net", "every balance transaction", _CREATED, DASHBOARD_ZONE
    ),
    ("balance_transactions", "fee", True): Text(
        "Σ fee", "every balance transaction", _CREATED, DASHBOARD_ZONE
    ),
    ("balance_transactions", "count", False): Text(
        "count", "every balance transaction", _CREATED, DASHBOARD_ZONE
    ),
    ("payouts", "amount", True): Text(
        "Σ amount",
        "payouts paid, in transit or pending (failed and canceled ones moved nothing)",
        "its arrival_date (00:00 UTC of the day the bank receives it), in the zone shown",
        "The Dashboard lists payouts by arrival date too, in your account's time zone.",
    ),
    ("payouts", "count", False): Text(
        "count",
        "payouts paid, in transit or pending",
        "its arrival_date (00:00 UTC of the day the bank receives it)",
        "The Dashboard lists payouts by arrival date too, in your account's time zone.",
    ),
}


def text_of(metric: str, measure: str, settled: bool) -> Text:
    """The text of a figure in a view; counts and settled-only figures have one text."""
    return (
        TEXTS.get((metric, measure, settled))
        or TEXTS.get((metric, measure, not settled))
        or Text("", "", _CREATED, DASHBOARD_ZONE)
    )


def definition_of(resolved: ResolvedSpec) -> Definition:
    metric, measure = resolved.metric, resolved.measure
    text = text_of(metric.key, measure.key, resolved.settled)
    view = _VIEW_TEXT["settlement" if resolved.settled else "charged"]
    if measure.kind == "count":
        view = "Counts have no currency: every currency together."
    elif measure.settled is None:
        view = "Always in settlement currency, as Stripe computes it."
    return Definition(
        title=f"{metric.label}: {measure.label.lower()}",
        formula=text.formula,
        counts=text.counts,
        dated=f"An object counts in the period holding {text.dated}.",
        zone=(
            f"By {resolved.granularity.value} in {resolved.zone.key} (days, weeks and months "
            "start at local midnight); UTC unless you choose a zone."
        ),
        view=view,
        dashboard=_with_zone(text.dashboard),
    )


def _with_zone(dashboard: str) -> str:
    return dashboard if dashboard == DASHBOARD_ZONE else f"{dashboard} {DASHBOARD_ZONE}"


def all_definitions() -> list[tuple[str, str, list[tuple[str, Text]]]]:
    """(metric key, label, [(view label, text)]) for every chart figure, for the pages."""
    out: list[tuple[str, str, list[tuple[str, Text]]]] = []
    for metric in METRICS.values():
        for measure in metric.measures:
            views: list[tuple[str, Text]] = []
            for settled in (False, True):
                text = TEXTS.get((metric.key, measure.key, settled))
                if text is not None:
                    label = VIEWS["settlement" if settled else "charged"]
                    if measure.kind == "count":
                        label = "Every currency"
                    elif measure.settled is None:
                        label = "Settlement currency"
                    views.append(
                        (
                            label,
                            Text(text.formula, text.counts, text.dated, _with_zone(text.dashboard)),
                        )
                    )
            out.append(
                (f"{metric.key}-{measure.key}", f"{metric.label}: {measure.label.lower()}", views)
            )
    return out
