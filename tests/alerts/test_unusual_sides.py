"""Which side of the usual range breaks a rule: "is unusual" fires on either, "is unusually
high" (the failed-payment spike) only above it. Judged from plain sums, as a refresh
hands them over: eight weeks of an ordinary hour with about 20 successful charges. And
the ready-made spike rules made before "is unusually high" existed become it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chartivo.alerts.conditions import BREACHED, OK, Judgement, judge, windows_of
from chartivo.alerts.forms import describe
from chartivo.alerts.models import HOUR, UNUSUAL, UNUSUALLY_HIGH, AlertRule
from chartivo.charts.dashboard import SUCCEEDED

CUT = 1_764_547_200  # a Monday 00:00 UTC, on a quarter hour
USUAL = [18, 20, 22, 19, 21, 20, 23, 17]  # the same hour 1…8 weeks before


def _judged(condition: str, now: int) -> Judgement:
    rule = AlertRule(name="Charges", metric="successful_charges", condition=condition, window=HOUR)
    rule.time_zone = "UTC"
    windows = windows_of(rule, CUT, oldest=CUT - 70 * 86_400)
    assert len(windows.history) == len(USUAL)
    sums = {windows.current: {(SUCCEEDED, "usd"): now}}
    sums |= {w: {(SUCCEEDED, "usd"): n} for w, n in zip(windows.history, USUAL, strict=True)}
    return judge(rule, windows, sums)


def _verdict(condition: str, now: int) -> str:
    return _judged(condition, now).status


@pytest.mark.parametrize(
    ("now", "unusual", "unusually_high"),
    [(20, OK, OK), (60, BREACHED, BREACHED), (0, BREACHED, OK)],
)
def test_an_unusually_low_figure_breaks_unusual_and_not_unusually_high(
    now: int, unusual: str, unusually_high: str
) -> None:
    assert _verdict(UNUSUAL, now) == unusual
    assert _verdict(UNUSUALLY_HIGH, now) == unusually_high
    # Only the top of the usual range can set off "is unusually high", and only it is named.
    assert _judged(UNUSUAL, now).expected.startswith("between ")
    assert _judged(UNUSUALLY_HIGH, now).expected.startswith("at most ")


def _migrate(target: str) -> Any:
    """The alerts app migrated to ``target``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate([("alerts", target)])
    executor.loader.build_graph()
    return executor.loader.project_state(("alerts", target)).apps


@pytest.mark.django_db(transaction=True)
def test_ready_made_spike_rules_made_before_turn_unusually_high_and_back() -> None:
    try:
        old = _migrate("0003_rules_last_judgement")
        organisation = old.get_model("orgs", "Organisation").objects.create(name="Shop")
        rules = old.get_model("alerts", "AlertRule").objects

        def rule(name: str, metric: str, preset: str) -> int:
            made = rules.create(
                organisation=organisation,
                name=name,
                metric=metric,
                condition=UNUSUAL,
                window="day",
                preset=preset,
            )
            return int(made.pk)

        spike = rule("Spike", "failed_payment_rate", "failed_payment_spike")
        changed = rule("Edited to watch refunds", "refund_rate", "failed_payment_spike")
        own = rule("Own unusual rule", "failed_payment_rate", "")
        new = _migrate("0004_unusually_high").get_model("alerts", "AlertRule").objects
        conditions = dict(new.values_list("pk", "condition"))
        assert conditions == {spike: UNUSUALLY_HIGH, changed: UNUSUAL, own: UNUSUAL}
        # Rolled back, the older release finds only conditions it knows.
        back = _migrate("0003_rules_last_judgement").get_model("alerts", "AlertRule").objects
        assert set(back.values_list("condition", flat=True)) == {UNUSUAL}
    finally:
        call_command("migrate", verbosity=0)


def test_the_words_agree_with_plural_figures() -> None:
    rule = AlertRule(name="Charges", metric="successful_charges", condition=UNUSUAL, window=HOUR)
    rule.time_zone = "UTC"
    windows = windows_of(rule, CUT, oldest=CUT - 70 * 86_400)
    sums = {w: {(SUCCEEDED, "usd"): n} for w, n in zip(windows.history, USUAL, strict=True)}
    sums[windows.current] = {(SUCCEEDED, "usd"): 60}
    summary = judge(rule, windows, sums).summary
    assert summary.startswith("Successful charges over the last hour are 60, unusually high")
    assert (
        describe(rule)
        == "Successful charges over the last hour are unusual for the weekday and hour"
    )
    rule.metric = "refund_rate"
    assert describe(rule).startswith("Refund rate over the last hour is unusual")
