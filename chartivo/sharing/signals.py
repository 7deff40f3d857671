"""A removed member's share links end with their membership: whoever made a link knows
its address, so a link that outlived its maker's access would keep it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from chartivo.orgs.models import Membership
from chartivo.sharing.models import ShareLink


@receiver(post_delete, sender=Membership)
def revoke_links_of_removed_member(
    sender: type[Membership], instance: Membership, **_: Any
) -> None:
    ShareLink.objects.filter(
        organisation_id=instance.organisation_id,
        created_by_id=instance.user_id,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
