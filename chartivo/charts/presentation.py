"""What the pages write around a chart, from its figures: totals with their change, the
figures as tables (a page of periods at a time), and a Home card's summary. Every number
is formatted here from exact integers in the reader's locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from chartivo.charts.payloads import currency_order, drawn_series, marked_labels
from chartivo.charts.query import ChartFigures, ResolvedSpec
from chartivo.metrics.money import format_money, format_number, format_percent
from chartivo.metrics.series import Series
from chartivo.metrics.windows import Compared

TABLE_PAGE = 100  # periods per page of the figures table
LEADERS = 3  # a breakdown's card names its three largest values


def figure(value: int, kind: str, currency: str, locale: str) -> str:
    if kind == "amount" and currency:
        return format_money(value, currency, locale)
    return format_number(value, locale)


@dataclass(frozen=True)
class Change:
    """A figure against its comparison: the difference, in words and in numbers."""

    previous: str
    difference: str  # "+$1,200.00"
    percent: str  # "+12.3%", or "" when the previous value is 0
    direction: Literal["up", "down", "flat"]
    verdict: Literal["good", "bad", "neutral"]

    @property
    def text(self) -> str:
        words = {"up": "up", "down": "down", "flat": "no change"}[self.direction]
        if self.direction == "flat":
            return f"{words} from {self.previous}"
        percent = f" ({self.percent})" if self.percent else ""
        return f"{words} {self.difference}{percent} from {self.previous}"


def change(
    current: int,
    previous: int,
    *,
    kind: str,
    currency: str,
    locale: str,
    good_when_up: bool = True,
) -> Change:
    difference = current - previous
    direction: Literal["up", "down", "flat"] = (
        "up" if difference > 0 else "down" if difference < 0 else "flat"
    )
    sign = "+" if difference > 0 else "−" if difference < 0 else ""
    amount = figure(abs(difference), kind, currency, locale)
    percent = ""
    if previous:
        percent = sign + format_percent(abs(difference), abs(previous), locale)
    verdict: Literal["good", "bad", "neutral"] = "neutral"
    if direction != "flat":
        verdict = "good" if (direction == "up") == good_when_up else "bad"
    return Change(
        figure(previous, kind, currency, locale), sign + amount, percent, direction, verdict
    )


@dataclass(frozen=True)
class TotalRow:
    name: str
    currency: str
    total: str
    change: Change | None


def totals(
    figures: ChartFigures, resolved: ResolvedSpec, locale: str, *, good_when_up: bool = True
) -> list[TotalRow]:
    """Every series' total, busiest currency first; against the comparison when there is
    one (both cut at the same moment: see chartivo.metrics.windows)."""
    order = {code: index for index, code in enumerate(currency_order(figures))}
    previous = {
        (s.currency, s.key): s.total for s in (figures.previous.series if figures.previous else [])
    }
    compared = isinstance(figures.comparison, Compared)
    rows = []
    for s in sorted(figures.current.series, key=lambda s: order.get(s.currency.upper(), 0)):
        kind, code = s.kind, s.currency
        delta = None
        if compared:
            now = figures.current_to_cut.get((s.currency, s.key), 0)
            delta = change(
                now,
                previous.get((s.currency, s.key), 0),
                kind=kind,
                currency=code,
                locale=locale,
                good_when_up=good_when_up,
            )
        rows.append(TotalRow(s.name, code.upper(), figure(s.total, kind, code, locale), delta))
    return rows


@dataclass(frozen=True)
class FigureRow:
    period_start: str  # ISO 8601 with the zone's offset, as the CSV writes it
    label: str
    figures: list[str]


@dataclass(frozen=True)
class FigureTable:
    """A chart's figures for one currency: a page of periods, one column per series."""

    currency: str
    caption: str
    columns: list[str]
    rows: list[FigureRow]

    def body_html(self) -> SafeString:
        """The rows as HTML: thousands of cells, written here rather than by a template
        loop, which would take ten times as long."""
        lines = []
        for row in self.rows:
            cells = "".join(f'<td class="num">{escape(figure)}</td>' for figure in row.figures)
            lines.append(
                f'<tr><th scope="row"><time datetime="{escape(row.period_start)}">'
                f"{escape(row.label)}</time></th>{cells}</tr>"
            )
        return mark_safe("".join(lines))  # noqa: S308 - every value is escaped above


@dataclass(frozen=True)
class TablePage:
    tables: list[FigureTable]
    number: int
    pages: int
    first: int  # 1-based index of the page's first period
    last: int
    periods: int


def figure_tables(figures: ChartFigures, title: str, locale: str, page: int = 1) -> TablePage:
    chart = figures.current
    count = len(chart.periods)
    pages = max(1, -(-count // TABLE_PAGE))
    number = min(max(1, page), pages)
    lo, hi = (number - 1) * TABLE_PAGE, min(count, number * TABLE_PAGE)
    labels = marked_labels(chart)
    tables = []
    for code in currency_order(figures):
        series = [s for s in chart.series if s.currency.upper() == code]
        rows = [
            FigureRow(
                chart.periods[i].isoformat(),
                labels[i],
                [figure(s.values[i], s.kind, s.currency, locale) for s in series],
            )
            for i in range(lo, hi)
        ]
        caption = f"{title} in {code}" if code else title
        tables.append(FigureTable(code, caption, [s.name for s in series], rows))
    return TablePage(tables, number, pages, lo + 1, hi, count)


@dataclass(frozen=True)
class Leader:
    name: str
    value: str
    colour: int


@dataclass(frozen=True)
class CardSummary:
    """A Home card: the whole range's figure in the main currency, its change, its
    leaders when it is a breakdown, and the trend to draw."""

    total: str
    label: str  # what the figure is: "Charges amount · Last 7 days"
    currency: str
    other_currencies: int
    change: Change | None
    leaders: list[Leader]
    trend: list[int]
    marks: list[str]


def _whole(series: list[Series], size: int) -> list[int]:
    values = [0] * size
    for s in series:
        for index, value in enumerate(s.values):
            values[index] += value
    return values


def card_summary(
    figures: ChartFigures, resolved: ResolvedSpec, range_label: str, locale: str
) -> CardSummary | None:
    chart = figures.current
    currencies = currency_order(figures)
    if not chart.series or not currencies:
        return None
    main = currencies[0]
    series = [s for s in chart.series if s.currency.upper() == main]
    breakdown = resolved.breakdown
    kind = resolved.measure.kind
    if breakdown is not None and breakdown.dimension == "parts":
        # Gross, net and fees are not parts of one whole: the card shows the chosen measure.
        chosen = resolved.measure.parts[0].series_key
        headline = [s for s in series if s.key == chosen] or series[:1]
        others = [s for s in series if s not in headline]
    else:
        headline, others = series, series if breakdown is not None else []
    trend = _whole(headline, len(chart.periods))
    keys = {(s.currency, s.key) for s in headline}
    delta = None
    if isinstance(figures.comparison, Compared) and figures.previous is not None:
        now = sum(v for k, v in figures.current_to_cut.items() if k in keys)
        before = sum(s.total for s in figures.previous.series if (s.currency, s.key) in keys)
        delta = change(now, before, kind=kind, currency=main.lower(), locale=locale)
    breakdown_key = breakdown.key if breakdown else ""
    leaders = [
        Leader(d.name, figure(d.total, kind, main.lower(), locale), d.colour)
        for d in drawn_series(others, breakdown_key, fold=False)[:LEADERS]
    ]
    name = headline[0].name if len(headline) == 1 else resolved.metric.label
    return CardSummary(
        total=figure(sum(trend), kind, main.lower(), locale),
        label=f"{name} · {range_label}",
        currency=main,
        other_currencies=len(currencies) - 1,
        change=delta,
        leaders=leaders,
        trend=trend,
        marks=[],
    )


def file_name(*parts: str, extension: str) -> str:
    """``gross-volume-revenue-last-30-days-america-new-york-usd.png``: each part once."""
    words: list[str] = []
    for part in parts:
        word = slugify(part.replace("/", " ").replace("_", " "))
        if word and word not in words:
            words.append(word)
    return "-".join(words or ["chartivo"]) + "." + extension
