"""The Integrations page and its Stripe Configuration card: the steps of the published
user guide, in its words, for the first account; then one row per connected account,
each with Replace and Remove, and "Add another Stripe account".

Only an organisation's owners and admins reach any of it: a viewer gets the 403 page
from every address here, whatever the method, and never learns a key's state.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from chartivo.accounts.models import User
from chartivo.integrations.stripe import connect as connecting
from chartivo.integrations.stripe.client import StripeCallError
from chartivo.integrations.stripe.forms import StripeKeyForm
from chartivo.integrations.stripe.keys import KeyFormatError
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.integrations.stripe.sync.status import SyncStatus, status_of
from chartivo.metrics import payout_checks
from chartivo.orgs.access import managers_only, organisation_of

BANNER_TAG = "stripe-config"
# Which form of the card a failed save came from, so its error is shown at that field.
FIRST, ADD = "first", "add"


def connections_of(request: HttpRequest) -> list[StripeConnection]:
    return list(
        StripeConnection.objects.filter(organisation=organisation_of(request)).order_by("pk")
    )


def _chosen(request: HttpRequest, connection_id: int) -> StripeConnection:
    # Another organisation's connection is a 404, exactly like one that does not exist.
    found = StripeConnection.objects.filter(
        organisation=organisation_of(request), pk=connection_id
    ).first()
    if found is None:
        raise Http404
    return found


def _page(
    request: HttpRequest,
    form: StripeKeyForm,
    *,
    failed: str | int = "",
    status: int = 200,
) -> HttpResponse:
    if form.errors.get("api_key"):
        # The error is read out with the field, before its help text.
        form.fields["api_key"].widget.attrs.update(
            {"aria-describedby": "api-key-error api-key-help", "aria-invalid": "true"}
        )
    connections = connections_of(request)
    rows = []
    for connection in connections:
        sync = status_of(connection)
        reconciliation = payout_checks.window_summary(
            connection.pk, now=int(time.time()), history_days=settings.HISTORY_DAYS
        )
        rows.append(
            {
                "connection": connection,
                "sync": sync,
                "availability": sync.availability,
                "reconciliation": reconciliation,
            }
        )
    context: dict[str, Any] = {
        "form": form if failed in (FIRST, "") else StripeKeyForm(),
        "add_form": form if failed == ADD else StripeKeyForm(),
        "replace_form": form if isinstance(failed, int) else None,
        "failed": failed,
        "rows": rows,
        "connection": connections[0] if len(connections) == 1 else None,
        "banner_tag": BANNER_TAG,
    }
    if len(rows) == 1:
        context["sync"] = rows[0]["sync"]
        context["availability"] = rows[0]["availability"]
        context["reconciliation"] = rows[0]["reconciliation"]
    return render(request, "integrations/index.html", context, status=status)


@managers_only
@require_GET
def integrations(request: HttpRequest) -> HttpResponse:
    return _page(request, StripeKeyForm())


@sensitive_variables("form", "raw_key")
def _save(
    request: HttpRequest,
    which: str | int,
    *,
    replacing: StripeConnection | None = None,
    add: bool = False,
) -> HttpResponse:
    form = StripeKeyForm(request.POST)
    old = replacing
    user: User = request.user  # type: ignore[assignment]
    org = organisation_of(request)
    if form.is_valid():
        raw_key = form.cleaned_data["api_key"]
        try:
            connection = connecting.connect(user, raw_key, organisation=org, replacing=old, add=add)
        except (KeyFormatError, StripeCallError) as error:
            form.add_error("api_key", str(error))
        else:
            _announce(request, connection)
            return redirect(reverse("integrations") + "#stripe")
    return _page(request, form, failed=which, status=400)


@sensitive_post_parameters("api_key")
@managers_only
@require_POST
def save_stripe_key(request: HttpRequest) -> HttpResponse:
    """The guide's Save: the first account, or a new key for the only one."""
    return _save(request, FIRST)


@sensitive_post_parameters("api_key")
@managers_only
@require_POST
def add_stripe_account(request: HttpRequest) -> HttpResponse:
    return _save(request, ADD, add=True)


@sensitive_post_parameters("api_key")
@managers_only
@require_POST
def replace_stripe_key(request: HttpRequest, connection_id: int) -> HttpResponse:
    return _save(request, connection_id, replacing=_chosen(request, connection_id))


def _announce(request: HttpRequest, connection: StripeConnection) -> None:
    sync = status_of(connection)
    available = sync.availability
    text = (
        f"Stripe is connected ({connection.mode_label}). "
        f"Available metrics: {', '.join(available.available) or 'none'}."
    )
    if available.unavailable:
        text += (
            " Not available: "
            + "; ".join(f"{label} ({why})" for label, why in available.unavailable)
            + "."
        )
    text += " The first sync has started; it can take up to 5 minutes."
    messages.success(request, text, extra_tags=BANNER_TAG)
    if not connection.restricted:
        messages.warning(request, connecting.SECRET_KEY_WARNING, extra_tags=BANNER_TAG)


def _removed(request: HttpRequest, connection_id: int | None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if connecting.disconnect(
        user, organisation=organisation_of(request), connection_id=connection_id
    ):
        messages.success(
            request,
            "The Stripe key was removed, with every figure synced from it.",
            extra_tags=BANNER_TAG,
        )
    return redirect(reverse("integrations") + "#stripe")


@managers_only
@require_POST
def remove_stripe_key(request: HttpRequest) -> HttpResponse:
    """The Remove of the card with one account: removes it (and nothing with several)."""
    connections = connections_of(request)
    if len(connections) != 1:
        return redirect(reverse("integrations") + "#stripe")
    return _removed(request, connections[0].pk)


@managers_only
@require_POST
def remove_stripe_account(request: HttpRequest, connection_id: int) -> HttpResponse:
    return _removed(request, _chosen(request, connection_id).pk)


def status_payload(sync: SyncStatus) -> dict[str, Any]:
    return {
        "state": sync.state,
        "percent": sync.percent,
        "eta_seconds": sync.eta_seconds,
        "last_synced_at": sync.last_synced_at.isoformat() if sync.last_synced_at else None,
        "error": sync.error,
        "resources": {
            key: {
                "label": r.label,
                "readable": r.readable,
                "message": r.message,
                "percent": r.percent,
            }
            for key, r in sync.resources.items()
        },
    }


@managers_only
@require_GET
def stripe_status(request: HttpRequest) -> HttpResponse:
    """One account's sync state (``?connection=<id>``; without it, the first account's)."""
    connections = connections_of(request)
    wanted = request.GET.get("connection", "")
    if wanted:
        connections = [c for c in connections if str(c.pk) == wanted]
    if not connections:
        return JsonResponse({"state": "not_configured"})
    return JsonResponse(status_payload(status_of(connections[0])))
