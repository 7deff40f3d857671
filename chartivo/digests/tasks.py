"""The digest task: it carries a delivery row's id, nothing else."""

from __future__ import annotations

from django_tasks import task

from chartivo.digests.send import deliver

# After refreshes (a person may be watching a chart fill in), before large first syncs.
DIGEST_PRIORITY = 5


@task(queue_name="digest", priority=DIGEST_PRIORITY)
def send_digest(delivery_id: int) -> None:
    deliver(delivery_id)
