"""What a share link's visitor sees: the chart or the dashboard (headline figures and cards), as
shared, and nothing else of the organisation (no account, key or sync state, no e-mail,
no link into the app). Every answer is ``no-store``: a revoked link shows nothing more,
from any cache.

An address that names no link, a revoked one and one whose chart was deleted answer the
same 404 page; an expired link says it has expired. A password is asked for once per
browser session, each guess counted before it is hashed (``chartivo.accounts.throttle``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib.auth.hashers import check_password
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from chartivo.accounts.throttle import Limit, Refused, forget, take
from chartivo.charts.figures import Drawing, drawing
from chartivo.charts.forms import ViewRangeForm
from chartivo.charts.payloads import ChartPayload, span_text
from chartivo.charts.presentation import figure
from chartivo.charts.query import VIEWS, ChartSpec, ResolvedSpec, ViewRange, with_range
from chartivo.charts.views import locale_of, range_name
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.lib.client_address import client_address
from chartivo.sharing.models import ShareLink
from chartivo.sharing.shared_cards import visitor_payload
from chartivo.sharing.shared_dashboard import dashboard_context, source_of
from chartivo.sharing.tokens import digest, well_formed

MINUTE = 60
# As log-in: a few guesses per link from one address, more per address over all links.
PASSWORD_PAIR = Limit("share-password-pair", 5, 15 * MINUTE)
PASSWORD_ADDRESS = Limit("share-password-address", 20, 15 * MINUTE)
THEMES = ("light", "dark")


def _unavailable(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    status = 410 if expired else 404
    return render(request, "sharing/unavailable.html", {"expired": expired}, status=status)


def _unlocked_key(link: ShareLink) -> str:
    return f"share-unlocked-{link.pk}"


def _password_page(request: HttpRequest, link: ShareLink) -> HttpResponse:
    if request.method != "POST":
        return render(request, "sharing/password.html", {})
    address = client_address(request)
    pair_key = PASSWORD_PAIR.key(str(link.pk), address)
    taken = take((PASSWORD_PAIR, pair_key), (PASSWORD_ADDRESS, PASSWORD_ADDRESS.key(address)))
    if isinstance(taken, Refused):
        error = f"Too many wrong passwords: try again in {taken.minutes} minutes."
        return render(request, "sharing/password.html", {"error": error}, status=429)
    if not check_password(request.POST.get("password", ""), link.password_hash):
        return render(request, "sharing/password.html", {"error": "Wrong password."}, status=403)
    forget(pair_key)
    taken.give_back(*(key for key in taken.keys if key != pair_key))
    request.session[_unlocked_key(link)] = True
    return redirect(request.get_full_path())


def _gate(request: HttpRequest, token: str) -> ShareLink | HttpResponse:
    """The link the address names, once it may be shown; else the page to show instead."""
    link = None
    if well_formed(token):
        link = ShareLink.objects.select_related("chart").filter(token_digest=digest(token)).first()
    if link is None or link.revoked_at is not None:
        return _unavailable(request)
    if link.chart is not None and link.chart.deleted_at is not None:
        return _unavailable(request)
    if link.expired():
        return _unavailable(request, expired=True)
    if link.password_hash and not request.session.get(_unlocked_key(link)):
        return _password_page(request, link)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET"])
    return link


def viewed_range(link: ShareLink, request: HttpRequest) -> ViewRange:
    """The link's view; its range as the visitor picked it, where the link allows that."""
    view = link.view()
    if not link.viewer_may_change_range:
        return view
    asked = ViewRangeForm(request.GET).view_range(view)
    return replace(
        view,
        range_preset=asked.range_preset,
        custom_start=asked.custom_start,
        custom_end=asked.custom_end,
    )


def _spec(link: ShareLink, request: HttpRequest) -> ChartSpec:
    assert link.chart is not None
    spec = with_range(link.chart.spec(), viewed_range(link, request))
    if link.granularity:
        spec = replace(spec, granularity=link.granularity)
    return replace(spec, view=link.currency_view)


def _payload(link: ShareLink, request: HttpRequest) -> tuple[Drawing, ChartPayload]:
    assert link.chart is not None
    drawn = source_of(link)
    shown = drawing(_spec(link, request), *drawn, with_counts=link.hide_small_counts)
    payload = visitor_payload(
        link,
        shown,
        drawn,
        locale=locale_of(request),
        chart_type=link.chart.chart_type,
        currency=request.GET.get("currency"),
    )
    return shown, payload


def _totals(payload: ChartPayload, locale: str) -> list[dict[str, str]]:
    previous = {s.key: s for s in payload.comparison.series} if payload.comparison else {}
    rows = []
    for series in payload.series:
        before = previous.get(series.key)

        def written(value: int, hidden: bool) -> str:
            return "Hidden" if hidden else figure(value, payload.kind, payload.currency, locale)

        rows.append(
            {
                "name": series.name,
                "currency": payload.currency,
                "total": written(series.total, series.total_hidden),
                "previous": written(before.total, before.total_hidden) if before else "",
            }
        )
    return rows


def _chart_context(link: ShareLink, request: HttpRequest) -> dict[str, Any]:
    assert link.chart is not None
    shown, payload = _payload(link, request)
    resolved = shown.resolved if isinstance(shown.resolved, ResolvedSpec) else None
    spec = shown.spec
    return {
        "title": link.chart.name,
        "metric": METRICS[link.chart.metric].label,
        "payload": payload,
        "payload_json": payload.to_json(),
        "chart_type": link.chart.chart_type,
        "range_name": range_name(spec.view_range()),
        "range_text": span_text(resolved.time_range, resolved.zone) if resolved else "",
        "view_label": VIEWS.get(resolved.view, "") if resolved and payload.kind == "amount" else "",
        "totals": _totals(payload, locale_of(request)) if payload.state == "ready" else [],
    }


def _page(request: HttpRequest, token: str, *, embed: bool) -> HttpResponse:
    gated = _gate(request, token)
    if isinstance(gated, HttpResponse):
        add_never_cache_headers(gated)
        return gated
    link = gated
    context: dict[str, Any] = {
        "link": link,
        "embed": embed,
        "theme": request.GET.get("theme") if request.GET.get("theme") in THEMES else "",
        "query": request.GET.urlencode(),
    }
    if link.viewer_may_change_range:
        view = viewed_range(link, request)
        context["range_form"] = ViewRangeForm(
            {
                "range": view.range_preset,
                **(
                    {"from": f"{view.custom_start:%Y-%m-%d}", "to": f"{view.custom_end:%Y-%m-%d}"}
                    if view.custom_start and view.custom_end
                    else {}
                ),
            }
        )
    if link.chart is not None:
        context.update(_chart_context(link, request))
        template = "sharing/chart.html"
    else:
        context.update(dashboard_context(link, request, viewed_range(link, request)))
        template = "sharing/dashboard.html"
    ShareLink.objects.filter(pk=link.pk).update(last_viewed_at=timezone.now())
    response = render(request, template, context)
    add_never_cache_headers(response)
    origins = link.origins()
    if embed and origins:
        # This response alone may be framed, and only by the sites the link lists; every
        # other response keeps X-Frame-Options: DENY and frame-ancestors 'none'.
        response.xframe_options_exempt = True
        response._csp_replace = {"frame-ancestors": origins}  # type: ignore[attr-defined]
    return response


@require_http_methods(["GET", "POST"])
def shared(request: HttpRequest, token: str) -> HttpResponse:
    return _page(request, token, embed=False)


@require_http_methods(["GET", "POST"])
def shared_embed(request: HttpRequest, token: str) -> HttpResponse:
    return _page(request, token, embed=True)


@require_GET
def shared_data(request: HttpRequest, token: str) -> HttpResponse:
    """A shared chart's data in another currency (its page's currency switcher)."""
    gated = _gate(request, token)
    if isinstance(gated, HttpResponse) or gated.chart is None:
        response = JsonResponse({"state": "unavailable"}, status=404)
    else:
        response = JsonResponse(_payload(gated, request)[1].to_json())
    add_never_cache_headers(response)
    return response
