"""Making, listing and revoking share links: owners and admins of the organisation.

A link is made from the view on screen (the chart's or Home's address: range, zone,
comparison, granularity, currency view, account) and shown once, with its embed code.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from chartivo.charts.forms import ViewRangeForm
from chartivo.charts.models import Chart
from chartivo.charts.pages import looked_at
from chartivo.charts.query import VIEWS
from chartivo.charts.scope import owned, user_of
from chartivo.charts.views import preference_of, range_name
from chartivo.metrics.windows import COMPARE_LABELS, Compare
from chartivo.orgs.access import managers_only, organisation_of
from chartivo.sharing.forms import ShareForm
from chartivo.sharing.models import ShareLink
from chartivo.sharing.tokens import digest, new_token


def active_links(request: HttpRequest) -> QuerySet[ShareLink]:
    now = timezone.now()
    return (
        ShareLink.objects.filter(organisation=organisation_of(request), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(chart__isnull=True) | Q(chart__deleted_at__isnull=True))
        .select_related("chart", "created_by")
    )


def describe(link: ShareLink) -> str:
    """The view a link shows, in words: "Last 30 days · UTC · previous period"."""
    parts = [range_name(link.view()), link.time_zone]
    if link.compare != Compare.NONE.value:
        parts.append(f"compared with {COMPARE_LABELS[Compare(link.compare)].lower()}")
    if link.currency_view:
        parts.append(VIEWS.get(link.currency_view, link.currency_view).lower())
    if link.granularity:
        parts.append(f"by {link.granularity}")
    return " · ".join(parts)


@managers_only
@require_http_methods(["GET"])
def share_links(request: HttpRequest) -> HttpResponse:
    links = [{"link": link, "view": describe(link)} for link in active_links(request)]
    return render(request, "sharing/list.html", {"links": links})


def _shared_view(request: HttpRequest, chart: Chart | None) -> dict[str, Any]:
    """The fields of the view on screen, from the address the Share button carried."""
    if chart is not None:
        spec, _ = looked_at(chart, request)
        view = spec.view_range()
        granularity, currency_view = spec.granularity, spec.view
        account = request.GET.get("account") or (
            str(chart.connection_id) if chart.connection_id else ""
        )
    else:
        view = ViewRangeForm(request.GET).view_range(preference_of(user_of(request)).view())
        granularity, account = "", request.GET.get("account", "")
        currency_view = request.GET.get("view", "")
    return {
        "range_preset": view.range_preset,
        "custom_start": view.custom_start,
        "custom_end": view.custom_end,
        "time_zone": view.time_zone,
        "compare": view.compare,
        "granularity": granularity,
        "currency_view": currency_view if currency_view in VIEWS else "",
        "account": account[:16],
    }


# The form's answer shows the new address once (only its hash is kept), so it is the answer
# to the POST itself; a reload sends the form again. Each form carries a one-time value, and
# a form sent twice makes one link.
_ONCE_KEY = "share-form-once"
_ONCE_KEPT = 10


def _once(request: HttpRequest) -> str:
    value = secrets.token_urlsafe(12)
    request.session[_ONCE_KEY] = [*request.session.get(_ONCE_KEY, [])[-_ONCE_KEPT + 1 :], value]
    return value


def _spend_once(request: HttpRequest) -> bool:
    """Whether the form's one-time value was still unused (it is used up now)."""
    kept = list(request.session.get(_ONCE_KEY, []))
    value = request.POST.get("once", "")
    if value not in kept:
        return False
    kept.remove(value)
    request.session[_ONCE_KEY] = kept
    return True


@managers_only
@require_http_methods(["GET", "POST"])
def share_new(request: HttpRequest) -> HttpResponse:
    chart_id = request.GET.get("chart", "")
    chart = owned(request, int(chart_id)) if chart_id.isdigit() else None
    shared = _shared_view(request, chart)
    form = ShareForm(request.POST or None)
    preview = ShareLink(organisation=organisation_of(request), chart=chart, **shared)
    context: dict[str, Any] = {
        "form": form,
        "chart": chart,
        "view": describe(preview),
        "query": request.GET.urlencode(),
    }
    if request.method == "POST" and form.is_valid():
        if not _spend_once(request):
            messages.info(request, "That form was sent already: its link is in this list.")
            return redirect("share_links")
        token = new_token()
        data = form.cleaned_data
        link = ShareLink.objects.create(
            organisation=organisation_of(request),
            created_by=user_of(request),
            chart=chart,
            token_digest=digest(token),
            viewer_may_change_range=data["viewer_may_change_range"],
            expires_at=form.expires_at(),
            password_hash=make_password(data["password"]) if data["password"] else "",
            hide_small_counts=data["hide_small_counts"],
            min_objects=data["min_objects"],
            embed_origins=data["embed_origins"],
            **shared,
        )
        # The only time the address is shown: only its hash is kept.
        address = request.build_absolute_uri(f"/s/{token}/")
        return render(
            request,
            "sharing/created.html",
            {"link": link, "address": address, "view": describe(link), "embed": f"{address}embed/"},
        )
    context["once"] = _once(request)
    return render(
        request, "sharing/new.html", context, status=400 if request.method == "POST" else 200
    )


@managers_only
@require_POST
def share_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(ShareLink, organisation=organisation_of(request), pk=link_id)
    if link.revoked_at is None:
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    messages.success(request, f"The link to {link.title} no longer opens.")
    return redirect("share_links")
