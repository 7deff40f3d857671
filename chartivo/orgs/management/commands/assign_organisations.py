"""Puts into their owner's organisation the Stripe connections and charts that have none:
those the previous release saved while a deploy of organisations was under way (between
migrating and replacing its processes). The migration did the same for everything saved
before it; running this again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import OuterRef, Subquery

from chartivo.accounts.models import User
from chartivo.charts.models import Chart
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.orgs.models import OWNER, Membership, Organisation


def assign() -> int:
    """How many connections and charts were put into an organisation."""
    owners = StripeConnection.objects.filter(organisation__isnull=True).values("owner")
    makers = Chart.objects.filter(organisation__isnull=True).values("owner")
    for user_id in {
        *owners.values_list("owner", flat=True),
        *makers.values_list("owner", flat=True),
    }:
        if not Membership.objects.filter(user_id=user_id, role=OWNER).exists():
            # Their own, as the migration made for every user: never someone else's.
            user = User.objects.get(pk=user_id)
            organisation = Organisation.objects.create(name=user.email)
            Membership.objects.create(organisation=organisation, user=user, role=OWNER)
    home = Subquery(
        Membership.objects.filter(user_id=OuterRef("owner_id"), role=OWNER)
        .order_by("created_at", "pk")
        .values("organisation_id")[:1]
    )
    moved = StripeConnection.objects.filter(organisation__isnull=True).update(organisation=home)
    return moved + Chart.objects.filter(organisation__isnull=True).update(organisation=home)


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{assign()} connections and charts put into an organisation.")
