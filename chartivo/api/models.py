"""Personal access tokens for the read API.

A token belongs to one membership: a member makes it for the organisation they work in,
and it reads what that member may read there. Removing the member deletes the membership
and, with it, every token they made for that organisation, so none works a moment later.
Only a digest of the token is stored (``chartivo.api.tokens``); the token itself is shown
once, when it is made.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from chartivo.orgs.models import Membership


class ApiToken(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # SHA-256 of the whole token, hex: what a request's token is looked up by.
    digest = models.CharField(max_length=64, unique=True)
    # The token's first characters ("chv_AbC1"), to tell tokens apart in the list; they
    # identify, they do not authenticate.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"token {self.pk} of membership {self.membership_id}"
