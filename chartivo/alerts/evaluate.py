"""Evaluating an organisation's rules after each sync, and firing once per breach.

``after_sync(connection_id)`` runs at the end of every successful sync and refresh
(``chartivo.integrations.stripe.tasks.sync_finished``). It reads the enabled rules that
watch the connection (its own, and those of all the organisation's accounts), skips each
whose figures cannot have moved (no aggregate changed since it was last evaluated and its
window still ends where it did), and computes the rest with one query per source
(``figures.sums_of_windows``).

A rule's state changes only with its row locked: the verdict is compared with the locked
row, and an ``AlertEvent`` is written when "breached" flips (fired, or recovered), never
while it holds. An evaluation that finds a newer one already recorded (two workers, two
accounts of the organisation synced at once) leaves the row alone. An event over the rule's
cap of messages in the last 24 hours is recorded as capped, and not sent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chartivo.alerts.conditions import (
    BREACHED,
    OK,
    Judgement,
    RuleWindows,
    judge,
    windows_of,
)
from chartivo.alerts.delivery import queue_event
from chartivo.alerts.figures import complete_cut, sums_of_windows
from chartivo.alerts.models import FIRED, RECOVERED, AlertEvent, AlertRule
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.periods import unix_seconds
from chartivo.metrics.queries import Window

logger = logging.getLogger(__name__)
CAP_PERIOD = timedelta(hours=24)
_STATE_FIELDS = [
    "evaluated_at",
    "evaluated_cut",
    "last_status",
    "last_value",
    "last_expected",
    "last_summary",
]


@dataclass(frozen=True)
class _Account:
    pk: int
    figures_changed_at: datetime | None
    backfilled: bool


def after_sync(connection_id: int) -> list[AlertEvent]:
    """The sync hook: evaluates, and never fails the sync it follows (a failure is logged
    and the next refresh evaluates again)."""
    started = time.monotonic()
    try:
        events = evaluate_connection(connection_id)
    except Exception:
        logger.exception("alerts.evaluate_failed", extra={"connection": connection_id})
        return []
    if not events:
        return events
    logger.info(
        "alerts.evaluated",
        extra={
            "connection": connection_id,
            "events": len(events),
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return events


def evaluate_connection(connection_id: int, *, now: datetime | None = None) -> list[AlertEvent]:
    """Evaluates the enabled rules that watch ``connection_id`` as of ``now`` (the figures
    complete to its last whole 15 minutes); returns the events written."""
    now = now or timezone.now()
    # One query, joined through the organisation: most refreshes are of organisations
    # without a rule, and this is all they pay.
    rules = list(
        AlertRule.objects.filter(enabled=True, organisation__stripe_connections=connection_id)
        .filter(Q(connection_id=connection_id) | Q(connection__isnull=True))
        .order_by("pk")
    )
    if not rules:
        return []
    organisation_id = rules[0].organisation_id
    accounts = [
        _Account(pk, changed, backfilled is not None)
        for pk, changed, backfilled in StripeConnection.objects.filter(
            organisation_id=organisation_id
        )
        .order_by("pk")
        .values_list("pk", "figures_changed_at", "backfill_done_at")
    ]
    return evaluate_rules(rules, accounts, now)


def _watched(rule: AlertRule, accounts: list[_Account]) -> list[_Account]:
    if rule.connection_id is None:
        return accounts
    return [a for a in accounts if a.pk == rule.connection_id]


def _unchanged(rule: AlertRule, watched: list[_Account], cut: int) -> bool:
    """Nothing the rule reads can have moved since its last evaluation: same window end,
    and no aggregate of its accounts changed after it."""
    if rule.evaluated_cut != cut or rule.evaluated_at is None:
        return False
    changed = [a.figures_changed_at for a in watched if a.figures_changed_at is not None]
    return not changed or max(changed) <= rule.evaluated_at


def evaluate_rules(
    rules: list[AlertRule], accounts: list[_Account], now: datetime
) -> list[AlertEvent]:
    cut = complete_cut(unix_seconds(now))
    oldest = cut - settings.HISTORY_DAYS * 86400 + 900
    due: dict[tuple[int, ...], list[tuple[AlertRule, RuleWindows]]] = {}
    for rule in rules:
        watched = _watched(rule, accounts)
        if not watched or _unchanged(rule, watched, cut):
            continue
        # History before the first sync finished reading it would pass for quiet weeks.
        history_from = oldest if all(a.backfilled for a in watched) else cut
        source = tuple(a.pk for a in watched)
        due.setdefault(source, []).append((rule, windows_of(rule, cut, history_from)))
    events: list[AlertEvent] = []
    quiet: list[AlertRule] = []
    for source, planned in due.items():
        windows: list[Window] = []
        for _, each in planned:
            windows += [each.current, *([each.before] if each.before else []), *each.history]
        ids = source[0] if len(source) == 1 else list(source)
        sums = sums_of_windows(ids, windows)
        for rule, each in planned:
            verdict = judge(rule, each, sums)
            event = _record(rule, verdict, each.current, cut, now, quiet)
            if event is not None:
                events.append(event)
    if quiet:
        AlertRule.objects.bulk_update(quiet, _STATE_FIELDS)
    return events


def _remember(rule: AlertRule, verdict: Judgement, cut: int, now: datetime) -> None:
    rule.evaluated_at, rule.evaluated_cut = now, cut
    rule.last_status = verdict.status
    rule.last_value = verdict.value
    rule.last_expected = verdict.expected
    rule.last_summary = verdict.summary


def _record(
    rule: AlertRule,
    verdict: Judgement,
    window: Window,
    cut: int,
    now: datetime,
    quiet: list[AlertRule],
) -> AlertEvent | None:
    """Keeps the verdict; writes an event when it flips the rule's state."""
    breached = {BREACHED: True, OK: False}.get(verdict.status)
    if breached is None or breached == rule.breached:
        _remember(rule, verdict, cut, now)
        quiet.append(rule)
        return None
    with transaction.atomic():
        locked = AlertRule.objects.select_for_update().filter(pk=rule.pk).first()
        if locked is None:  # deleted meanwhile
            return None
        if locked.evaluated_cut is not None and locked.evaluated_cut > cut:
            return None  # a newer evaluation has spoken
        _remember(locked, verdict, cut, now)
        if locked.breached == breached:  # another worker recorded this very change
            locked.save(update_fields=_STATE_FIELDS)
            return None
        sent = AlertEvent.objects.filter(rule=locked, capped=False, at__gt=now - CAP_PERIOD)
        event = AlertEvent.objects.create(
            rule=locked,
            kind=FIRED if breached else RECOVERED,
            at=now,
            window_start=window.lo,
            window_end=window.hi,
            value=verdict.value,
            expected=verdict.expected,
            summary=verdict.summary,
            capped=sent.count() >= locked.daily_cap,
        )
        locked.breached = breached
        locked.breached_at = now if breached else None
        locked.save(update_fields=[*_STATE_FIELDS, "breached", "breached_at"])
        if not event.capped:
            queue_event(event)  # its tasks are queued once this transaction commits
    logger.info(
        "alerts.event",
        extra={"rule": rule.pk, "kind": event.kind, "capped": event.capped},
    )
    return event
