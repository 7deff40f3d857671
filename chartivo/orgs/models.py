"""Organisations: what owns Stripe connections and charts, and who may use them.

Every user belongs to at least one organisation (sign-up makes one named after them).
A member's role says what they may do: an owner manages members and may delete the
organisation; an admin manages integrations and members; a viewer sees dashboards and
charts and makes charts of their own, and never sees an integration or a key's state.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

OWNER = "owner"
ADMIN = "admin"
VIEWER = "viewer"
ROLE_CHOICES = [(OWNER, "Owner"), (ADMIN, "Admin"), (VIEWER, "Viewer")]
# Who may change integrations and members: the roles that are not "viewer".
MANAGERS = frozenset({OWNER, ADMIN})


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=8, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organisation_id} ({self.role})"

    @property
    def manages(self) -> bool:
        return self.role in MANAGERS

    @property
    def role_label(self) -> str:
        return dict(ROLE_CHOICES)[self.role]


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """An e-mail address asked to join with a role. The mailed link is signed and
    expires; it carries this row's id and nonce, so deleting the row (or accepting it,
    which deletes it) makes the link useless at once."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=ROLE_CHOICES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    nonce = models.CharField(max_length=32, default=_nonce, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["organisation", "email"], name="one_invitation")
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.organisation_id}"

    @property
    def role_label(self) -> str:
        return dict(ROLE_CHOICES)[self.role]
