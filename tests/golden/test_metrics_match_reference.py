"""Golden tests: every chart the app draws equals an independent computation
from the sandbox's own objects.

For the seeded accounts synced once for the package (``conftest.golden``), every metric ×
measure × breakdown is drawn at every granularity, for "Last 30 days" and for a Custom
range across a DST change, in UTC, America/New_York, Asia/Kolkata (+05:30) and
Asia/Kathmandu (+05:45), and compared with ``tests.support.reference`` computed from the
raw objects: every period, every series, every currency, exactly.

A chart is fetched as the browser and a user get it, ``data.json`` and the CSV export,
and both are held to the reference: the tooltip texts and plotted values, the totals, and
the CSV row by row in major units. The one exception is the largest: "Last 30 days" by the
hour (720 periods, up to ~40 series) is read from ``chart_figures``, the function both
endpoints draw from, and compared as integers; its formatting is the same code the other
charts of the same definition, the Custom range by the hour among them, check.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from chartivo.charts.models import Chart
from chartivo.charts.query import ChartSpec, chart_figures, resolve
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
from tests.support.reference_money import PAYOUT_DEFINITIONS

from .conftest import Golden, Synced

# One worker builds the golden accounts once and runs every test that reads them.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("golden")]
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
RANGES = ("last_30_days", "custom")
CSV_HEADER = ["period_start", "currency", "series", "value"]
SHOWN_MISMATCHES = 12
Outcome = tuple[list[str], int]  # mismatches, and how many numbers agreed


@dataclass
class Served:
    """One chart as the app serves it (data.json in each of its currencies, and its CSV),
    and the clock readings around the requests."""

    payload: dict[str, Any]  # data.json as the page opens it (the busiest currency)
    by_currency: dict[str, dict[str, Any]]  # data.json in each currency it offers
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
        assert response.status_code == 200
        payload = json.loads(response.content)
        by_currency = {
            code: client.get(f"/charts/{chart.pk}/data.json", {"currency": code}).json()
            for code in payload["currencies"]
        }
        exported = client.get(f"/charts/{chart.pk}/export.csv")
        answered_at = datetime.now(UTC)
        assert exported.status_code in (200, 409)
        hours = {label_at(int(t.timestamp()), zone, "hour") for t in (asked_at, answered_at)}
        if len(hours) == 1:
            rows: list[list[str]] = []
            if exported.status_code == 200:
                assert exported["Content-Type"].startswith("text/csv")
                text = b"".join(cast(Any, exported).streaming_content).decode("utf-8")
                rows = list(csv.reader(io.StringIO(text)))
            return Served(payload, by_currency, rows, asked_at, answered_at)
    raise AssertionError("the clock kept crossing an hour boundary")


def _window(
    served: Served, range_name: str, zone: ZoneInfo, custom: tuple[date, date]
) -> tuple[datetime, datetime]:
    """The chart's window, stated independently; its "now" is checked against the clock."""
    if range_name == "custom":
        return custom_range(*custom, zone)
    start, _ = last_days_range(30, zone, served.asked_at)
    end = datetime.fromisoformat(served.payload["range_end"])
    assert served.asked_at <= end <= served.answered_at, "Last 30 days does not end now"
    return start, end


@functools.cache
def _csv_value(value: int, currency: str, kind: str) -> str:
    return str(value) if kind == "count" else major_units(value, currency)


def _series_label(where: str, currency: str, key: str) -> str:
    return f"{where} {currency.upper() or '-'} {key or '(total)'}"


def _mismatches(label: str, periods: list[str], app: list[Any], reference: list[Any]) -> list[str]:
    if app == reference:  # the common case, compared in one go
        return []
    return [
        f"{label} @ {period}: app {a}, reference {r}"
        for period, a, r in zip(periods, app, reference, strict=True)
        if a != r
    ]


def _series_mismatch(where: str, app: set[Any], reference: ReferenceChart) -> list[str]:
    if app == set(reference.series):
        return []
    missing = sorted(set(reference.series) - app)
    extra = sorted(app - set(reference.series))
    return [f"{where}: series missing {missing}, unexpected {extra}"]


def _compare_drawn(where: str, served: Served, reference: ReferenceChart) -> Outcome:
    """data.json in each currency: every series drawn (and "Other", the sum of the rest)."""
    periods = [p.isoformat() for p in reference.periods]
    problems: list[str] = []
    compared = 0
    drawn_keys: set[tuple[str, str]] = set()
    for code, payload in served.by_currency.items():
        currency = code.lower()
        if payload["periods"] != periods:
            return [f"{where} {code}: periods {payload['periods'][:3]}… != {periods[:3]}…"], 0
        places = 0 if reference.kind == "count" or not currency else decimals(currency)
        if (payload["kind"], payload["decimals"]) != (reference.kind, places):
            problems.append(
                f"{where} {code}: {payload['kind']} with {payload['decimals']} decimals"
            )
        for s in payload["series"]:
            keys = s["members"] or [s["key"]]
            drawn_keys |= {(currency, key) for key in keys}
            found = [reference.series.get((currency, key)) for key in keys]
            if any(values is None for values in found):
                problems.append(f"{where} {code}: {keys} drawn, not in the reference")
                continue
            want = [sum(column) for column in zip(*found, strict=True)]
            label = _series_label(where, currency, s["key"])
            problems += _mismatches(label, periods, s["values"], want)
            if s["total"] != sum(want):
                problems.append(f"{label}: total {s['total']}, not {sum(want)}")
            compared += len(want) + 1
    if drawn_keys != set(reference.series):
        problems.append(f"{where}: drawn {sorted(drawn_keys ^ set(reference.series))} differ")
    return problems, compared


def _compare_served(where: str, served: Served, reference: ReferenceChart) -> Outcome:
    """data.json and the CSV against the reference."""
    periods = [p.isoformat() for p in reference.periods]
    problems, compared = _compare_drawn(where, served, reference)
    if problems:
        return problems, compared
    names = {
        (code.lower(), key): name
        for code, payload in served.by_currency.items()
        for s in payload["series"]
        for key, name in (
            zip(s["members"], s["member_names"], strict=True)
            if s["members"]
            else [(s["key"], s["name"])]
        )
    }
    # The CSV: one row per period and series, in major units; series in the chart's
    # order (currency, then largest total first).
    order = sorted(reference.series, key=lambda k: (k[0], -sum(reference.series[k]), k[1]))
    expected = [CSV_HEADER]
    for index, period in enumerate(periods):
        for currency, key in order:
            value = reference.series[currency, key][index]
            expected.append(
                [
                    period,
                    currency.upper(),
                    names[currency, key],
                    _csv_value(value, currency, reference.kind),
                ]
            )
    if served.csv_rows != expected:
        wrong = [
            f"{where} CSV row {n}: {got} != {want}"
            for n, (got, want) in enumerate(zip(served.csv_rows, expected, strict=False), start=1)
            if got != want
        ]
        problems += wrong or [f"{where} CSV: {len(served.csv_rows)} rows, not {len(expected)}"]
    return problems, compared + len(expected) - 1


def _compare_data(where: str, synced: Synced, spec: ChartSpec, definition: Definition) -> Outcome:
    """``chart_figures`` (the numbers behind both endpoints) against the reference."""
    zone, now = ZoneInfo(spec.time_zone), datetime.now(UTC)
    data = chart_figures(synced.connection_id, resolve(spec, now=now)).current
    calendar = Calendar(zone, spec.granularity, *last_days_range(30, zone, now))
    reference = compute(definition, synced.snapshot, calendar)
    periods = [p.isoformat() for p in reference.periods]
    if [p.isoformat() for p in data.periods] != periods:
        return [f"{where}: periods {data.periods[:3]}… != {periods[:3]}…"], 0
    by_key = {(s.currency, s.key): s for s in data.series}
    problems = _series_mismatch(where, set(by_key), reference)
    if problems:
        return problems, 0
    compared = 0
    for (currency, key), values in reference.series.items():
        label = _series_label(where, currency, key)
        problems += _mismatches(label, periods, by_key[currency, key].values, values)
        compared += len(values)
    return problems, compared


def _compare_chart(
    golden: Golden, definition: Definition, range_name: str, zone_name: str, granularity: str
) -> Outcome:
    synced, custom = golden.synced(range_name), range_name == "custom"
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
        return _compare_data(where, synced, spec, definition)
    zone = ZoneInfo(zone_name)
    fields = {k: v for k, v in vars(spec).items() if k != "view"}  # the view is not saved
    chart = Chart.objects.create(owner=synced.user, name=where, **fields)
    served = _serve(synced.client, chart, zone)
    state = served.payload["state"]
    assert state in ("ready", "zero", "empty"), served.payload
    assert served.payload["zone"] == zone_name  # shown on the chart
    start, end = _window(served, range_name, zone, golden.custom)
    assert served.payload["range_start"] == start.isoformat()
    assert not custom or served.payload["range_end"] == end.isoformat()
    calendar = Calendar(zone, granularity, start, end)
    drawn_at = served.payload["granularity"]
    if state != "empty" and drawn_at != granularity:
        # A granularity that gives the range a single period (a month of one month) is
        # not offered: the chart is drawn at the nearest one that fits.
        assert len(calendar.periods) < 2 or len(calendar.periods) > 744, (where, drawn_at)
        calendar = Calendar(zone, drawn_at, start, end)
    reference = compute(definition, synced.snapshot, calendar)
    if not reference.series:  # zero is a value; "No Data" only for a range with no activity
        assert state in ("zero", "empty"), state
        return [], 0
    return _compare_served(where, served, reference)


@pytest.mark.parametrize("range_name", RANGES)
@pytest.mark.parametrize("definition", DEFINITIONS + PAYOUT_DEFINITIONS, ids=lambda d: d.id)
def test_the_chart_and_its_csv_equal_the_reference(
    golden: Golden, definition: Definition, range_name: str
) -> None:
    problems: list[str] = []
    compared = 0
    for zone_name in ZONES:
        for granularity in GRANULARITIES:
            found, agreed = _compare_chart(golden, definition, range_name, zone_name, granularity)
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
    every = DEFINITIONS + PAYOUT_DEFINITIONS
    assert offered == {(d.metric, d.measure, d.breakdown) for d in every}
