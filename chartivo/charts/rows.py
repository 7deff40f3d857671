"""A chart query's groups (as the database returns them) turned into the rows a chart is
built from: one value per bucket, currency and series, or the objects behind each."""

from __future__ import annotations

from typing import Any

from chartivo.integrations.stripe.catalogue import Part
from chartivo.metrics.queries import Window

Row = tuple[int, str, str, int]  # a BucketRow's fields: bucket, currency, series key, value


def figure_rows(
    groups: list[tuple[Any, ...]], parts: list[Part], split: bool, window: Window
) -> tuple[list[Row], dict[str, int]]:
    """The chart's rows from the query's groups (as the database returned them: a month by
    the hour of a wide breakdown is tens of thousands), and the objects behind each
    currency in ``window``, in one pass."""
    size = len(parts)
    keys = [part.series_key for part in parts]
    signs = [part.sign for part in parts]
    activity: dict[str, int] = {}
    if size == 1:  # most charts: one sum per group, read in two quick passes
        sign = signs[0]
        if split:
            rows = [(g[0], g[1], g[2] or "", sign * g[3]) for g in groups if g[4]]
        else:
            rows = [(g[0], g[1], keys[0], sign * g[3]) for g in groups if g[4]]
        for group in groups:
            if window.lo <= group[0] < window.hi:
                code = group[1].upper()
                activity[code] = activity.get(code, 0) + group[4]
        return rows, activity
    rows = []
    append = rows.append
    for group in groups:
        bucket, currency = group[0], group[1]
        split_key = (group[2] or "") if split else ""
        objects = 0
        for index in range(size):
            count = group[3 + size + index]
            if count:
                value = signs[index] * group[3 + index]
                append((bucket, currency, split_key if split else keys[index], value))
                objects = max(objects, count)
        if window.lo <= bucket < window.hi:
            code = currency.upper()
            activity[code] = activity.get(code, 0) + objects
    return rows, activity


def count_rows(groups: list[tuple[Any, ...]], parts: list[Part], split: bool) -> list[Row]:
    """Like ``figure_rows``, with the objects behind each value in place of the value."""
    size = len(parts)
    rows = []
    for group in groups:
        split_key = (group[2] or "") if split else ""
        for index, part in enumerate(parts):
            count = group[3 + size + index]
            if count:
                rows.append((group[0], group[1], split_key if split else part.series_key, count))
    return rows
