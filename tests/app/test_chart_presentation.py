"""What the chart pages write around a chart: currencies busiest first, the tables of
figures a page at a time, a Home card's whole and its leaders, changes that say good or
bad, top N plus "Other", one colour per value, Stripe's words, and "Last synced just now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chartivo.charts.labels import OTHER_COLOUR, colour_of, value_name
from chartivo.charts.payloads import TOP, drawn_series, period_marks
from chartivo.charts.presentation import (
    TABLE_PAGE,
    card_summary,
    change,
    figure_tables,
)
from chartivo.charts.query import ChartFigures, ChartSpec, resolve
from chartivo.charts.templatetags.relative_time import words_ago
from chartivo.metrics.periods import Granularity, TimeRange
from chartivo.metrics.series import BucketRow, build_chart

UTC_ZONE = ZoneInfo("UTC")
NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = 86_400


def _figures(rows: list[BucketRow], days: int = 3, activity: dict[str, int] | None = None):
    chart = build_chart(
        rows,
        time_range=TimeRange(NOV_1, NOV_1 + timedelta(days=days)),
        zone=UTC_ZONE,
        granularity=Granularity.DAY,
        kind="amount",
        series_names={
            "": "Gross volume",
            **{r.series_key: value_name("brand", r.series_key) for r in rows if r.series_key},
        },
    )
    return ChartFigures(chart, None, None, {}, activity or {}, True)


def _at(day: int) -> int:
    return int(NOV_1.timestamp()) + day * DAY


ROWS = [
    BucketRow(_at(2), "eur", "", 500),
    BucketRow(_at(1), "jpy", "", 9000),
    BucketRow(_at(0), "usd", "", 300),
    BucketRow(_at(1), "usd", "", 400),
]


def test_the_currency_with_the_most_objects_comes_first_then_active_periods() -> None:
    tables = figure_tables(_figures(ROWS), "Revenue", "en_US").tables
    assert [t.caption for t in tables] == ["Revenue in USD", "Revenue in EUR", "Revenue in JPY"]
    busiest_is_jpy = figure_tables(_figures(ROWS, activity={"JPY": 95, "USD": 40}), "R", "en_US")
    assert [t.currency for t in busiest_is_jpy.tables] == ["JPY", "USD", "EUR"]


def test_each_currency_gets_its_own_table_in_the_readers_locale() -> None:
    usd = figure_tables(_figures(ROWS), "Revenue", "en_US").tables[0]
    assert usd.columns == ["Gross volume"]
    assert [(r.period_start[:10], r.label, r.figures) for r in usd.rows] == [
        ("2026-11-01", "Nov 1", ["$3.00"]),
        ("2026-11-02", "Nov 2", ["$4.00"]),
        ("2026-11-03", "Nov 3", ["$0.00"]),
    ]
    german = figure_tables(_figures(ROWS), "Revenue", "de_DE").tables[0]
    assert german.rows[1].figures == ["4,00\xa0$"]


def test_the_table_comes_a_page_of_periods_at_a_time() -> None:
    rows = [BucketRow(_at(day), "usd", "", day) for day in range(250)]
    first = figure_tables(_figures(rows, days=250), "R", "en_US")
    assert (first.number, first.pages, first.first, first.last) == (1, 3, 1, TABLE_PAGE)
    last = figure_tables(_figures(rows, days=250), "R", "en_US", page=9)
    assert (last.number, last.first, last.last) == (3, 201, 250)
    assert len(last.tables[0].rows) == 50


def test_a_change_says_whether_it_is_good_for_the_business() -> None:
    up = change(12000, 10000, kind="amount", currency="usd", locale="en_US")
    assert (up.difference, up.percent, up.verdict, up.previous) == (
        "+$20.00",
        "+20.0%",
        "good",
        "$100.00",
    )
    refunds_up = change(5, 4, kind="count", currency="", locale="en_US", good_when_up=False)
    assert (refunds_up.difference, refunds_up.percent, refunds_up.verdict) == (
        "+1",
        "+25.0%",
        "bad",
    )
    from_nothing = change(3, 0, kind="count", currency="", locale="en_US")
    assert from_nothing.percent == "" and from_nothing.direction == "up"
    assert change(7, 7, kind="count", currency="", locale="en_US").verdict == "neutral"


def test_a_breakdown_draws_its_leaders_and_other_with_one_colour_per_value() -> None:
    brands = ["visa", "mastercard", "amex", "discover", "jcb", "unionpay", "link", "diners"]
    rows = [BucketRow(_at(0), "usd", brand, 1000 - 10 * i) for i, brand in enumerate(brands)]
    series = _figures(rows).current.series
    drawn = drawn_series(series, "brand", fold=True)
    assert [d.key for d in drawn] == [*brands[:TOP], "__other__"]
    other = drawn[-1]
    assert other.colour == OTHER_COLOUR and other.members == brands[TOP:]
    assert other.total == sum(1000 - 10 * i for i in range(TOP, len(brands)))
    assert drawn[0].colour == colour_of("brand", "visa") == 0
    # The same value has the same colour whatever else the chart holds.
    assert colour_of("brand", "link") == colour_of("brand", "link")


def test_a_breakdown_card_shows_the_whole_and_its_leaders_never_one_part() -> None:
    rows = [
        BucketRow(_at(0), "usd", "visa", 3000),
        BucketRow(_at(1), "usd", "mastercard", 2000),
        BucketRow(_at(1), "usd", "amex", 500),
    ]
    resolved = resolve(
        ChartSpec("charges", "amount", "brand", "last_7_days"), now=datetime.now(UTC)
    )
    summary = card_summary(_figures(rows), resolved, "Last 7 days", "en_US")
    assert summary is not None
    assert summary.total == "$55.00"  # the whole, not Visa alone
    assert [(leader.name, leader.value) for leader in summary.leaders] == [
        ("Visa", "$30.00"),
        ("Mastercard", "$20.00"),
        ("American Express", "$5.00"),
    ]


def test_breakdown_values_read_as_stripe_writes_them() -> None:
    assert value_name("brand", "jcb") == "JCB"
    assert value_name("brand", "eftpos_au") == "eftpos Australia"
    assert value_name("brand", "unionpay") == "UnionPay"
    assert value_name("reason", "requested_by_customer") == "Requested by customer"
    assert value_name("reason", "") == "No reason given"
    assert value_name("status", "warning_needs_response") == "Inquiry: needs response"
    assert value_name("category", "something_new") == "Something new"


def test_periods_cut_by_the_range_are_marked() -> None:
    chart = build_chart(
        [],
        time_range=TimeRange(
            datetime(2026, 11, 4, tzinfo=UTC),
            datetime(2026, 11, 18, 14, 50, tzinfo=UTC),
            so_far=True,
        ),
        zone=UTC_ZONE,
        granularity=Granularity.WEEK,
        kind="count",
    )
    assert period_marks(chart) == ["partial", "", "so far"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (119, "1 minute ago"),
        (600, "10 minutes ago"),
        (3_600, "1 hour ago"),
        (7_300, "2 hours ago"),
        (86_400 * 3 + 5, "3 days ago"),
        (-30, "just now"),  # a clock a little ahead is not "in the future"
    ],
)
def test_how_long_ago_reads_naturally(seconds: int, words: str) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert words_ago(now - timedelta(seconds=seconds), now) == words
