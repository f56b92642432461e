"""gunicorn settings: `gunicorn config.wsgi -c config/gunicorn.conf.py`.

SIGTERM (systemd stop, a deploy) is a graceful stop: the listening socket closes at once,
requests in flight get `WEB_GRACEFUL_SECONDS` to finish, then their workers are killed,
and PostgreSQL rolls back whatever transaction a killed worker left open. A worker stuck
on one request for `WEB_TIMEOUT_SECONDS` is replaced. Every value comes from the
environment, like the settings module.
"""

import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_SECONDS", "20"))
# Query strings can hold client data (a search): the access log, when on, shows the path
# only (ids in paths are UUIDs).
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG") else None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No control socket (gunicorn 25.1+): nothing here uses it, and every instance on a host
# would otherwise share one default path ($HOME/.gunicorn/gunicorn.ctl).
control_socket_disable = True
