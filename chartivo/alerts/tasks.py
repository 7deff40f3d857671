"""The alert task: it carries a delivery row's id, nothing else (no address, no secret)."""

from __future__ import annotations

from django_tasks import task

from chartivo.alerts.delivery import deliver

# News: after refreshes (a person may be watching a chart fill in), before digests.
ALERT_PRIORITY = 8


@task(queue_name="alerts", priority=ALERT_PRIORITY)
def send_alert(delivery_id: int) -> None:
    deliver(delivery_id)
