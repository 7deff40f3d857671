"""The Alerts pages (being built: the list and a rule's page answer already)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from chartivo.alerts.models import AlertRule
from chartivo.orgs.access import organisation_of


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Alerts")


@login_required
def rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = AlertRule.objects.filter(pk=rule_id, organisation=organisation_of(request)).first()
    if rule is None:
        raise Http404
    return HttpResponse(rule.name)


rule_new = preset_add = rules


@login_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return rule_detail(request, rule_id)


rule_delete = rule_secret = rule_edit
