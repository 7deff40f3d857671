"""A chart as CSV rows and as JSON for the browser, with the very same numbers.

Both formats take every figure from the integers in ``ChartData`` through
``chartivo.metrics.money``: the CSV's ``1234.50`` and the tooltip's ``1,234.50 USD`` are
two spellings of one exact value. Floats appear only in ``values``, which the browser
needs as numbers to draw the chart and never shows as text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chartivo.metrics.money import format_count, format_display, format_major, minor_unit_exponent
from chartivo.metrics.periods import Granularity
from chartivo.metrics.series import ChartData, Series

CSV_HEADER = ["period_start", "currency", "series", "value"]
# Fixed English abbreviations rather than strftime("%b"), which follows the C locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _plain(series: Series, value: int) -> str:
    if series.kind == "count":
        return str(value)
    return format_major(value, series.currency)


def _display(series: Series, value: int) -> str:
    if series.kind == "count":
        return format_count(value)
    return format_display(value, series.currency)


def iter_csv_rows(chart: ChartData) -> Iterator[list[str]]:
    """The header, then one row per period and series (periods first, series in order)."""
    yield list(CSV_HEADER)
    labels = [(series, series.currency.upper(), series.name) for series in chart.series]
    for index, start in enumerate(chart.periods):
        stamp = start.isoformat()  # e.g. 2026-11-01T00:00:00-04:00: the offset is the zone's
        for series, currency, name in labels:
            yield [stamp, currency, name, _plain(series, series.values[index])]


def series_points(series: Series, periods: list[datetime]) -> list[tuple[str, str]]:
    """One series as (period start, value) pairs, written exactly as in the CSV: the read
    API's figures are the CSV's."""
    return [
        (start.isoformat(), _plain(series, value))
        for start, value in zip(periods, series.values, strict=True)
    ]


def plain_total(series: Series) -> str:
    return _plain(series, series.total)


def csv_rows(chart: ChartData) -> list[list[str]]:
    return list(iter_csv_rows(chart))


def _field(text: str) -> str:
    """One CSV field as ``csv.writer`` writes it (RFC 4180): quoted only when it must be."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(chart: ChartData, *, rows_per_chunk: int = 2000) -> Iterator[str]:
    """``iter_csv_rows`` as CSV text in chunks, for streaming: the same bytes
    ``csv.writer`` would write, a few times faster (a month by the hour of a wide
    breakdown is tens of thousands of rows)."""
    lines = [",".join(CSV_HEADER) + "\r\n"]
    heads = [
        (series, f"{_field(series.currency.upper())},{_field(series.name)},")
        for series in chart.series
    ]
    for index, start in enumerate(chart.periods):
        stamp = start.isoformat() + ","
        for series, head in heads:
            lines.append(f"{stamp}{head}{_plain(series, series.values[index])}\r\n")
        if len(lines) >= rows_per_chunk:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def _offset(start: datetime) -> str:
    return "UTC" + start.isoformat(timespec="seconds")[19:]  # "UTC-04:00"


def labels(chart: ChartData) -> list[str]:
    """Short labels, one per period, all different from one another.

    "Nov 3" (day), "Nov 3 14:00" (hour), "Week of Nov 3", "Nov 2026"; dates carry their
    year when the chart spans more than one. An hour a fall-back night repeats, and any
    other clash, is told apart by its UTC offset: "Nov 1 01:00 (UTC-04:00)".
    """
    with_year = len({start.year for start in chart.periods}) > 1

    def day(start: datetime) -> str:
        text = f"{_MONTHS[start.month - 1]} {start.day}"
        return f"{text}, {start.year}" if with_year else text

    granularity = chart.granularity
    texts: list[str] = []
    for start in chart.periods:
        if granularity == Granularity.HOUR:
            texts.append(f"{day(start)} {start:%H:%M}")
        elif granularity == Granularity.DAY:
            texts.append(day(start))
        elif granularity == Granularity.WEEK:
            texts.append(f"Week of {day(start)}")
        else:
            texts.append(f"{_MONTHS[start.month - 1]} {start.year}")
    seen = Counter(texts)
    return [
        f"{text} ({_offset(start)})" if seen[text] > 1 else text
        for text, start in zip(texts, chart.periods, strict=True)
    ]


def _series_json(series: Series) -> dict[str, Any]:
    decimals = 0 if series.kind == "count" else minor_unit_exponent(series.currency)
    scale = 10**decimals
    return {
        "key": series.key,
        "name": series.name,
        "currency": series.currency.upper(),
        "kind": series.kind,
        "decimals": decimals,
        # For plotting only: int / int division is correctly rounded to the nearest float.
        "values": [value / scale if decimals else value for value in series.values],
        "display": [_display(series, value) for value in series.values],
        "total": _display(series, series.total),
        "total_minor": series.total,
    }


def chart_json(chart: ChartData) -> dict[str, Any]:
    """What the chart page's script draws from; times are ISO 8601 in the chart's zone."""
    zone = chart.zone
    return {
        "zone": zone.key,
        "granularity": str(chart.granularity),
        "range": {
            "start": chart.time_range.start.astimezone(zone).isoformat(),
            "end": chart.time_range.end.astimezone(zone).isoformat(),
        },
        "labels": labels(chart),
        "periods": [start.isoformat() for start in chart.periods],
        "series": [_series_json(series) for series in chart.series],
        "empty": chart.is_empty,
    }
