"""Who may change whose membership, and the one rule that always holds: an organisation
keeps at least one owner."""

from __future__ import annotations

from django.db import transaction

from chartivo.orgs.models import OWNER, Membership, Organisation

LAST_OWNER = (
    "An organisation always keeps an owner: make another member owner first, or delete the "
    "organisation."
)
OWNERS_ONLY = "Only an owner can change an owner, or make someone owner."


class MembershipError(ValueError):
    """A change refused; the message says why, for the members page."""


def _check(actor: Membership, target: Membership, new_role: str | None) -> None:
    touches_owner = target.role == OWNER or new_role == OWNER
    if touches_owner and actor.role != OWNER:
        raise MembershipError(OWNERS_ONLY)
    if target.role == OWNER and new_role != OWNER:
        owners = Membership.objects.filter(organisation_id=target.organisation_id, role=OWNER)
        if not owners.exclude(pk=target.pk).exists():
            raise MembershipError(LAST_OWNER)


def _locked(organisation_id: int) -> None:
    # Changes in one organisation take turns: two owners demoting each other at once
    # would otherwise both see the other still an owner, and leave none.
    list(
        Organisation.objects.select_for_update()
        .filter(pk=organisation_id)
        .values_list("pk", flat=True)
    )


def change_role(actor: Membership, target_id: int, role: str) -> Membership:
    with transaction.atomic():
        _locked(actor.organisation_id)
        target = Membership.objects.get(organisation_id=actor.organisation_id, pk=target_id)
        _check(actor, target, role)
        target.role = role
        target.save(update_fields=["role"])
    return target


def remove_member(actor: Membership, target_id: int) -> Membership:
    """Ends the membership: the removed member's next request, in any of their sessions,
    no longer reaches the organisation (chartivo/orgs/access.py)."""
    with transaction.atomic():
        _locked(actor.organisation_id)
        target = Membership.objects.select_related("user").get(
            organisation_id=actor.organisation_id, pk=target_id
        )
        _check(actor, target, None)
        target.delete()
    return target
