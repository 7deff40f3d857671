"""``chartivo check --deploy``: what the operator must know about e-mail in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def e_mail_is_on(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.EMAIL_ENABLED:
        return []
    return [
        Warning(
            "E-mail is off (CHARTIVO_EMAIL_URL is empty): nobody can reset a forgotten "
            "password, and sign-up tells a visitor whether an address already has an account.",
            hint="Set CHARTIVO_EMAIL_URL and CHARTIVO_EMAIL_FROM (README, Settings).",
            id="chartivo.W001",
        )
    ]


@register(Tags.security, deploy=True)
def site_address_is_set(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.EMAIL_ENABLED or not settings.SITE_URL.startswith("http://localhost"):
        return []
    return [
        Warning(
            "Digests link to http://localhost:8000 (CHARTIVO_SITE_URL is not set): their "
            "dashboard and unsubscribe links will not work for their readers.",
            hint="Set CHARTIVO_SITE_URL to the app's public address, e.g. https://app.chartivo.io.",
            id="chartivo.W002",
        )
    ]
