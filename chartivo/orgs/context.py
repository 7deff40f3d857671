"""What every page's header shows of organisations: the one worked in, its role, and the
others to switch to (the profile menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from chartivo.orgs.access import membership_of
from chartivo.orgs.models import Membership


def organisation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    current = membership_of(request)
    others = (
        Membership.objects.filter(user=user).exclude(pk=current.pk).select_related("organisation")
    )
    return {"membership": current, "other_memberships": list(others)}
