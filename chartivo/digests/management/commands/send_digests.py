"""``chartivo send_digests --user EMAIL --period weekly``: that user's digest for the last
complete period, sent now, whatever their schedule (for support, and for tests).

The period is recorded like a scheduled one, so the scheduler does not send it a second
time; asking again sends it again, on purpose.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chartivo.accounts.models import User
from chartivo.digests.models import FREQUENCIES, QUEUED, SENT, DigestDelivery
from chartivo.digests.periods import period_ending_before
from chartivo.digests.preferences import mail_preference_of
from chartivo.digests.send import deliver
from chartivo.metrics.periods import parse_zone


class Command(BaseCommand):
    help = "Send one user's digest for the last complete period now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="the user's e-mail address")
        parser.add_argument("--period", required=True, choices=FREQUENCIES)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["user"].strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with the address {options['user']!r}.")
        zone_name = mail_preference_of(user).time_zone
        today = timezone.now().astimezone(parse_zone(zone_name)).date()
        period = period_ending_before(options["period"], today)
        delivery, _ = DigestDelivery.objects.get_or_create(
            user=user,
            frequency=period.frequency,
            period_start=period.first,
            defaults={"time_zone": zone_name},
        )
        DigestDelivery.objects.filter(pk=delivery.pk).update(state=QUEUED, time_zone=zone_name)
        state = deliver(delivery.pk, as_scheduled=False)
        if state != SENT:
            raise CommandError(f"Not sent ({state or 'being sent by a worker'}).")
        self.stdout.write(
            f"Sent the {period.frequency} digest for {period.title} ({zone_name}) to {user.email}."
        )
