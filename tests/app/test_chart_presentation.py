"""What the chart pages show around a chart: the currency order, the tables of figures, a
Home card's headline, and "Last synced just now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chartivo.charts.presentation import currency_order, figure_tables, headline
from chartivo.charts.templatetags.relative_time import words_ago


def _series(currency: str, values: list[int], name: str = "Gross volume") -> dict[str, object]:
    return {
        "name": name,
        "currency": currency,
        "values": values,
        "display": [f"{v:,} {currency}".strip() for v in values],
        "total": f"{sum(values):,} {currency}".strip(),
    }


CHART = {
    "labels": ["Nov 1", "Nov 2", "Nov 3"],
    "periods": [
        "2026-11-01T00:00:00+00:00",
        "2026-11-02T00:00:00+00:00",
        "2026-11-03T00:00:00+00:00",
    ],
    # As the series come from the query: by currency code. JPY has the larger numbers,
    # USD the most activity.
    "series": [_series("EUR", [0, 0, 5]), _series("JPY", [0, 9000, 0]), _series("USD", [3, 4, 0])],
}


def test_the_currency_with_the_most_active_periods_comes_first_then_by_code() -> None:
    assert currency_order(CHART) == ["USD", "EUR", "JPY"]


def test_the_currency_with_the_most_objects_comes_first_when_the_payload_says() -> None:
    # Every currency active every day (a tie on periods): the busiest one opens the chart.
    busiest_is_jpy = {**CHART, "activity": {"USD": 40, "EUR": 12, "JPY": 95}}
    assert currency_order(busiest_is_jpy) == ["JPY", "USD", "EUR"]


def test_each_currency_gets_its_own_table_with_every_period() -> None:
    tables = figure_tables(CHART, "Revenue")
    assert [t.caption for t in tables] == ["Revenue in USD", "Revenue in EUR", "Revenue in JPY"]
    usd = tables[0]
    assert usd.columns == ["Gross volume"]
    assert [(r.period_start[:10], r.label, r.figures) for r in usd.rows] == [
        ("2026-11-01", "Nov 1", ["3 USD"]),
        ("2026-11-02", "Nov 2", ["4 USD"]),
        ("2026-11-03", "Nov 3", ["0 USD"]),
    ]


def test_a_home_card_shows_the_last_period_of_the_main_currency() -> None:
    card = headline(CHART)
    assert card is not None
    assert (card.latest, card.period, card.series, card.total) == (
        "0 USD",
        "Nov 3",
        "Gross volume · USD",
        "7 USD",
    )
    assert card.other_currencies == 2
    assert card.trend["values"] == [3, 4, 0]
    assert headline({"labels": [], "periods": [], "series": []}) is None


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
