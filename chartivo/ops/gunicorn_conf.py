"""gunicorn settings for ``chartivo serve``; each can be overridden on the command line."""

import os

bind = os.environ.get("CHARTIVO_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("CHARTIVO_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)))
threads = int(os.environ.get("CHARTIVO_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-" if os.environ.get("CHARTIVO_ACCESS_LOG", "1") == "1" else None
# Query strings are left out of the access log: they never carry secrets here, but a
# policy that holds without thinking is worth more.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
