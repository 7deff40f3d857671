"""What the chart pages show around a chart, taken from the very payload the chart is drawn
from (``chartivo.metrics.export.chart_json``): the currency switcher's order, the figures
as tables, and a Home card's headline. Pure: dictionaries in, dictionaries out.

Currencies are shown one at a time, never on one axis: a chart of USD and JPY on a shared
scale makes the dollars a flat line at the bottom (¥10,000 is about $65).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NO_CURRENCY = ""  # counts that have none (new customers)


def currency_order(chart: dict[str, Any]) -> list[str]:
    """The chart's currencies, busiest first: by how many objects each had in the range
    (``activity``, when the payload carries it), then by active periods, then by code.

    The first is the one a chart draws when it opens, so that it shows the business's
    main currency rather than whichever code sorts first.
    """
    objects: dict[str, int] = chart.get("activity") or {}
    active: dict[str, int] = {}
    for series in chart["series"]:
        periods = sum(1 for value in series["values"] if value)
        active[series["currency"]] = active.get(series["currency"], 0) + periods
    return sorted(
        active, key=lambda currency: (-objects.get(currency, 0), -active[currency], currency)
    )


def series_by_currency(chart: dict[str, Any]) -> list[dict[str, Any]]:
    """Every series, grouped by currency in ``currency_order`` (for the totals table)."""
    order = {currency: index for index, currency in enumerate(currency_order(chart))}
    return sorted(chart["series"], key=lambda series: order[series["currency"]])


@dataclass(frozen=True)
class FigureRow:
    period_start: str  # ISO 8601 with the zone's offset, as the CSV writes it
    label: str
    figures: list[str]


@dataclass(frozen=True)
class FigureTable:
    """A chart's figures for one currency: one row per period, one column per series."""

    currency: str
    caption: str
    columns: list[str]
    rows: list[FigureRow]


def figure_tables(chart: dict[str, Any], title: str) -> list[FigureTable]:
    tables = []
    for currency in currency_order(chart):
        series = [s for s in chart["series"] if s["currency"] == currency]
        rows = [
            FigureRow(start, label, [s["display"][index] for s in series])
            for index, (start, label) in enumerate(
                zip(chart["periods"], chart["labels"], strict=True)
            )
        ]
        caption = f"{title} in {currency}" if currency else title
        tables.append(FigureTable(currency, caption, [s["name"] for s in series], rows))
    return tables


@dataclass(frozen=True)
class Headline:
    """A Home card's figures: the latest period of the chart's main series, and its trend."""

    latest: str
    period: str
    series: str
    total: str
    other_currencies: int
    trend: dict[str, Any]  # what the card's small rendering draws


def headline(chart: dict[str, Any]) -> Headline | None:
    if not chart["series"] or not chart["periods"]:
        return None
    currencies = currency_order(chart)
    main = next(s for s in chart["series"] if s["currency"] == currencies[0])
    name = f"{main['name']} · {main['currency']}" if main["currency"] else main["name"]
    return Headline(
        latest=main["display"][-1],
        period=chart["labels"][-1],
        series=name,
        total=main["total"],
        other_currencies=len(currencies) - 1,
        trend={"labels": chart["labels"], "values": main["values"], "name": name},
    )
