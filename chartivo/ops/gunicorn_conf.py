"""gunicorn settings for ``chartivo serve``; each can be overridden on the command line.

Logging follows the app's own settings (``CHARTIVO_LOG_FORMAT``): in JSON mode gunicorn's
own lines (start-up, worker restarts, the access log) go through the same handler as the
app's, so every line a web process writes is one JSON object.
"""

import copy
import os
from pathlib import Path
from typing import Any

from django.conf import settings

bind = os.environ.get("CHARTIVO_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("CHARTIVO_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)))
threads = int(os.environ.get("CHARTIVO_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The heartbeat file on tmpfs: a slow or full disk must not make the arbiter kill workers.
_TMPFS = Path("/dev/shm")  # noqa: S108 - gunicorn's own advice: its heartbeat on tmpfs
worker_tmp_dir = str(_TMPFS) if _TMPFS.is_dir() else None
# A worker is replaced after this many requests (staggered), which bounds slow leaks.
max_requests = 5000
max_requests_jitter = 500

_access_log = os.environ.get("CHARTIVO_ACCESS_LOG", "1") == "1"
# Query strings are left out of the access log: they never carry secrets here, but a
# policy that holds without thinking is worth more.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

if settings.LOG_FORMAT == "json":
    accesslog = None  # the access logger below writes through the JSON handler
    logconfig_dict: dict[str, Any] = copy.deepcopy(settings.LOGGING)
    logconfig_dict["filters"]["access_fields"] = {"()": "chartivo.ops.logs.AccessLogFields"}
    logconfig_dict["loggers"].update(
        {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO" if _access_log else "WARNING",
                "handlers": ["console"],
                "filters": ["access_fields"],
                "propagate": False,
            },
        }
    )
else:
    accesslog = "-" if _access_log else None
