"""gunicorn's settings for production: ``gunicorn -c python:app.gunicorn_conf wsgi:app``.

A module of the package, so an installed wheel has it too (``app:create_app()`` instead of
``wsgi:app`` there). Every number comes from the environment:

- ``WEB_CONCURRENCY``: worker processes (default 2 per CPU core + 1, gunicorn's advice);
- ``GUNICORN_THREADS``: threads per worker (default 1: sync workers; the app keeps no
  state between requests, so more threads are safe where pages wait on the database);
- ``GUNICORN_TIMEOUT``: seconds a request may take before its worker is replaced (30);
- ``PORT`` / ``--bind``: gunicorn's own (``0.0.0.0:$PORT`` when ``PORT`` is set, else
  ``127.0.0.1:8000``).

The app is loaded once in the master and forked (``preload_app``): the workers share its
memory, and a broken configuration stops the start instead of every worker in a loop.
Nothing in ``create_app`` opens a database or Redis connection, so no socket is shared
across the fork. Requests are logged by the app (app/observability.py), so gunicorn's
access log stays off; its own messages come as JSON lines too with ``LOG_FORMAT=json``.
"""

from __future__ import annotations

import gc
import os

from gunicorn.glogging import Logger

workers = int(os.environ.get("WEB_CONCURRENCY") or (2 * (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # behind a proxy that keeps connections open
preload_app = True
# A worker is replaced after about a thousand requests: memory a long run may gather (a
# library's cache, fragmentation) is returned, never all workers at once.
max_requests = 1000
max_requests_jitter = 100
accesslog = None
errorlog = "-"
# Managed by signals and the process manager; gunicorn's control socket has one default
# path per user, which several app servers on one host would fight over.
control_socket_disable = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (heartbeat files)


class JsonLogger(Logger):
    """gunicorn's messages (workers booting, timeouts) in the app's JSON format."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        from app.observability import make_formatter

        for handler in self.error_log.handlers:
            handler.setFormatter(make_formatter("json"))


if os.environ.get("LOG_FORMAT", "json") == "json":
    logger_class = JsonLogger


def pre_fork(server, worker) -> None:
    # What the master loaded lives as long as the workers: kept out of the collector's
    # sight, its pages stay shared instead of being copied when a collection touches them.
    gc.freeze()
