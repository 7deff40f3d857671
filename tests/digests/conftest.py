"""What the digest tests share: an organisation with a synced sandbox account, its
members' mail preferences, and running the digest queue as a worker would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command

from chartivo.digests.models import MailPreference

KATHMANDU = ZoneInfo("Asia/Kathmandu")


def last_monday_at(hour: int, minute: int, zone: ZoneInfo, before: datetime) -> datetime:
    """The latest Monday ``hour``:``minute`` local time before ``before`` (in the past, so
    the week before it is complete and inside the sandbox's 30 days)."""
    local = before.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    if monday >= before:
        monday -= timedelta(days=7)
    return monday


def subscribe(user: Any, *, zone: str, frequency: str = "weekly", since: datetime) -> None:
    """The user's preference as the profile page leaves it, subscribed since ``since``."""
    MailPreference.objects.update_or_create(
        user=user, defaults={"time_zone": zone, "digest": frequency, "digest_since": since}
    )


def run_digest_queue() -> None:
    """Runs the queued digest tasks in this process, as a worker would."""
    call_command(
        "db_worker",
        queue_name="digest",
        batch=True,
        no_startup_delay=True,
        interval=0,
        reload=False,
        verbosity=0,
    )
