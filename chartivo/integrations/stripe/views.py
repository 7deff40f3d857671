"""The Integrations page and its Stripe Configuration card: the steps of the published
user guide, in its words."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
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

BANNER_TAG = "stripe-config"


def _connection(user: User) -> StripeConnection | None:
    return StripeConnection.objects.filter(owner=user).first()


def _page(request: HttpRequest, form: StripeKeyForm, *, status: int = 200) -> HttpResponse:
    if form.errors.get("api_key"):
        # The error is read out with the field, before its help text.
        form.fields["api_key"].widget.attrs.update(
            {"aria-describedby": "api-key-error api-key-help", "aria-invalid": "true"}
        )
    user: User = request.user  # type: ignore[assignment]
    connection = _connection(user)
    context: dict[str, Any] = {"form": form, "connection": connection, "banner_tag": BANNER_TAG}
    if connection is not None:
        sync = status_of(connection)
        context["sync"] = sync
        context["availability"] = sync.availability
        context["reconciliation"] = payout_checks.window_summary(
            connection.pk, now=int(time.time()), history_days=settings.HISTORY_DAYS
        )
    return render(request, "integrations/index.html", context, status=status)


@login_required
@require_GET
def integrations(request: HttpRequest) -> HttpResponse:
    return _page(request, StripeKeyForm())


@sensitive_post_parameters("api_key")
@sensitive_variables("form", "raw_key")
@login_required
@require_POST
def save_stripe_key(request: HttpRequest) -> HttpResponse:
    form = StripeKeyForm(request.POST)
    user: User = request.user  # type: ignore[assignment]
    if form.is_valid():
        raw_key = form.cleaned_data["api_key"]
        try:
            connection = connecting.connect(user, raw_key)
        except (KeyFormatError, StripeCallError) as error:
            form.add_error("api_key", str(error))
        else:
            _announce(request, connection)
            return redirect(reverse("integrations") + "#stripe")
    return _page(request, form, status=400)


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


@login_required
@require_POST
def remove_stripe_key(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if connecting.disconnect(user):
        messages.success(
            request,
            "The Stripe key was removed, with every figure synced from it.",
            extra_tags=BANNER_TAG,
        )
    return redirect(reverse("integrations") + "#stripe")


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


@login_required
@require_GET
def stripe_status(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    connection = _connection(user)
    if connection is None:
        return JsonResponse({"state": "not_configured"})
    return JsonResponse(status_payload(status_of(connection)))
