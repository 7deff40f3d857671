"""Golden tests: every chart the app draws equals an independent computation (issue 4).

For the seeded accounts synced once for the package (``conftest.golden``), every metric ×
measure × breakdown is drawn at every granularity, for "Last 30 days" and for a Custom
range across a DST change, in UTC, America/New_York, Asia/Kolkata (+05:30) and
Asia/Kathmandu (+05:45), and compared with ``tests.support.reference`` computed from the
raw objects: every period, every series, every currency, exactly.

A chart is fetched as the browser and a user get it, ``data.json`` and the CSV export,
and both are held to the reference (the CSV row by row, in major units). The one
exception is the largest: "Last 30 days" by the hour (720 periods, up to ~40 series) is
read from ``chart_data``, the function both endpoints draw from, and compared as integers;
its formatting is the same code the 15 other charts of the same definition check.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec, chart_data, resolve
from chartivo.integrations.stripe.catalogue import METRICS
from tests.support.reference import (
    DEFINITIONS,
    GRANULARITIES,
    Calendar,
    Definition,
    ReferenceChart,
    compute,
    custom_range,
    decimals,
    label_at,
    last_days_range,
    major_units,
)

from .conftest import Golden, Synced

pytestmark = pytest.mark.django_db
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
RANGES = ("last_30_days", "custom")
CSV_HEADER = ["period_start", "currency", "series", "value"]
SHOWN_MISMATCHES = 12


@dataclass
class Served:
    """One chart as the app serves it, and the clock readings around the two requests."""

    payload: dict[str, Any]
    csv_rows: list[list[str]]
    asked_at: datetime
    answered_at: datetime


def _serve(client: Client, chart: Chart, zone: ZoneInfo) -> Served:
    """GETs a chart's data.json and CSV within one local hour of its zone.

    "Last 30 days" ends now, so a new hour (or local day) starting between the two
    requests would give them different periods: then both are asked again.
    """
    for _ in range(3):
        asked_at = datetime.now(UTC)
        response = client.get(f"/charts/{chart.pk}/data.json")
        exported = client.get(f"/charts/{chart.pk}/export.csv")
        answered_at = datetime.now(UTC)
        assert response.status_code == 200 and exported.status_code == 200
        assert exported["Content-Type"].startswith("text/csv")
        hours = {label_at(int(t.timestamp()), zone, "hour") for t in (asked_at, answered_at)}
        if len(hours) == 1:
            rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8"))))
            return Served(json.loads(response.content), rows, asked_at, answered_at)
    raise AssertionError("the clock kept crossing an hour boundary")


@functools.cache  # hours without activity repeat "0.00 USD" thousands of times
def _shown_exactly(text: str, currency: str, kind: str) -> int:
    """The integer a tooltip shows ("1,234.50 USD" -> 123450), refusing wrong decimals."""
    if kind == "count":
        return int(text.replace(",", ""))
    number, code = text.rsplit(" ", 1)
    assert code == currency.upper(), f"{text!r} is not labelled {currency.upper()}"
    places = decimals(currency)
    fraction = number.partition(".")[2]
    assert len(fraction) == places, f"{text!r} should have {places} decimals"
    return int(Decimal(number.replace(",", "")).scaleb(places))


@functools.cache
def _csv_value(value: int, currency: str, kind: str) -> str:
    return str(value) if kind == "count" else major_units(value, currency)


def _value_mismatches(
    label: str, periods: list[str], app: list[Any], reference: list[Any]
) -> list[str]:
    if app == reference:
        return []
    return [
        f"{label} @ {period}: app {a}, reference {r}"
        for period, a, r in zip(periods, app, reference, strict=True)
        if a != r
    ]


def _same_series(where: str, app: set[Any], reference: ReferenceChart) -> list[str]:
    if app == set(reference.series):
        return []
    missing = sorted(set(reference.series) - app)
    extra = sorted(app - set(reference.series))
    return [f"{where}: series missing {missing}, unexpected {extra}"]


def _compare_served(
    where: str, served: Served, reference: ReferenceChart, zone: ZoneInfo
) -> tuple[list[str], int]:
    """Mismatches between data.json + CSV and the reference, and how many numbers agreed."""
    chart = served.payload["chart"]
    periods = [p.isoformat() for p in reference.periods]
    if chart["zone"] != zone.key or chart["periods"] != periods:
        return [f"{where}: periods {chart['periods'][:3]}… != {periods[:3]}…"], 0
    by_key = {(s["currency"].lower(), s["key"]): s for s in chart["series"]}
    problems = _same_series(where, set(by_key), reference)
    if problems:
        return problems, 0
    compared = 0
    for (currency, key), values in reference.series.items():
        s = by_key[currency, key]
        label = f"{where} {currency.upper() or '-'} {key or '(total)'}"
        places = 0 if reference.kind == "count" else decimals(currency)
        if (s["kind"], s["decimals"]) != (reference.kind, places):
            problems.append(f"{label}: {s['kind']} with {s['decimals']} decimals")
            continue
        shown = [_shown_exactly(text, currency, s["kind"]) for text in s["display"]]
        problems += _value_mismatches(f"{label} tooltip", periods, shown, values)
        plotted = [v / 10**places if places else v for v in values]
        problems += _value_mismatches(f"{label} plotted", periods, s["values"], plotted)
        total = sum(values)
        if (s["total_minor"], _shown_exactly(s["total"], currency, s["kind"])) != (total, total):
            problems.append(f"{label}: total {s['total_minor']} ({s['total']}), not {total}")
        compared += 2 * len(values) + 1
    # The CSV: one row per period and series, in the chart's series order, in major units.
    expected = [CSV_HEADER] + [
        [period, s["currency"], s["name"], _csv_value(reference.series[s["currency"].lower(), s["key"]][i], s["currency"].lower(), s["kind"])]
        for i, period in enumerate(periods)
        for s in chart["series"]
    ]
    if served.csv_rows != expected:
        wrong = [
            f"{where} CSV row {n}: {got} != {want}"
            for n, (got, want) in enumerate(zip(served.csv_rows, expected), start=1)
            if got != want
        ]
        problems += wrong or [f"{where} CSV: {len(served.csv_rows)} rows, not {len(expected)}"]
    return problems, compared + len(expected) - 1


def _compare_data(where: str, synced: Synced, spec: ChartSpec, golden: Golden, definition: Definition, zone: ZoneInfo) -> tuple[list[str], int]:
    """``chart_data`` (the numbers behind both endpoints) against the reference."""
    now = datetime.now(UTC)
    data = chart_data(synced.connection_id, resolve(spec, now=now))
    start, end = last_days_range(30, zone, now)
    reference = compute(definition, synced.snapshot, Calendar(zone, spec.granularity, start, end))
    periods = [p.isoformat() for p in reference.periods]
    if [p.isoformat() for p in data.periods] != periods:
        return [f"{where}: periods {data.periods[:3]}… != {periods[:3]}…"], 0
    by_key = {(s.currency, s.key): s for s in data.series}
    problems = _same_series(where, set(by_key), reference)
    if problems:
        return problems, 0
    compared = 0
    for (currency, key), values in reference.series.items():
        s = by_key[currency, key]
        problems += _value_mismatches(f"{where} {currency.upper() or '-'} {key or '(total)'}", periods, s.values, values)
        compared += len(values)
    return problems, compared


def _window(served: Served, range_name: str, zone: ZoneInfo, custom: tuple[date, date]) -> tuple[datetime, datetime]:
    """The chart's window, stated independently; its "now" is checked against the clock."""
    if range_name == "custom":
        return custom_range(*custom, zone)
    start, _ = last_days_range(30, zone, served.asked_at)
    end = datetime.fromisoformat(served.payload["chart"]["range"]["end"])
    assert served.asked_at <= end <= served.answered_at, "Last 30 days does not end now"
    return start, end


@pytest.mark.parametrize("range_name", RANGES)
@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.id)
def test_the_chart_and_its_csv_equal_the_reference(
    golden: Golden, definition: Definition, range_name: str
) -> None:
    synced = golden.synced(range_name)
    custom = range_name == "custom"
    problems: list[str] = []
    compared = 0
    for zone_name in ZONES:
        zone = ZoneInfo(zone_name)
        for granularity in GRANULARITIES:
            where = f"{zone_name} {granularity}"
            spec = ChartSpec(
                metric=definition.metric,
                measure=definition.measure,
                breakdown=definition.breakdown,
                range_preset=range_name,
                custom_start=golden.custom[0] if custom else None,
                custom_end=golden.custom[1] if custom else None,
                granularity=granularity,
                time_zone=zone_name,
            )
            if granularity == "hour" and not custom:
                found, agreed = _compare_data(where, synced, spec, golden, definition, zone)
                problems += found
                compared += agreed
                continue
            chart = Chart.objects.create(owner=synced.user, name=where, **vars(spec))
            served = _serve(synced.client, chart, zone)
            assert served.payload["state"] in ("ready", "empty"), served.payload
            start, end = _window(served, range_name, zone, golden.custom)
            assert served.payload["chart"]["range"]["start"] == start.isoformat()
            reference = compute(definition, synced.snapshot, Calendar(zone, granularity, start, end))
            assert (served.payload["state"] == "empty") == (not reference.series)
            found, agreed = _compare_served(where, served, reference, zone)
            problems += found
            compared += agreed
    assert not problems, (
        f"{len(problems)} mismatches ({compared} numbers agreed), first ones:\n"
        + "\n".join(problems[:SHOWN_MISMATCHES])
    )


def test_the_reference_covers_every_chart_the_app_offers() -> None:
    offered = {
        (metric.key, measure.key, breakdown)
        for metric in METRICS.values()
        for measure in metric.measures
        for breakdown in ("", *(b.key for b in metric.breakdowns))
    }
    assert offered == {(d.metric, d.measure, d.breakdown) for d in DEFINITIONS}
