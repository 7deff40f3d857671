"""An unusual value: outside the range a figure's own history predicts for the weekday and
hour (docs/alerts.md).

The history of a window is the same window one, two, … ``MOST_WEEKS`` weeks earlier, at
the same local time in the rule's zone: the same weekday and hour for a window of an hour,
the same weekday for 24 hours, the weeks before for 7 days. Only weeks the stored history
fully covers count; fewer than ``FEWEST_WEEKS`` and the rule makes no judgement ("not
enough history"). The range is the median of those weeks ± ``WIDTH`` robust spreads, the
spread being the median absolute deviation scaled to a standard deviation (× 1.4826),
never less than a floor: counts vary by about their square root and a rate of n charges by
its binomial spread even when the past weeks were all alike, and a range of zero width
would call every small change unusual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from statistics import median
from zoneinfo import ZoneInfo

from chartivo.charts.dashboard import Headline
from chartivo.metrics.money import minor_unit_exponent
from chartivo.metrics.queries import Window

MOST_WEEKS = 8
FEWEST_WEEKS = 4
WIDTH = 3  # spreads either side of the median
MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation from its MAD
RATE_FLOOR = 0.005  # half a percentage point
RELATIVE_FLOOR = 0.1  # a tenth of the usual value


def history_windows(window: Window, zone: ZoneInfo, oldest: int) -> list[Window]:
    """The same window 1…``MOST_WEEKS`` weeks earlier in local time, newest first, those
    that start at ``oldest`` or later (the history kept)."""
    width = window.hi - window.lo
    end = datetime.fromtimestamp(window.hi, UTC).astimezone(zone)
    found = []
    for weeks in range(1, MOST_WEEKS + 1):
        # Local wall time a whole number of weeks back (a summer-time change between them
        # moves the instant, not the hour), then back to UTC.
        local = (end.replace(tzinfo=None) - timedelta(weeks=weeks)).replace(tzinfo=zone)
        hi = int(local.astimezone(UTC).timestamp())
        hi -= hi % 900
        if hi - width < oldest:
            break
        found.append(Window(hi - width, hi))
    return found


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    weeks: int

    def holds(self, value: Fraction) -> bool:
        return self.low <= float(value) <= self.high


def _floor(headline: Headline, centre: float, currency: str, denominator: int) -> float:
    relative = RELATIVE_FLOOR * abs(centre)
    if headline.kind == "count":
        return max(1.0, math.sqrt(abs(centre)), relative)
    if headline.kind == "amount":
        return max(float(10 ** minor_unit_exponent(currency.lower())), relative)
    # A rate of few charges is coarse (1 failure in 5 is 20%): its binomial spread.
    share = min(max(centre, 1 / max(denominator, 1)), 1.0)
    binomial = math.sqrt(share * (1 - share) / max(denominator, 1))
    return max(RATE_FLOOR, relative, binomial)


def band_of(
    headline: Headline, history: list[Fraction], currency: str, denominator: int = 0
) -> Band | None:
    """The usual range from the weeks before (None: too few of them); ``denominator`` is
    the number of charges a rate of the current window is made of."""
    if len(history) < FEWEST_WEEKS:
        return None
    values = [float(v) for v in history]
    centre = median(values)
    spread = MAD_TO_SIGMA * median(abs(v - centre) for v in values)
    spread = max(spread, _floor(headline, centre, currency, denominator))
    return Band(max(0.0, centre - WIDTH * spread), centre + WIDTH * spread, len(values))
