"""The production task backend: django-tasks-rq, with Chartivo's task priorities allowed.

RQ has no priorities inside a queue, so django-tasks-rq refuses any task whose priority is
not the default rather than ignore it. Chartivo's priorities only ever say "refreshes before
the rest of a large first sync", and they follow the queues exactly: ``sync_connection``
(priority 10) is queued on ``refresh``, ``continue_sync`` (0) on ``backfill``. On RQ that
order comes from the queues themselves, since every worker listens to ``refresh`` then
``backfill`` (``chartivo worker``) and RQ always takes from the first non-empty queue it is
given. Nothing is lost by accepting the priorities, and the task code stays the same on both
backends (on the database backend the priorities are what orders the work).
"""

from __future__ import annotations

from django_tasks_rq import RQBackend


class QueueOrderedRQBackend(RQBackend):
    supports_priority = True
