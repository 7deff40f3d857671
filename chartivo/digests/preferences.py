"""A user's mail preference (digest frequency, zone, alert e-mails), made on first use.

Apart from the scheduler so that the unsubscribe links, the profile and the operator's
command read it without importing what queues digests."""

from __future__ import annotations

from chartivo.accounts.models import User
from chartivo.charts.models import DashboardPreference
from chartivo.digests.models import MailPreference


def mail_preference_of(user: User) -> MailPreference:
    """The user's preference, made with their dashboard's zone when they have none."""
    found = MailPreference.objects.filter(user=user).first()
    if found is not None:
        return found
    zone = DashboardPreference.objects.filter(user=user).values_list("time_zone", flat=True)
    preference, _ = MailPreference.objects.get_or_create(
        user=user, defaults={"time_zone": zone.first() or "UTC"}
    )
    return preference
