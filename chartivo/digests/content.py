"""What a digest says about one organisation's accounts for one period.

Every figure is Home's: the same range (``periods.DigestPeriod.view_range``), the same
computation and cache (``charts.dashboard``), the same currency view and wording
(``charts.headlines``). Only aggregates and words go into a section: it names no customer,
no Stripe object and no recipient, so one section serves every member who gets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chartivo.charts.accounts import Combined, Source, identity, status_of_source
from chartivo.charts.dashboard import (
    HEADLINES,
    DashboardRange,
    cached_figures,
    dashboard_range,
)
from chartivo.charts.figures import figures_version
from chartivo.charts.headlines import HeadlineView, currencies_of, headline_views, in_view
from chartivo.charts.pending import pending_text
from chartivo.digests.changes import largest_changes
from chartivo.digests.periods import DigestPeriod
from chartivo.metrics.periods import RangeError, RangePreset
from chartivo.metrics.windows import Compare, Compared, Unavailable
from chartivo.orgs.models import Organisation


@dataclass(frozen=True)
class MetricLine:
    key: str
    label: str
    value: str
    versus_previous: str  # "up +$12.00 (+5.0%) from $240.00", or "" without a comparison
    verdict: str  # good / bad / neutral, of the change against the previous period
    versus_year: str
    trend: tuple[float | None, ...]


@dataclass(frozen=True)
class Section:
    organisation: str
    organisation_id: int
    mode_label: str  # "Sandbox", "Live", or "Live and Sandbox"
    currency: str  # the currency amounts are shown in ("" with no money in the period)
    other_currencies: tuple[str, ...]
    settled: bool
    metrics: tuple[MetricLine, ...]
    changes: tuple[str, ...]  # the three largest changes, in words
    query: str  # Home's address for this range (after "/?")
    notes: tuple[str, ...]


def _dashboard(period: DigestPeriod, zone: str, compare: Compare, now: datetime) -> DashboardRange:
    dashboard = dashboard_range(period.view_range(zone, compare), now=now)
    if dashboard.preset == RangePreset.LAST_MONTH:
        first = dashboard.time_range.start.astimezone(ZoneInfo(zone)).date()
        if first != period.first:  # sent late, after another month began: its own dates
            custom = DigestPeriod("custom", period.first, period.last)
            view = custom.view_range(zone, compare)
            dashboard = dashboard_range(view, now=now)
    return dashboard


def _query(dashboard: DashboardRange, period: DigestPeriod, organisation_id: int) -> str:
    params = {"range": dashboard.preset.value}
    if dashboard.preset == RangePreset.CUSTOM:
        params |= {"from": f"{period.first:%Y-%m-%d}", "to": f"{period.last:%Y-%m-%d}"}
    params |= {
        "tz": dashboard.zone_name,
        "compare": Compare.PREVIOUS_PERIOD.value,
        "organisation": str(organisation_id),
    }
    return urlencode(params)


def _line(view: HeadlineView, year: HeadlineView | None) -> MetricLine:
    return MetricLine(
        view.key,
        view.label,
        view.value,
        view.change.text if view.change else "",
        view.change.verdict if view.change else "neutral",
        (year.change.text if year and year.change else ""),
        tuple(view.trend),
    )


def _mode_label(source: Source) -> str:
    return source.mode_label


_ADDRESS = re.compile(r"[^\s@<>]+@([^\s@<>]+)")


def _without_addresses(name: str) -> str:
    """An organisation is named after the member who signed up, by default their e-mail
    address: another member's digest must not carry it, so only its domain is shown."""
    return _ADDRESS.sub(lambda match: match.group(1), name)


# Sections by what makes them: recipient-free, so a thousand members of one organisation
# with the same zone cost one computation. Bounded, oldest dropped first.
_SECTIONS: dict[tuple[object, ...], Section] = {}
_MOST_SECTIONS = 256


def section(
    organisation: Organisation, source: Source, period: DigestPeriod, zone: str, now: datetime
) -> Section:
    """The section of ``organisation`` (all its accounts), computed once per change of its
    figures."""
    sync = status_of_source(source)
    version = figures_version(source, sync) if sync.last_synced_at else "unsynced"
    key = (organisation.pk, organisation.name, identity(source), version, period, zone)
    found = _SECTIONS.get(key)
    if found is None:
        found = _SECTIONS[key] = _compute(organisation, source, period, zone, now)
        while len(_SECTIONS) > _MOST_SECTIONS:
            del _SECTIONS[next(iter(_SECTIONS))]
    return found


def _compute(
    organisation: Organisation, source: Source, period: DigestPeriod, zone: str, now: datetime
) -> Section:
    try:
        return _figures_section(organisation, source, period, zone, now)
    except RangeError as refused:
        # A period the history does not cover (a month, with 30 days kept): Home refuses
        # it too, and the digest says why rather than showing a part of it as the whole.
        return Section(
            organisation=_without_addresses(organisation.name),
            organisation_id=organisation.pk,
            mode_label=_mode_label(source),
            currency="",
            other_currencies=(),
            settled=False,
            metrics=(),
            changes=(),
            query="",
            notes=(str(refused),),
        )


def _figures_section(
    organisation: Organisation, source: Source, period: DigestPeriod, zone: str, now: datetime
) -> Section:
    sync = status_of_source(source)
    dashboard = _dashboard(period, zone, Compare.PREVIOUS_PERIOD, now)
    figures = cached_figures(source, sync, dashboard)
    # Home's currency view: the settlement currency where the money settled in exactly one.
    settled = len(currencies_of(figures, settled=True)) == 1
    currencies = [c.upper() for c in currencies_of(figures, settled=settled)]
    currency = currencies[0] if currencies else ""
    views = headline_views(figures, currency.lower(), "en_US", settled=settled)
    notes: list[str] = []
    year_views: list[HeadlineView | None] = [None] * len(views)
    year = _dashboard(period, zone, Compare.PREVIOUS_YEAR, now)
    if isinstance(year.comparison, Compared):
        year_figures = cached_figures(source, sync, year)
        year_views = list(headline_views(year_figures, currency.lower(), "en_US", settled=settled))
    elif isinstance(year.comparison, Unavailable):
        notes.append(year.comparison.message)
    pending = pending_text(figures.pending(), "en_US") if settled else ""
    if pending:  # as Home says it: money charged that the settlement view cannot count yet
        notes.append(pending)
    if sync.last_synced_at is None or sync.last_synced_at < dashboard.time_range.end:
        notes.append("The last sync finished before this period ended: figures may be incomplete.")
    changes = largest_changes(
        source,
        figures,
        dashboard,
        [in_view(h, settled) for h in HEADLINES],
        currency.lower(),
        settled=settled,
    )
    return Section(
        organisation=_without_addresses(organisation.name),
        organisation_id=organisation.pk,
        mode_label=_mode_label(source),
        currency=currency,
        other_currencies=tuple(currencies[1:]),
        settled=settled,
        metrics=tuple(_line(v, y) for v, y in zip(views, year_views, strict=True)),
        changes=tuple(changes),
        query=_query(dashboard, period, organisation.pk),
        notes=tuple(notes),
    )


def modes_of(sources: list[Source]) -> set[str]:
    modes: set[str] = set()
    for source in sources:
        connections = source.connections if isinstance(source, Combined) else (source,)
        modes |= {c.mode for c in connections}
    return modes


def subject_mode(modes: set[str]) -> str:
    """What a message's subject starts with for data of these modes: "[Sandbox] " for test
    data only, "[Live and Sandbox] " for both, nothing for live data, so a test account's
    message is never taken for a live one."""
    if modes == {"test"}:
        return "[Sandbox] "
    return "[Live and Sandbox] " if "test" in modes else ""
