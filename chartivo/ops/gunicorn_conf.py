"""gunicorn settings for ``chartivo serve``; each can be overridden on the command line.

The values come from Django's settings, where they are read from the environment and
checked at start-up like every other setting. Logging follows the app's own settings
(``CHARTIVO_LOG_FORMAT``): gunicorn's own lines (start-up, worker restarts, the access log)
go through the same handler as the app's, so in JSON mode every line a web process writes
is one JSON object, and in either mode every line is masked alike.
"""

import copy
from pathlib import Path
from typing import Any

from django.conf import settings

bind = settings.SERVE_BIND
workers = settings.WEB_WORKERS
threads = settings.WEB_THREADS
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
# No control socket: its default path ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl) is
# shared by every gunicorn the user runs, and each one starting deletes the last one's.
# Chartivo is managed with signals (systemd, the Procfile: TERM, HUP, TTIN, TTOU).
control_socket_disable = True

_access_log = settings.ACCESS_LOG
# Query strings are left out of the access log: they never carry secrets here, but a
# policy that holds without thinking is worth more.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Masks every secret (a share token in a shared chart's path, a Stripe key, an API token) in
# each access-log atom, before any handler formats the line.
logger_class = "chartivo.ops.logs.MaskingLogger"

# In either format gunicorn's own lines (start-up, restarts, the access log) go through the
# app's handler, and so through its mask: a Stripe key or an API token pasted into an
# address is written masked, as in the app's own lines.
accesslog = None  # the access logger below writes through the app's handler
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
