"""The profile page: the user's own time zone, how often they get the digest, and whether
they get alert e-mails."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from chartivo.accounts.models import User
from chartivo.charts.accounts import connections_of
from chartivo.digests.models import FREQUENCY_CHOICES, MONTHLY, MailPreference
from chartivo.digests.periods import MONTHLY_HISTORY_DAYS
from chartivo.digests.preferences import mail_preference_of
from chartivo.metrics.periods import canonical_zone


class ProfileForm(forms.Form):
    time_zone = forms.CharField(label="Time zone", max_length=64)
    digest = forms.ChoiceField(
        label="Digest e-mail", choices=FREQUENCY_CHOICES, widget=forms.RadioSelect
    )
    alerts = forms.BooleanField(label="Alert e-mails", required=False)

    def clean_digest(self) -> str:
        chosen = str(self.cleaned_data["digest"])
        if chosen == MONTHLY and settings.HISTORY_DAYS < MONTHLY_HISTORY_DAYS:
            raise forms.ValidationError(
                f"This server keeps {settings.HISTORY_DAYS} days of history, too few for a "
                f"whole month (it takes {MONTHLY_HISTORY_DAYS}; an operator sets "
                "CHARTIVO_HISTORY_DAYS): choose daily or weekly."
            )
        return chosen

    def clean_time_zone(self) -> str:
        zone = canonical_zone(self.cleaned_data["time_zone"])
        if zone is None:
            raise forms.ValidationError("Choose a time zone from the list, e.g. Europe/Paris.")
        return zone


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    preference = mail_preference_of(user)
    initial: dict[str, Any] = {
        "time_zone": preference.time_zone,
        "digest": preference.digest,
        "alerts": preference.alerts,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes: dict[str, Any] = {
            "time_zone": form.cleaned_data["time_zone"],
            "alerts": form.cleaned_data["alerts"],
        }
        if form.cleaned_data["digest"] != preference.digest:
            changes |= {"digest": form.cleaned_data["digest"], "digest_since": timezone.now()}
        MailPreference.objects.filter(pk=preference.pk).update(**changes)
        messages.success(request, "Profile saved.")
        return redirect("profile")
    context = {
        "form": form,
        "email_enabled": settings.EMAIL_ENABLED,
        "connected": bool(connections_of(request)),
    }
    return render(request, "digests/profile.html", context, status=400 if form.errors else 200)
