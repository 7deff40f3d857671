"""What a rule asks of its figures, and its verdict in words.

A rule needs its own window (the rolling hour, 24 hours, 7 or 30 days ending at the last
complete 15 minutes), for "rises"/"falls" the window just before, for "unusual" the same
window in the weeks before (``anomaly``). ``windows_of`` lists them, ``judge`` gives the
verdict from their sums: breached, OK, or no judgement (a rate without a denominator, a
change from nothing, too little history), with the value and what was expected in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from chartivo.alerts import anomaly
from chartivo.alerts.figures import (
    HEADLINE_BY_KEY,
    Sums,
    headline_value,
    in_words,
    threshold_in_unit,
)
from chartivo.alerts.models import (
    ABOVE,
    BELOW,
    DAY,
    FALLS,
    HOUR,
    JUDGED_BY_HISTORY,
    MONTH,
    RISES,
    UNUSUALLY_HIGH,
    WEEK,
    AlertEvent,
    AlertRule,
)
from chartivo.charts.dashboard import Headline
from chartivo.metrics.periods import RangeError, parse_zone
from chartivo.metrics.queries import Window

WINDOW_SECONDS = {HOUR: 3600, DAY: 86400, WEEK: 7 * 86400, MONTH: 30 * 86400}
WINDOW_WORDS = {
    HOUR: "the last hour",
    DAY: "the last 24 hours",
    WEEK: "the last 7 days",
    MONTH: "the last 30 days",
}
BEFORE_WORDS = {
    HOUR: "the hour before",
    DAY: "the 24 hours before",
    WEEK: "the 7 days before",
    MONTH: "the 30 days before",
}
# Windows an unusual value can be judged over: a month has no weekday.
UNUSUAL_WINDOWS = (HOUR, DAY, WEEK)

BREACHED, OK, NO_HISTORY, NO_DATA = "breached", "ok", "no_history", "no_data"
# What an event (and a rule's last verdict) keeps of the words.
VALUE_LENGTH = AlertEvent._meta.get_field("value").max_length or 64
EXPECTED_LENGTH = AlertEvent._meta.get_field("expected").max_length or 96
SUMMARY_LENGTH = AlertEvent._meta.get_field("summary").max_length or 300


@dataclass(frozen=True)
class Judgement:
    status: str  # BREACHED, OK, NO_HISTORY or NO_DATA
    value: str = ""  # the figure in words
    expected: str = ""  # the rule's bounds in words: what an OK figure is
    summary: str = ""  # one sentence, aggregates only


def zone_of(rule: AlertRule) -> ZoneInfo:
    try:
        return parse_zone(rule.time_zone)
    except RangeError:
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class RuleWindows:
    current: Window
    before: Window | None = None
    history: tuple[Window, ...] = ()


def windows_of(rule: AlertRule, cut: int, oldest: int) -> RuleWindows:
    """The windows ``rule`` reads when the figures are complete up to ``cut``; history
    older than ``oldest`` (Unix seconds) is not kept."""
    width = WINDOW_SECONDS[rule.window]
    current = Window(cut - width, cut)
    if rule.condition in (RISES, FALLS):
        return RuleWindows(current, before=Window(cut - 2 * width, cut - width))
    if rule.condition in JUDGED_BY_HISTORY:
        history = anomaly.history_windows(current, zone_of(rule), oldest)
        return RuleWindows(current, history=tuple(history))
    return RuleWindows(current)


def verb_of(label: str, singular: str, plural: str) -> str:
    """The verb agreeing with a figure's label: its plural nouns ("Refunds", "New
    customers") end in s, its other labels ("Gross volume", "Refund rate") do not."""
    return plural if label.endswith("s") else singular


def _percent_words(value: Fraction) -> str:
    return f"{float(value):,.0f}%" if value.denominator == 1 else f"{float(value):,.1f}%"


@dataclass(frozen=True)
class _Reading:
    """A rule's figure over its own window, as every condition reads it."""

    rule: AlertRule
    headline: Headline
    currency: str
    value: Fraction
    shown: str  # the value in words
    label: str  # "Refund rate over the last 24 hours"
    windows: RuleWindows
    sums: dict[Window, Sums]

    def value_of(self, window: Window) -> Fraction | None:
        return headline_value(self.headline, self.sums.get(window, {}), self.currency)

    def words(self, value: Fraction) -> str:
        return in_words(self.headline, value, self.currency)

    @property
    def label_is(self) -> str:
        """The label with its verb: "Refund rate over … is", "Refunds over … are"."""
        return f"{self.label} {verb_of(self.headline.label, 'is', 'are')}"


def judge(rule: AlertRule, windows: RuleWindows, sums: dict[Window, Sums]) -> Judgement:
    """The verdict, its words cut to what an event keeps."""
    verdict = _judge(rule, windows, sums)
    return Judgement(
        verdict.status,
        verdict.value[:VALUE_LENGTH],
        verdict.expected[:EXPECTED_LENGTH],
        verdict.summary[:SUMMARY_LENGTH],
    )


def _judge(rule: AlertRule, windows: RuleWindows, sums: dict[Window, Sums]) -> Judgement:
    headline = HEADLINE_BY_KEY.get(rule.metric)
    if headline is None:
        return Judgement(NO_DATA, summary="This figure no longer exists: edit the rule.")
    currency = rule.currency or "usd"
    value = headline_value(headline, sums.get(windows.current, {}), currency)
    where = WINDOW_WORDS[rule.window]
    if value is None:
        return Judgement(
            NO_DATA, summary=f"No {headline.label.lower()} over {where}: no charge to divide by."
        )
    shown = in_words(headline, value, currency)
    label = f"{headline.label} over {where}"
    reading = _Reading(rule, headline, currency, value, shown, label, windows, sums)
    if rule.condition in (ABOVE, BELOW):
        return _threshold(reading)
    if rule.condition in (RISES, FALLS):
        return _change(reading)
    return _unusual(reading)


def _threshold(reading: _Reading) -> Judgement:
    rule, value, shown, subject = reading.rule, reading.value, reading.shown, reading.label_is
    assert rule.threshold is not None
    limit = threshold_in_unit(reading.headline, Fraction(rule.threshold), reading.currency)
    limit_shown = reading.words(limit)
    if rule.condition == ABOVE:
        breached, expected = value > limit, f"{limit_shown} or less"
        side = "above"
    else:
        breached, expected = value < limit, f"{limit_shown} or more"
        side = "below"
    if breached:
        summary = f"{subject} {shown}, {side} the rule's {limit_shown}."
    else:
        summary = f"{subject} {shown}: {expected}, as the rule asks."
    return Judgement(BREACHED if breached else OK, shown, expected, summary)


def _change(reading: _Reading) -> Judgement:
    rule, value, shown, label = reading.rule, reading.value, reading.shown, reading.label
    assert reading.windows.before is not None
    assert rule.threshold is not None
    before = reading.value_of(reading.windows.before)
    then = BEFORE_WORDS[rule.window]
    if not before:
        return Judgement(
            NO_DATA,
            shown,
            summary=f"{reading.label_is} {shown}; nothing to compare with in {then}.",
        )
    before_shown = reading.words(before)
    change = (value - before) / before * 100
    limit = Fraction(rule.threshold)
    rises = rule.condition == RISES
    breached = change > limit if rises else change < -limit
    verb = "rose" if change > 0 else "fell"
    moved = f"{verb} {_percent_words(abs(change))} against {then} ({before_shown} → {shown})"
    direction = "a rise" if rises else "a fall"
    expected = f"{direction} of at most {_percent_words(limit)} from {before_shown}"
    if breached:
        summary = f"{label} {moved}: more than the rule's {_percent_words(limit)}."
    else:
        summary = f"{label} {moved}: within the rule's {_percent_words(limit)}."
    return Judgement(BREACHED if breached else OK, shown, expected, summary)


def _usual_when(rule: AlertRule, window: Window, zone: ZoneInfo) -> str:
    start = datetime.fromtimestamp(window.lo, UTC).astimezone(zone)
    end = datetime.fromtimestamp(window.hi, UTC).astimezone(zone)
    if rule.window == HOUR:
        return f"{end:%A}s {start:%H:%M}–{end:%H:%M}"
    if rule.window == DAY:
        return f"the 24 hours to {end:%A} {end:%H:%M}"
    return f"the 7 days to {end:%A} {end:%H:%M}"


def _unusual(reading: _Reading) -> Judgement:
    rule, value, shown, subject = reading.rule, reading.value, reading.shown, reading.label_is
    headline, currency, windows = reading.headline, reading.currency, reading.windows
    history = [reading.value_of(w) for w in windows.history]
    known = [v for v in history if v is not None]
    current = reading.sums.get(windows.current, {})
    charges = sum(v for (q, _), v in current.items() if q in headline.denominator)
    band = anomaly.band_of(headline, known, currency, charges)
    if band is None:
        return Judgement(
            NO_HISTORY,
            shown,
            summary=(
                f"{subject} {shown}. Not enough history to tell what is usual yet: it takes "
                f"{anomaly.FEWEST_WEEKS} weeks of the same weekday and hour."
            ),
        )
    low, high = _band_words(headline, band, currency)
    when = _usual_when(rule, windows.current, zone_of(rule))
    # For "is unusually high" only the top of the usual range can set it off.
    high_only = rule.condition == UNUSUALLY_HIGH
    bounds = f"at most {high}" if high_only else f"between {low} and {high}"
    expected = f"{bounds}, usual for {when}"
    weeks = f"the previous {band.weeks} weeks"
    if band.holds(value):
        summary = f"{subject} {shown}, within its usual {low} to {high} ({when}, {weeks})."
        return Judgement(OK, shown, expected, summary)
    if high_only and float(value) < band.low:
        summary = f"{subject} {shown}, below its usual {low} to {high} ({when}, {weeks})."
        return Judgement(OK, shown, expected, summary)
    side = "above" if float(value) > band.high else "below"
    summary = (
        f"{subject} {shown}, unusually {'high' if side == 'above' else 'low'}: {side} its "
        f"usual {low} to {high} for {when} over {weeks}."
    )
    return Judgement(BREACHED, shown, expected, summary)


def _band_words(headline: Headline, band: anomaly.Band, currency: str) -> tuple[str, str]:
    if headline.kind == "count":  # whole charges: the counts the range allows
        return str(math.ceil(band.low)), str(math.floor(band.high))
    low = Fraction(band.low).limit_denominator(10**6)
    high = Fraction(band.high).limit_denominator(10**6)
    return in_words(headline, low, currency), in_words(headline, high, currency)
