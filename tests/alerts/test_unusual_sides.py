"""Which side of the usual range breaks a rule: "is unusual" fires on either, "is unusually
high" (the failed-payment spike) only above it. Judged from plain sums, as a refresh
hands them over: ten weeks of an ordinary hour with 20 successful charges."""

from __future__ import annotations

import pytest

from chartivo.alerts.conditions import BREACHED, OK, judge, windows_of
from chartivo.alerts.models import HOUR, UNUSUAL, UNUSUALLY_HIGH, AlertRule
from chartivo.alerts.presets import PRESET_BY_KEY
from chartivo.charts.dashboard import SUCCEEDED

CUT = 1_764_547_200  # a Monday 00:00 UTC, on a quarter hour
USUAL = [18, 20, 22, 19, 21, 20, 23, 17]  # the same hour 1…8 weeks before


def _verdict(condition: str, now: int) -> str:
    rule = AlertRule(name="Charges", metric="successful_charges", condition=condition, window=HOUR)
    rule.time_zone = "UTC"
    windows = windows_of(rule, CUT, oldest=CUT - 70 * 86_400)
    assert len(windows.history) == len(USUAL)
    sums = {windows.current: {(SUCCEEDED, "usd"): now}}
    sums |= {w: {(SUCCEEDED, "usd"): n} for w, n in zip(windows.history, USUAL, strict=True)}
    return judge(rule, windows, sums).status


@pytest.mark.parametrize(
    ("now", "unusual", "unusually_high"),
    [(20, OK, OK), (60, BREACHED, BREACHED), (0, BREACHED, OK)],
)
def test_an_unusually_low_figure_breaks_unusual_and_not_unusually_high(
    now: int, unusual: str, unusually_high: str
) -> None:
    assert _verdict(UNUSUAL, now) == unusual
    assert _verdict(UNUSUALLY_HIGH, now) == unusually_high


def test_the_failed_payment_spike_fires_on_a_high_rate_only() -> None:
    assert PRESET_BY_KEY["failed_payment_spike"].condition == UNUSUALLY_HIGH
