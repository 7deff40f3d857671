"""``chartivo check --deploy``: what the operator must know about accounts in production."""

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
