"""Home's range in words at the edges of a day: in its first quarter hour nothing of the
new day is complete yet, and the words say where the figures stop instead of a range
that ends before it starts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chartivo.charts.headlines import dashboard_heading
from chartivo.charts.query import ViewRange

FIRST_MINUTES = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
AFTERNOON = datetime(2026, 12, 1, 14, 47, tzinfo=UTC)
LAST_OF_THE_MONTH = datetime(2026, 12, 31, 14, 47, tzinfo=UTC)


def _words(range_name: str, now: datetime) -> dict[str, Any]:
    context: dict[str, Any] = {}
    view = ViewRange(range_name, None, None, "UTC", "previous_period")
    assert dashboard_heading(view, context, now=now) is not None
    return context


@pytest.mark.parametrize(
    ("range_name", "now", "range_text", "compared_with"),
    [
        ("today", FIRST_MINUTES, "Dec 1, to 00:00", "Nov 30, to 00:00"),
        # Six whole days so far, against the six whole days a week before.
        ("last_7_days", FIRST_MINUTES, "Nov 25 – Dec 1, to 00:00", "Nov 18 – Nov 23"),
        ("today", AFTERNOON, "Dec 1, to 14:45", "Nov 30, to 14:45"),
        ("last_7_days", AFTERNOON, "Nov 25 – Dec 1, to 14:45", "Nov 18 – Nov 24, to 14:45"),
        # November has no 31st: all of it is the month before, to its end.
        ("this_month", LAST_OF_THE_MONTH, "Dec 1 – Dec 31, to 14:45", "Nov 1 – Nov 30"),
    ],
)
def test_the_range_and_its_comparison_name_where_the_figures_stop(
    settings: Any, range_name: str, now: datetime, range_text: str, compared_with: str
) -> None:
    settings.HISTORY_DAYS = 70  # "This month" is compared with all of the month before
    words = _words(range_name, now)
    assert words["range_text"] == range_text
    assert words["comparison_label"].endswith(f": {compared_with}"), words
