# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""CSV and JSON: the same exact numbers, periods with their offsets, labels people can read."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from chartivo.metrics.export import chart_json, csv_rows, labels
from chartivo.metrics.periods import Granularity, TimeRange
from chartivo.metrics.series import BucketRow, build_chart

NEW_YORK = ZoneInfo("America/New_York")


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def span(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


def make(rows, start, end, *, zone=NEW_YORK, granularity=Granularity.DAY, kind="amount", **kw):
    return build_chart(
        rows, time_range=span(start, end), zone=zone, granularity=granularity, kind=kind, **kw
    )


def test_csv_rows():
    rows = [
        BucketRow(ts("2026-11-01T12:00Z"), "usd", "", 123450),
        BucketRow(ts("2026-11-01T12:00Z"), "jpy", "", 1234),
        BucketRow(ts("2026-11-02T12:00Z"), "kwd", "", 12340),
        BucketRow(ts("2026-11-02T12:00Z"), "usd", "", -50),
    ]
    chart = make(rows, "2026-11-01T04:00Z", "2026-11-03T05:00Z", series_names={"": "Gross volume"})
    assert csv_rows(chart) == [
        ["period_start", "currency", "series", "value"],
        ["2026-11-01T00:00:00-04:00", "JPY", "Gross volume", "1234"],
        ["2026-11-01T00:00:00-04:00", "KWD", "Gross volume", "0.000"],
        ["2026-11-01T00:00:00-04:00", "USD", "Gross volume", "1234.50"],
        ["2026-11-02T00:00:00-05:00", "JPY", "Gross volume", "0"],
        ["2026-11-02T00:00:00-05:00", "KWD", "Gross volume", "12.340"],
        ["2026-11-02T00:00:00-05:00", "USD", "Gross volume", "-0.50"],
    ]


def test_csv_counts_without_currency():
    rows = [BucketRow(ts("2026-11-01T12:00Z"), "", "", 1234567)]
    chart = make(
        rows,
        "2026-11-01T04:00Z",
        "2026-11-02T05:00Z",
        kind="count",
        series_names={"": "New customers"},
    )
    assert csv_rows(chart)[1:] == [["2026-11-01T00:00:00-04:00", "", "New customers", "1234567"]]
    series = chart_json(chart)["series"][0]
    assert series["display"] == ["1,234,567"] and series["total"] == "1,234,567"
    assert series["values"] == [1234567] and series["currency"] == ""


def test_chart_json():
    rows = [
        BucketRow(ts("2026-11-01T12:00Z"), "usd", "succeeded", 123450),
        BucketRow(ts("2026-11-02T12:00Z"), "usd", "succeeded", 5),
        BucketRow(ts("2026-11-02T12:00Z"), "jpy", "succeeded", 1234),
    ]
    chart = make(
        rows, "2026-11-01T04:00Z", "2026-11-03T05:00Z", series_names={"succeeded": "Succeeded"}
    )
    data = chart_json(chart)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["zone"] == "America/New_York"
    assert data["granularity"] == "day"
    assert data["range"] == {
        "start": "2026-11-01T00:00:00-04:00",
        "end": "2026-11-03T00:00:00-05:00",
    }
    assert data["labels"] == ["Nov 1", "Nov 2"]
    assert data["periods"] == ["2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"]
    assert data["empty"] is False
    jpy, usd = data["series"]
    assert usd == {
        "key": "succeeded",
        "name": "Succeeded",
        "currency": "USD",
        "kind": "amount",
        "decimals": 2,
        "values": [1234.5, 0.05],
        "display": ["1,234.50 USD", "0.05 USD"],
        "total": "1,234.55 USD",
        "total_minor": 123455,
    }
    assert jpy["values"] == [0, 1234] and jpy["display"] == ["0 JPY", "1,234 JPY"]


def test_empty_chart_json():
    data = chart_json(make([], "2026-11-01T04:00Z", "2026-11-02T05:00Z"))
    assert data["empty"] is True and data["series"] == [] and data["labels"] == ["Nov 1"]


def label_list(start, end, granularity, zone=NEW_YORK):
    return labels(make([], start, end, zone=zone, granularity=granularity))


def test_labels_per_granularity():
    assert label_list("2026-11-03T05:00Z", "2026-11-03T07:00Z", Granularity.HOUR) == [
        "Nov 3 00:00",
        "Nov 3 01:00",
    ]
    assert label_list("2026-11-03T05:00Z", "2026-11-05T05:00Z", Granularity.DAY) == [
        "Nov 3",
        "Nov 4",
    ]
    assert label_list("2026-11-03T05:00Z", "2026-11-10T05:00Z", Granularity.WEEK) == [
        "Week of Nov 2",
        "Week of Nov 9",
    ]
    assert label_list("2026-11-03T05:00Z", "2026-12-03T05:00Z", Granularity.MONTH) == [
        "Nov 2026",
        "Dec 2026",
    ]


def test_repeated_fall_back_hour_labels_differ():
    assert label_list("2026-11-01T04:00Z", "2026-11-01T08:00Z", Granularity.HOUR) == [
        "Nov 1 00:00",
        "Nov 1 01:00 (UTC-04:00)",
        "Nov 1 01:00 (UTC-05:00)",
        "Nov 1 02:00",
    ]


def test_labels_show_a_true_start_that_is_not_on_the_hour():
    zone = ZoneInfo("Australia/Lord_Howe")
    got = label_list("2026-10-03T14:30Z", "2026-10-03T17:00Z", Granularity.HOUR, zone)
    assert got == ["Oct 4 01:00", "Oct 4 02:30", "Oct 4 03:00"]


def test_labels_carry_the_year_when_the_chart_spans_two():
    got = label_list("2026-12-28T05:00Z", "2027-01-12T05:00Z", Granularity.WEEK)
    assert got == ["Week of Dec 28, 2026", "Week of Jan 4, 2027", "Week of Jan 11, 2027"]
    got = label_list("2026-12-31T05:00Z", "2027-01-02T05:00Z", Granularity.DAY)
    assert got == ["Dec 31, 2026", "Jan 1, 2027"]


CURRENCY = st.sampled_from(["usd", "jpy", "kwd", "bhd", "isk", "ugx", "eur"])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.integers(0, 200),
            CURRENCY,
            st.sampled_from(["", "a"]),
            st.integers(-(10**18), 10**18),
        ),
        max_size=40,
    ),
    kind=st.sampled_from(["count", "amount"]),
)
def test_csv_and_tooltips_hold_the_same_numbers(values, kind):
    base = ts("2026-11-01T04:00Z")
    rows = [
        BucketRow(base + 900 * k, c if kind == "amount" else "", key, v) for k, c, key, v in values
    ]
    chart = make(
        rows, "2026-11-01T04:00Z", "2026-11-03T05:00Z", granularity=Granularity.HOUR, kind=kind
    )
    data = chart_json(chart)
    csv = csv_rows(chart)[1:]
    assert len(csv) == len(chart.periods) * len(chart.series)
    assert len(set(data["labels"])) == len(data["labels"])
    for s_index, series in enumerate(data["series"]):
        column = [row[3] for row in csv[s_index :: len(chart.series)]]
        shown = [
            text.removesuffix(" " + series["currency"]).replace(",", "")
            for text in series["display"]
        ]
        assert shown == column
        assert series["total_minor"] == chart.series[s_index].total
        for plotted, text in zip(series["values"], column, strict=True):
            assert (
                "e" not in text.lower() and abs(plotted - float(text)) <= abs(float(text)) * 1e-15
            )


def test_streamed_csv_text_is_what_the_csv_module_writes():
    import csv
    import io

    from chartivo.metrics.export import csv_text

    rows = [
        BucketRow(ts("2026-11-01T12:00Z"), "usd", "a", 123450),
        BucketRow(ts("2026-11-02T12:00Z"), "kwd", 'odd, "quoted" name', -50),
    ]
    chart = make(
        rows,
        "2026-11-01T04:00Z",
        "2026-11-04T05:00Z",
        series_names={"a": "Plain", 'odd, "quoted" name': 'Odd, "quoted"'},
    )
    written = io.StringIO()
    csv.writer(written).writerows(csv_rows(chart))
    assert "".join(csv_text(chart, rows_per_chunk=3)) == written.getvalue()
