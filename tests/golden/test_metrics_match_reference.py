"""Golden tests: every chart the app draws equals an independent computation (issue 4).

For one seeded account, synced once (``conftest.golden``), every metric × measure ×
breakdown is drawn at every granularity, for "Last 30 days" and for a Custom range, in
UTC, America/New_York (across a DST change), Asia/Kolkata (+05:30) and Asia/Kathmandu
(+05:45). Each chart is fetched the way the browser and a user get it, as ``data.json``
and as CSV, and compared with ``tests.support.reference`` computed from the raw objects:
every period, every series, every currency, exactly.
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

from .conftest import Golden

pytestmark = pytest.mark.django_db
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
RANGES = ("last_30_days", "custom")
CSV_HEADER = ["period_start", "currency", "series", "value"]
SHOWN_MISMATCHES = 12


@dataclass
class Drawn:
    """One chart as the app serves it, and the clock readings around the two requests."""

    payload: dict[str, Any]
    csv_rows: list[list[str]]
    asked_at: datetime
    answered_at: datetime


def _draw(client: Client, chart: Chart, zone: ZoneInfo) -> Drawn:
    """GETs a chart's data.json and CSV within one local hour of its zone.

    "Last 30 days" ends now, so a new hour (or a new local day) starting between the two
    requests would give them different periods; then both are simply asked again.
    """
    for _ in range(3):
        asked_at = datetime.now(UTC)
        response = client.get(f"/charts/{chart.pk}/data.json")
        assert response.status_code == 200
        exported = client.get(f"/charts/{chart.pk}/export.csv")
        assert exported.status_code == 200
        assert exported["Content-Type"].startswith("text/csv")
        answered_at = datetime.now(UTC)
        hours = {label_at(int(t.timestamp()), zone, "hour") for t in (asked_at, answered_at)}
        if len(hours) == 1:
            rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8"))))
            return Drawn(json.loads(response.content), rows, asked_at, answered_at)
    raise AssertionError("the clock kept crossing an hour boundary")


def _window(
    drawn: Drawn, range_name: str, zone: ZoneInfo, custom: tuple[date, date]
) -> tuple[datetime, datetime]:
    """The chart's window, stated independently; "now" is checked against the clock."""
    if range_name == "custom":
        return custom_range(*custom, zone)
    start, _ = last_days_range(30, zone, drawn.asked_at)
    end = datetime.fromisoformat(drawn.payload["chart"]["range"]["end"])
    assert drawn.asked_at <= end <= drawn.answered_at, "Last 30 days does not end now"
    return start, end


@functools.lru_cache(maxsize=None)  # hours without activity repeat "0.00 USD" many times
def _exact_display(text: str, currency: str, kind: str) -> int:
    """The integer a tooltip shows ("1,234.50 USD" -> 123450), refusing wrong decimals."""
    if kind == "count":
        return int(text.replace(",", ""))
    number, code = text.rsplit(" ", 1)
    assert code == currency.upper(), f"{text!r} is not labelled {currency.upper()}"
    places = decimals(currency)
    fraction = number.split(".")[1] if "." in number else ""
    assert len(fraction) == places, f"{text!r} should have {places} decimals"
    return int(Decimal(number.replace(",", "")).scaleb(places))


@functools.lru_cache(maxsize=None)
def _csv_value(value: int, currency: str, kind: str) -> str:
    return str(value) if kind == "count" else major_units(value, currency)


def _compare(
    where: str, drawn: Drawn, reference: ReferenceChart, zone: ZoneInfo
) -> tuple[list[str], int]:
    """Mismatches between the served chart and the reference, and how many numbers agreed."""
    chart = drawn.payload["chart"]
    problems: list[str] = []
    expected_periods = [p.isoformat() for p in reference.periods]
    if chart["zone"] != zone.key or chart["periods"] != expected_periods:
        return [f"{where}: periods {chart['periods'][:3]}… != {expected_periods[:3]}…"], 0
    served = {(s["currency"].lower(), s["key"]): s for s in chart["series"]}
    if set(served) != set(reference.series):
        missing = sorted(set(reference.series) - set(served))
        extra = sorted(set(served) - set(reference.series))
        return [f"{where}: series missing {missing}, unexpected {extra}"], 0
    compared = 0
    expected_rows = [CSV_HEADER]
    for index, period in enumerate(expected_periods):
        for s in chart["series"]:
            currency = s["currency"].lower()
            value = reference.series[currency, s["key"]][index]
            expected_rows.append(
                [period, s["currency"], s["name"], _csv_value(value, currency, s["kind"])]
            )
    for (currency, key), values in reference.series.items():
        s = served[currency, key]
        label = f"{where} {currency.upper() or '-'} {key or '(total)'}"
        if s["kind"] != reference.kind:
            problems.append(f"{label}: kind {s['kind']} != {reference.kind}")
            continue
        places = 0 if reference.kind == "count" else decimals(currency)
        if s["decimals"] != places:
            problems.append(f"{label}: {s['decimals']} decimals, not {places}")
        shown = [_exact_display(text, currency, reference.kind) for text in s["display"]]
        plotted = [v / 10**places if places else v for v in values]
        for period, app, drawn_value, ref, ref_plotted in zip(
            expected_periods, shown, s["values"], values, plotted, strict=True
        ):
            if app != ref or drawn_value != ref_plotted:
                problems.append(f"{label} @ {period}: app {app} ({drawn_value}), reference {ref}")
        if s["total_minor"] != sum(values) or _exact_display(
            s["total"], currency, reference.kind
        ) != sum(values):
            problems.append(
                f"{label}: total {s['total_minor']} ({s['total']}), reference {sum(values)}"
            )
        compared += 2 * len(values) + 1
    if drawn.csv_rows != expected_rows:
        wrong = [
            f"{where} CSV row {n}: {got} != {want}"
            for n, (got, want) in enumerate(zip(drawn.csv_rows, expected_rows), start=1)
            if got != want
        ]
        problems += wrong or [f"{where} CSV: {len(drawn.csv_rows)} rows, not {len(expected_rows)}"]
    compared += len(expected_rows) - 1
    return problems, compared


def _definition_id(definition: Definition) -> str:
    return definition.id


@pytest.mark.parametrize("range_name", RANGES)
@pytest.mark.parametrize("definition", DEFINITIONS, ids=_definition_id)
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
            chart = Chart.objects.create(
                owner=synced.user,
                name=f"{definition.id} {zone_name} {granularity} {range_name}",
                metric=definition.metric,
                measure=definition.measure,
                breakdown=definition.breakdown,
                range_preset=range_name,
                custom_start=golden.custom[0] if custom else None,
                custom_end=golden.custom[1] if custom else None,
                granularity=granularity,
                time_zone=zone_name,
            )
            drawn = _draw(synced.client, chart, zone)
            assert drawn.payload["state"] in ("ready", "empty"), drawn.payload
            start, end = _window(drawn, range_name, zone, golden.custom)
            assert drawn.payload["chart"]["range"]["start"] == start.isoformat()
            calendar = Calendar(zone, granularity, start, end)
            reference = compute(definition, synced.snapshot, calendar)
            assert (drawn.payload["state"] == "empty") == (not reference.series)
            found, agreed = _compare(f"{zone_name} {granularity}", drawn, reference, zone)
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
