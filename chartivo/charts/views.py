"""Home (the dashboard), New Chart and the chart page. Views read aggregates only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from chartivo.accounts.models import User
from chartivo.accounts.throttle import Limit, Refused, take
from chartivo.charts.accounts import (
    Source,
    choices,
    connections_of,
    status_of_source,
)
from chartivo.charts.dashboard import HEADLINES, cached_figures, dashboard_range
from chartivo.charts.definitions import all_definitions
from chartivo.charts.figures import Drawing, drawing
from chartivo.charts.forms import ChartForm, ViewRangeForm
from chartivo.charts.headlines import (
    currencies_of,
    currency_choice,
    dashboard_heading,
    headline_views,
)
from chartivo.charts.home_cards import cards_html
from chartivo.charts.models import RANGE_LABELS, Chart, DashboardPreference
from chartivo.charts.payloads import build_payload, state_of
from chartivo.charts.pending import pending_text
from chartivo.charts.presentation import card_summary
from chartivo.charts.query import (
    CHARGED,
    FOLLOW_DASHBOARD,
    SETTLEMENT,
    VIEWS,
    ChartSpec,
    ResolvedSpec,
    ViewRange,
    with_range,
)
from chartivo.charts.scope import (
    account_links,
    card_for_member,
    connection_of,
    for_member,
    may_edit,
    shown_charts,
    user_of,
    view_links,
    visible_charts,
)
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.integrations.stripe.sync.status import SyncStatus
from chartivo.metrics.money import reader_locale
from chartivo.metrics.periods import RangeError, zone_names
from chartivo.orgs.access import membership_of, organisation_of

HOME_PAGE_SIZE = 24
_RANGE_NAMES = dict(RANGE_LABELS)


def locale_of(request: HttpRequest) -> str:
    return reader_locale(request.headers.get("Accept-Language", ""))


def preference_of(user: User) -> DashboardPreference:
    preference, _ = DashboardPreference.objects.get_or_create(user=user)
    return preference


def range_name(view: ViewRange) -> str:
    if view.range_preset == "custom" and view.custom_start and view.custom_end:
        return f"{view.custom_start:%Y-%m-%d} – {view.custom_end:%Y-%m-%d}"
    return _RANGE_NAMES.get(view.range_preset, view.range_preset)


def _query(view: ViewRange) -> str:
    params = {"range": view.range_preset, "tz": view.time_zone, "compare": view.compare}
    if view.range_preset == "custom" and view.custom_start and view.custom_end:
        params.update(
            {"from": f"{view.custom_start:%Y-%m-%d}", "to": f"{view.custom_end:%Y-%m-%d}"}
        )
    return urlencode(params)


def _dashboard_context(
    request: HttpRequest,
    connection: Source | None,
    sync: SyncStatus | None,
    view: ViewRange,
) -> dict[str, Any]:
    locale = locale_of(request)
    context: dict[str, Any] = {"headlines": [], "dashboard_error": ""}
    dashboard = dashboard_heading(view, context)
    if dashboard is None:
        return context
    zone = ZoneInfo(dashboard.zone_name)
    context["dashboard"] = dashboard
    if connection is None or sync is None:
        return context
    figures = cached_figures(connection, sync, dashboard)
    # Opens in the settlement currency where the range's money settled in exactly one
    # (read from the cached figures themselves: no other query).
    settles_in = currencies_of(figures, settled=True)
    currency_view = request.GET.get("view") or (SETTLEMENT if len(settles_in) == 1 else CHARGED)
    settled = currency_view == SETTLEMENT
    currencies, currency = currency_choice(
        figures, request.GET.get("currency") or "", settled=settled
    )
    context.update(
        headlines=headline_views(figures, currency.lower(), locale, settled=settled),
        currency=currency,
        currencies=currencies,
        currency_view=CHARGED if not settled else SETTLEMENT,
        view_links=view_links(request, _query(view), SETTLEMENT if settled else CHARGED),
        so_far=dashboard.time_range.so_far,
        cut=dashboard.cut.astimezone(zone),
        pending=pending_text(figures.pending(), locale) if settled else "",
    )
    return context


def _card(
    chart: Chart,
    shown: Drawing,
    connection: Source | None,
    sync: SyncStatus | None,
    locale: str,
    view: ViewRange,
) -> dict[str, Any]:
    state, message, percent = state_of(shown, connection, sync)
    resolved = shown.resolved
    summary = None
    if (
        shown.figures is not None
        and isinstance(resolved, ResolvedSpec)
        and state in ("ready", "syncing")
    ):
        summary = card_summary(shown.figures, resolved, range_name(shown.spec.view_range()), locale)
    return {
        "chart": chart,
        "state": state,
        "message": message,
        "percent": percent,
        "summary": summary,
        "trend_id": f"trend-{chart.pk}",
        "trend": {"values": summary.trend} if summary else None,
        "zone": resolved.zone.key if isinstance(resolved, ResolvedSpec) else shown.spec.time_zone,
        "range": range_name(shown.spec.view_range()),
        "follows": chart.range_preset == FOLLOW_DASHBOARD,
        "so_far": isinstance(resolved, ResolvedSpec) and resolved.time_range.so_far,
    }


def drawn_spec(chart: Chart, dashboard: ViewRange) -> ChartSpec:
    """A saved chart's spec as drawn: over the dashboard's range if it follows it."""
    spec = chart.spec()
    return with_range(spec, dashboard) if spec.follows_dashboard else spec


def _resolves(view: ViewRange) -> bool:
    try:
        dashboard_range(view, now=timezone.now())
    except (RangeError, ValueError):
        return False
    return True


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    connection = connection_of(request)
    sync = status_of_source(connection) if connection else None
    preference = preference_of(user)
    form = ViewRangeForm(request.GET)
    view = form.view_range(preference.view())
    if form.given() and form.is_valid() and view != preference.view() and _resolves(view):
        # Remembered: the next visit to Home opens on the range last looked at (one that
        # can be shown: a range that fails would greet every later visit with an error).
        DashboardPreference.objects.filter(pk=preference.pk).update(
            range_preset=view.range_preset,
            custom_start=view.custom_start,
            custom_end=view.custom_end,
            time_zone=view.time_zone,
            compare=view.compare,
        )
    page = Paginator(shown_charts(request), HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    charts = list(page.object_list)
    locale = locale_of(request)
    sources = _sources(request, charts, connection, sync)
    # Home's currency view, when chosen, is its charts' view too (else each chart opens in
    # its account's own: ``figures.currency_view_of``).
    asked = request.GET.get("view", "")
    specs = [drawn_spec(c, view) for c in charts]
    if asked in VIEWS:
        specs = [replace(spec, view=asked) for spec in specs]

    def build(shown: list[Drawing]) -> list[dict[str, Any]]:
        cards = []
        for chart, drawn, (source, own_sync) in zip(charts, shown, sources, strict=True):
            card = _card(chart, drawn, source, own_sync, locale, view)
            card = card_for_member(request, card)
            cards.append({**card, "editable": may_edit(request, chart), "source": source})
        return cards

    cards = cards_html(
        request,
        charts=charts,
        specs=specs,
        sources=sources,
        page=page,
        locale=locale,
        build=build,
    )
    context = {
        "page": page,
        "cards_html": cards,
        "connection": connection,
        "sync": sync,
        "view": view,
        "range_form": ViewRangeForm({**_as_params(view)}),
        "range_problems": form.problems(view),
        "range_name": range_name(view),
        "zones": zone_names(),
        "undo": _undo(request),
        **account_links(request, connection, _query(view)),
        **_dashboard_context(request, connection, sync, view),
    }
    return render(request, "charts/home.html", context)


def _sources(
    request: HttpRequest,
    charts: list[Chart],
    source: Source | None,
    sync: SyncStatus | None,
) -> list[tuple[Source | None, SyncStatus | None]]:
    """Each chart's account: its own, or Home's when it has none or the address chose one
    (a chart of one account is drawn with that account's sync)."""
    asked = bool(request.GET.get("account"))
    found: dict[int | None, tuple[Source | None, SyncStatus | None]] = {None: (source, sync)}
    for chart in charts:
        saved = None if asked else chart.connection_id
        if saved not in found:
            own = connection_of(request, saved)
            found[saved] = (own, status_of_source(own) if own else None)
    return [found[None if asked else chart.connection_id] for chart in charts]


def _as_params(view: ViewRange) -> dict[str, str]:
    return dict(parse_qsl(_query(view)))


def _undo(request: HttpRequest) -> Chart | None:
    chart_id = request.session.pop("undo_chart", None)
    if chart_id is None:
        return None
    return visible_charts(request).filter(pk=chart_id, deleted_at__isnull=False).first()


def chart_form_context(form: ChartForm, connection: Source | None) -> dict[str, Any]:
    """What New Chart and Edit chart share: the metrics with what the key lacks for each,
    every metric's options for the page's script, and the zones to pick from."""
    sync = status_of_source(connection) if connection else None
    unavailable = dict(sync.availability.unavailable) if sync else {}
    metrics = [
        {
            "key": m.key,
            "label": m.label,
            "description": m.description,
            "problem": unavailable.get(m.label, ""),
        }
        for m in METRICS.values()
    ]
    catalogue = {
        m.key: {
            "measures": [[x.key, x.label] for x in m.measures],
            "breakdowns": [[b.key, b.label] for b in m.breakdowns],
        }
        for m in METRICS.values()
    }
    return {
        "form": form,
        "connection": connection,
        "metrics": metrics,
        "catalogue": catalogue,
        "zones": zone_names(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def new_chart(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    connection = connection_of(request)
    source = request.POST.get("source") or request.GET.get("source", "")
    dashboard = preference_of(user).view()
    form = ChartForm(
        request.POST or None,
        # A chart of its own range opens in the zone Home was last looked at in.
        initial={"metric": request.GET.get("metric"), "time_zone": dashboard.time_zone},
        dashboard=dashboard,
        accounts=choices(connections_of(request)),
    )
    if request.method == "POST" and connection is not None and form.is_valid():
        chart = form.save(commit=False)
        chart.connection_id = form.account_id()
        chart.owner = user
        chart.organisation = organisation_of(request)
        # A viewer's charts are their own: the organisation's are its managers' to change.
        chart.personal = not membership_of(request).manages
        chart.source = "stripe"
        # A new chart goes first on Home, as the newest always did.
        first = (
            shown_charts(request).order_by("position").values_list("position", flat=True).first()
        )
        chart.position = (first or 0) - 1
        chart.save()
        return redirect("chart_detail", chart_id=chart.pk)
    context = {**chart_form_context(form, connection), "source": source}
    return render(
        request, "charts/new.html", context, status=400 if request.method == "POST" else 200
    )


def _over_preview_limit(user: User) -> bool:
    """Previews per user and minute: each one reads aggregates, and a script (or a held
    key) could ask for thousands. Counted in the database like log-in attempts, so every
    web process shares one count."""
    limit = Limit("preview-user", settings.PREVIEWS_PER_MINUTE, 60)
    return isinstance(take((limit, limit.key(str(user.pk)))), Refused)


@login_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if _over_preview_limit(user):
        return JsonResponse(
            {"state": "limited", "message": "Too many previews at once: this one will follow."},
            status=429,
        )
    form = ChartForm(
        request.GET, dashboard=preference_of(user).view(), accounts=choices(connections_of(request))
    )
    connection = connection_of(request, form.account_id() if form.is_valid() else None)
    if not form.is_valid():
        # A form half filled in while someone types: answered quietly (not an error).
        errors = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse({"state": "invalid", "message": " ".join(errors)})
    sync = status_of_source(connection) if connection else None
    spec = form.spec()
    if spec.follows_dashboard:
        spec = with_range(spec, preference_of(user).view())
    shown = drawing(spec, connection, sync)
    payload = build_payload(
        shown,
        connection,
        sync,
        locale=locale_of(request),
        chart_type=form.cleaned_data.get("chart_type") or "line",
    )
    return JsonResponse(for_member(request, payload).to_json())


@login_required
@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    """How every figure is counted (the same text as docs/metrics.md, from the code)."""
    return render(
        request,
        "charts/definitions.html",
        {
            "headlines": HEADLINES,
            "metrics": list(METRICS.values()),
            "figures": all_definitions(),
        },
    )
