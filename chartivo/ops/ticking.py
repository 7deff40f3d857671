"""The loop every scheduler thread of ``chartivo worker`` runs: a tick every few seconds.

The refresh scheduler (``integrations.stripe.sync.scheduler``), the digest scheduler
(``digests.schedule``) and the alert sweep (``alerts.sweep``) each give ``tick_forever``
their ``tick``. A tick that fails (the database restarting) is logged and the loop goes
on; connections are checked before and after each tick, as Django does around a request,
so one the database closed meanwhile is replaced.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections


def tick_forever(
    stop: threading.Event,
    seconds: float,
    tick: Callable[[], int],
    *,
    logger: logging.Logger,
    name: str,
    counted: str,
) -> None:
    """Calls ``tick`` every ``seconds`` until ``stop`` is set. When it queued something,
    logs "<name>.queued" with the number in field ``counted``; when it failed,
    "<name>.tick_failed" with the traceback."""
    while not stop.wait(seconds):
        try:
            close_old_connections()
            queued = tick()
            if queued:
                logger.info(f"{name}.queued", extra={counted: queued})
        except Exception:  # keep ticking: a database restart must not end the scheduler
            logger.exception(f"{name}.tick_failed")
        finally:
            close_old_connections()
