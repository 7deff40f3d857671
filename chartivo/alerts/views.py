"""The Alerts pages of an organisation: its rules with their state, the ready-made rules,
the form, a rule's delivery log, and the signing secret of a signed webhook.

Every member reads them (a viewer sees the same figures on the dashboard); owners and
admins add, change and delete rules, and only they see a webhook's address and secret.
A rule of another organisation is a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chartivo.alerts import signing
from chartivo.alerts.forms import RuleForm, describe, initial_of
from chartivo.alerts.models import SIGNED, AlertDelivery, AlertRule
from chartivo.alerts.presets import PRESET_BY_KEY, PRESETS, rule_from
from chartivo.charts.accounts import connections_of
from chartivo.charts.scope import user_of
from chartivo.charts.views import preference_of
from chartivo.lib.secretbox import DecryptionError
from chartivo.orgs.access import managers_only, membership_of, organisation_of

EVENTS_SHOWN = 50


def _rule(request: HttpRequest, rule_id: int) -> AlertRule:
    rule = (
        AlertRule.objects.filter(pk=rule_id, organisation=organisation_of(request))
        .select_related("connection")
        .first()
    )
    if rule is None:
        raise Http404
    return rule


def _zone(request: HttpRequest) -> str:
    """A new rule's zone: the one the member's dashboard was last looked at in."""
    return preference_of(user_of(request)).time_zone or "UTC"


def state_of(rule: AlertRule) -> dict[str, str]:
    """What the list says of a rule: a short state and its tone."""
    if not rule.enabled:
        return {"label": "Off", "tone": "muted"}
    if rule.breached:
        return {"label": "Breached", "tone": "bad"}
    if rule.last_status == "no_history":
        return {"label": "Not enough history yet", "tone": "muted"}
    if rule.last_status == "no_data":
        return {"label": "No figure to judge", "tone": "muted"}
    if rule.last_status == "ok":
        return {"label": "OK", "tone": "good"}
    return {"label": "Waiting for the next sync", "tone": "muted"}


@login_required
@require_http_methods(["GET"])
def rules(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    found = list(AlertRule.objects.filter(organisation=organisation).select_related("connection"))
    context = {
        "rules": [{"rule": r, "describe": describe(r), "state": state_of(r)} for r in found],
        # A ready-made rule already added links to its rule instead of offering a copy.
        "presets": [(p, next((r for r in found if r.preset == p.key), None)) for p in PRESETS],
        "manages": membership_of(request).manages,
        "connections": connections_of(request),
        "email_enabled": settings.EMAIL_ENABLED,
    }
    return render(request, "alerts/list.html", context)


@managers_only
@require_POST
def preset_add(request: HttpRequest) -> HttpResponse:
    preset = PRESET_BY_KEY.get(request.POST.get("preset", ""))
    if preset is None:
        raise Http404
    if not connections_of(request):
        messages.error(request, "Connect a Stripe account first: a rule watches its figures.")
        return redirect("alerts")
    added = AlertRule.objects.filter(organisation=organisation_of(request), preset=preset.key)
    if existing := added.first():  # a second click, or an older page: no second copy
        messages.info(request, f"“{existing.name}” is already one of your rules.")
        return redirect("alert_detail", existing.pk)
    rule = rule_from(
        preset,
        organisation=organisation_of(request),
        connection=None,
        time_zone=_zone(request),
        created_by=user_of(request),
    )
    rule.save()
    messages.success(request, f"“{rule.name}” added. It is checked after every sync.")
    return redirect("alert_detail", rule.pk)


def _form_page(
    request: HttpRequest, form: RuleForm, rule: AlertRule | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "rule": rule, "email_enabled": settings.EMAIL_ENABLED}
    return render(request, "alerts/form.html", context, status=status)


def _new_secret_if_needed(request: HttpRequest, rule: AlertRule) -> None:
    """A signed webhook gets its signing secret when it has none."""
    if rule.webhook_url and rule.webhook_format == SIGNED and not rule.webhook_secret_sealed:
        rule.webhook_secret_sealed = signing.seal_secret(rule, signing.new_secret())
        rule.save(update_fields=["webhook_secret_sealed"])
        messages.info(request, "The webhook is signed: reveal its signing secret below.")


def _reset_state(rule: AlertRule) -> None:
    """A changed rule is a new question: judged afresh at the next sync."""
    rule.breached, rule.breached_at = False, None
    rule.evaluated_at = rule.evaluated_cut = None
    rule.last_status = rule.last_value = rule.last_expected = rule.last_summary = ""


@managers_only
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    connections = connections_of(request)
    if request.method == "POST":
        form = RuleForm(request.POST, connections=connections)
        if form.is_valid():
            rule = AlertRule(organisation=organisation_of(request), created_by=user_of(request))
            form.apply(rule)
            rule.save()
            _new_secret_if_needed(request, rule)
            messages.success(request, f"“{rule.name}” added. It is checked after every sync.")
            return redirect("alert_detail", rule.pk)
        return _form_page(request, form, None, status=400)
    initial = {"time_zone": _zone(request), "window": "day", "notify_email": True, "enabled": True}
    return _form_page(request, RuleForm(initial=initial, connections=connections), None)


@managers_only
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    connections = connections_of(request)
    if request.method == "POST":
        form = RuleForm(request.POST, connections=connections, initial=initial_of(rule))
        if form.is_valid():
            changed = any(
                name not in ("name", "notify_email", "webhook_url", "webhook_format", "daily_cap")
                for name in form.changed_data
            )
            form.apply(rule)
            if changed:
                _reset_state(rule)
            if rule.webhook_format != SIGNED:
                rule.webhook_secret_sealed = ""
            rule.save()
            _new_secret_if_needed(request, rule)
            messages.success(request, "Rule saved.")
            return redirect("alert_detail", rule.pk)
        return _form_page(request, form, rule, status=400)
    return _form_page(request, RuleForm(initial=initial_of(rule), connections=connections), rule)


def _detail_page(request: HttpRequest, rule: AlertRule, secret: str | None = None) -> HttpResponse:
    events = list(
        rule.events.prefetch_related(
            Prefetch(
                "deliveries",
                queryset=AlertDelivery.objects.select_related("recipient").order_by("pk"),
            )
        )[:EVENTS_SHOWN]
    )
    context: dict[str, Any] = {
        "rule": rule,
        "describe": describe(rule),
        "state": state_of(rule),
        "events": events,
        "manages": membership_of(request).manages,
        "email_enabled": settings.EMAIL_ENABLED,
        "secret": secret,
    }
    response = render(request, "alerts/detail.html", context)
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _detail_page(request, _rule(request, rule_id))


@managers_only
@require_POST
def rule_secret(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Shows the signing secret (reveal) or replaces it (rotate), in the answer to a POST
    only: never in an address, a session or a page a link preview could open."""
    rule = _rule(request, rule_id)
    if rule.webhook_format != SIGNED or not rule.webhook_url:
        raise Http404
    if request.POST.get("action") == "rotate" or not rule.webhook_secret_sealed:
        secret = signing.new_secret()
        rule.webhook_secret_sealed = signing.seal_secret(rule, secret)
        rule.save(update_fields=["webhook_secret_sealed"])
        messages.success(request, "New signing secret made: the old one no longer signs.")
    else:
        try:
            secret = signing.open_secret(rule)
        except (DecryptionError, ValueError):
            messages.error(request, "The signing secret cannot be read any more: rotate it.")
            return redirect("alert_detail", rule.pk)
    return _detail_page(request, rule, secret)


@managers_only
@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    if request.method == "POST":
        name = rule.name
        rule.delete()
        messages.success(request, f"“{name}” deleted, with its log.")
        return redirect("alerts")
    return render(request, "alerts/confirm_delete.html", {"rule": rule})
