"""Home's headline figures for the read API: the range, its comparison and each figure,
per currency for amounts, as exact decimal strings.

The range is Home's (``charts.dashboard.dashboard_range``; by default the one the member
last looked at), the figures Home's cached ones, the totals and the "settled in another
currency" rule the headline code's own; only the spelling differs (``1234.50`` for
``$1,234.50``, ``2.35`` for ``2.35%``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.api.errors import ApiError
from chartivo.api.figures import (
    NOT_CONFIGURED,
    account_id,
    pending_out,
    settled_view,
    source_for,
    view_range,
)
from chartivo.api.schemas import ViewQuery
from chartivo.charts.accounts import status_of_source
from chartivo.charts.dashboard import HEADLINES, DashboardFigures, Headline, cached_figures
from chartivo.charts.dashboard import dashboard_range as resolve_dashboard
from chartivo.charts.headlines import _settled_in, _total, currencies_of, in_view
from chartivo.charts.models import DashboardPreference
from chartivo.charts.query import CHARGED, SETTLEMENT
from chartivo.metrics.money import format_major, format_percent
from chartivo.metrics.periods import RangeError
from chartivo.metrics.windows import COMPARE_LABELS, Compare, Compared, Unavailable


def _percent(numerator: int, denominator: int) -> str | None:
    if not denominator:
        return None
    # The page's own rounding (half up, two decimals), without its locale's spelling.
    return format_percent(numerator, denominator, "en", decimals=2).rstrip("%").replace(",", "")


def _rate(headline: Headline, figures: DashboardFigures) -> list[dict[str, object]]:
    def rate(totals: dict[tuple[int, str], int]) -> str | None:
        return _percent(
            _total(totals, headline.numerator, None), _total(totals, headline.denominator, None)
        )

    previous = rate(figures.previous) if figures.previous is not None else None
    return [{"currency": None, "value": rate(figures.current), "previous": previous}]


def _count(headline: Headline, figures: DashboardFigures) -> list[dict[str, object]]:
    previous = figures.previous
    return [
        {
            "currency": None,
            "value": str(_total(figures.current, headline.numerator, None)),
            "previous": None
            if previous is None
            else str(_total(previous, headline.numerator, None)),
        }
    ]


def _amounts(
    headline: Headline, figures: DashboardFigures, currencies: list[str]
) -> tuple[list[dict[str, object]], str]:
    values: list[dict[str, object]] = []
    notes = []
    for code in currencies:
        settled = _settled_in(figures, headline, code)
        if settled:
            # As on Home: not a zero, the money moved in another currency.
            notes.append(f"{code.upper()} settled in {', '.join(settled)}.")
            values.append({"currency": code.upper(), "value": None, "previous": None})
            continue
        previous = figures.previous
        values.append(
            {
                "currency": code.upper(),
                "value": format_major(_total(figures.current, headline.numerator, code), code),
                "previous": None
                if previous is None
                else format_major(_total(previous, headline.numerator, code), code),
            }
        )
    return values, " ".join(notes)


def headlines_answer(request: HttpRequest, query: ViewQuery) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)
    preference = DashboardPreference.objects.filter(user=user).first()
    default = preference.view() if preference else DashboardPreference().view()
    view = view_range(query, default)
    try:
        dashboard = resolve_dashboard(view, now=timezone.now())
    except (RangeError, ValueError) as error:
        raise ApiError(400, "invalid_parameter", str(error)) from None
    source = source_for(request, query)
    if source is None:
        raise ApiError(409, "not_configured", NOT_CONFIGURED)
    sync = status_of_source(source)
    figures = cached_figures(source, sync, dashboard)
    settled = settled_view(query.view, currencies_of(figures, settled=True))
    currencies = currencies_of(figures, settled=settled)
    out = []
    for headline in HEADLINES:
        note = ""
        if headline.kind == "rate":
            values = _rate(headline, figures)
        else:
            shown = in_view(headline, settled)
            if headline.kind == "count":
                values = _count(shown, figures)
            else:
                values, note = _amounts(shown, figures, currencies)
            headline = shown
        out.append(
            {
                "key": headline.key,
                "label": headline.label,
                "kind": headline.kind,
                "definition": headline.definition,
                "values": values,
                "note": note,
            }
        )
    zone = ZoneInfo(dashboard.zone_name)
    return {
        "account": account_id(source),
        "zone": dashboard.zone_name,
        "range": {
            "start": dashboard.time_range.start.astimezone(zone).isoformat(),
            "end": dashboard.time_range.end.astimezone(zone).isoformat(),
        },
        "cut": dashboard.cut.astimezone(zone).isoformat(),
        "comparison": _comparison(dashboard.comparison, view.compare, zone),
        "view": SETTLEMENT if settled else CHARGED,
        "currencies": [c.upper() for c in currencies],
        "figures": out,
        "pending": pending_out(figures.pending()) if settled else [],
    }


def _comparison(
    comparison: Compared | Unavailable | None, compare: str, zone: ZoneInfo
) -> dict[str, object] | None:
    if comparison is None:
        return None
    if isinstance(comparison, Unavailable):
        return {"label": "", "message": comparison.message, "range": None}
    return {
        "label": COMPARE_LABELS[Compare(compare)],
        "message": "",
        "range": {
            "start": comparison.previous.start.astimezone(zone).isoformat(),
            "end": comparison.previous.end.astimezone(zone).isoformat(),
        },
    }
