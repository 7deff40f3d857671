"""Who gets a rule's e-mail.

Every active member of the rule's organisation, whatever their role, who has an address
and has not turned alert e-mails off (their profile, or an alert's one-click unsubscribe
link): a viewer sees the same figures on the dashboard, so they may hear about a breach
of them. A member removed from the organisation gets nothing from the next evaluation on.
Alerts are on for a member who has no mail preference yet.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from chartivo.accounts.models import User
from chartivo.alerts.models import AlertRule
from chartivo.digests.models import MailPreference


def alert_recipients(rule: AlertRule) -> list[User]:
    """The users who get ``rule``'s e-mail, in the order they joined (one query)."""
    turned_off = MailPreference.objects.filter(user=OuterRef("pk"), alerts=False)
    return list(
        User.objects.filter(
            memberships__organisation_id=rule.organisation_id,
            is_active=True,
            signup_pending=False,
        )
        .exclude(email="")
        .exclude(Exists(turned_off))
        .order_by("memberships__created_at", "pk")
    )
