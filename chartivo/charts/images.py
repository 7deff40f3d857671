"""A chart as a PNG or SVG image, drawn on the server from the payload its page draws.

matplotlib draws both formats from one figure, so the numbers are the page's own (the same
``ChartPayload``: series, currency, comparison, withheld values), and the image says what
it holds — title, range, zone and currency — in its text, as a reader or a deck needs it.
SVG keeps that text as text (``svg.fonttype: none``); a PNG also carries it in its
metadata (Title, Description), where programs that file images read it.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Literal

from chartivo.charts.payloads import ChartPayload, DrawnSeries

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Format = Literal["png", "svg"]
# The page's palette (static/js/charts.js), so a series keeps its colour in the image.
PALETTE = (
    "#4f46e5",
    "#0891b2",
    "#16a34a",
    "#d97706",
    "#dc2626",
    "#7c3aed",
    "#db2777",
    "#0d9488",
    "#65a30d",
    "#ea580c",
    "#2563eb",
    "#9333ea",
)
OTHER = "#94a3b8"
MAX_TICKS = 10
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _colour(series: DrawnSeries) -> str:
    return PALETTE[series.colour % len(PALETTE)] if series.colour >= 0 else OTHER


def _points(series: DrawnSeries, scale: int) -> list[float]:
    hidden = set(series.hidden)
    return [math.nan if i in hidden else v / scale for i, v in enumerate(series.values)]


def _draw_series(axes: Axes, payload: ChartPayload, chart_type: str) -> None:
    scale = 10**payload.decimals
    positions = list(range(len(payload.labels)))
    bottoms = [0.0] * len(positions)
    for series in payload.series:
        values = _points(series, scale)
        colour = _colour(series)
        if chart_type == "bar":
            width = 0.8 if payload.stacked else 0.8 / max(1, len(payload.series))
            offset = 0.0 if payload.stacked else width * payload.series.index(series) - 0.4
            xs = [p + offset + (0 if payload.stacked else width / 2) for p in positions]
            axes.bar(xs, values, width, bottom=bottoms, color=colour, label=series.name)
            if payload.stacked:
                bottoms = [
                    b + (0 if math.isnan(v) else v) for b, v in zip(bottoms, values, strict=True)
                ]
        else:
            axes.plot(positions, values, color=colour, linewidth=2, label=series.name)
            if chart_type == "area":
                axes.fill_between(positions, values, color=colour, alpha=0.25)
    comparison = payload.comparison
    if comparison is not None and comparison.series:
        name = comparison.label.split(":")[0]
        for series in comparison.series:
            values = _points(series, scale)[: len(positions)]
            axes.plot(
                positions[: len(values)],
                values,
                color=_colour(series),
                linestyle="--",
                linewidth=1.5,
                alpha=0.7,
                label=f"{series.name} — {name}",
            )


def render(
    payload: ChartPayload,
    *,
    title: str,
    subtitle: str,
    footer: str,
    chart_type: str,
    fmt: Format,
) -> bytes:
    # Imported here: a web process pays for matplotlib (and its font cache, built once per
    # machine) at its first export, not at start-up. The object API only (no pyplot): no
    # global figure state shared by the server's threads.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "chartivo"}):
        figure = Figure(figsize=(11, 5.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(title, x=0.01, ha="left", fontsize=15, fontweight="bold")
        axes = figure.add_subplot()
        axes.set_title(subtitle, loc="left", fontsize=10, color="#5f6672")
        _draw_series(axes, payload, chart_type)
        count = len(payload.labels)
        step = max(1, math.ceil(count / MAX_TICKS))
        ticks = list(range(0, count, step))
        axes.set_xticks(ticks, [payload.labels[i] for i in ticks], fontsize=8)
        decimals = payload.decimals if payload.kind == "amount" else 0
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.{decimals}f}"))
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", color="#e5e7eb")
        axes.spines[["top", "right"]].set_visible(False)
        if payload.series:
            axes.legend(loc="upper left", fontsize=8, frameon=False)
        else:
            axes.text(0.5, 0.5, payload.message or "No Data", ha="center", transform=axes.transAxes)
        axes.set_xlabel(footer, fontsize=8, color="#5f6672", loc="left")
        out = io.BytesIO()
        metadata = (
            {"Title": title, "Description": subtitle, "Software": "Chartivo"}
            if fmt == "png"
            else {"Title": title, "Description": subtitle, "Date": None, "Creator": "Chartivo"}
        )
        figure.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()
