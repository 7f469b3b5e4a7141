"""Logs an operator can read: one line per request, a request id in every line of it.

``LOG_FORMAT=json`` (the default outside ``FLASK_DEBUG``) writes every log record as one
JSON object per line on stderr (python-json-logger), for a log collector; ``plain`` writes
readable lines for a terminal. Each request gets an id: the ``X-Request-ID`` of a trusted
proxy (``REQUEST_ID_TRUSTED``, on by default with ``PROXY_COUNT``) if it looks like one,
else a new random one. It is sent back as ``X-Request-ID`` and is the ``request_id`` of
every record logged while the request runs; the worker gives each job of a round an id of
its own (``job_context``), so a failed mail's traceback can be found with its round.

The request line names the method, the path, the status, the time in milliseconds and the
logged-in user's id, never an e-mail address or a query string (reset and manage links
carry tokens there); path segments that are tokens (``/kalender/<token>.ics``) are
replaced by their name. Liveness and readiness probes log at DEBUG, so a load balancer
polling every few seconds does not fill the log.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from flask import Flask, Response, current_app, g, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id, a UUID, …): nothing that could
# forge a log line or carry personal data of any length.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
PROBES = frozenset({"/healthz", "/readyz"})

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
request_log = logging.getLogger("app.request")


class RequestIdFilter(logging.Filter):
    """Puts the id of the running request or job on every record (``-`` outside both)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class _OurHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (as logging's last-resort handler
    does), not the stream of the moment it was made: a test runner swaps it per test. The
    class also marks the handler this module installed, so a second ``create_app``
    replaces it."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def log_format(app: Flask) -> str:
    return app.config.get("LOG_FORMAT") or ("plain" if app.debug else "json")


def make_formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, so the app's, the libraries' and the worker's
    records come out alike; Flask's own handler would print the app's records twice."""
    handler = _OurHandler()
    handler.setFormatter(make_formatter(log_format(app)))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.removeHandler(default_handler)
    # Alembic announces each of its plugins at INFO whenever it is imported: seven lines
    # of noise per process start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def new_request_id() -> str:
    return uuid.uuid4().hex


def _incoming_id() -> str | None:
    if not current_app.config.get("REQUEST_ID_TRUSTED"):
        return None
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _ACCEPTED_ID.fullmatch(offered) else None


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _incoming_id() or new_request_id()
    g.request_id_token = current_request_id.set(g.request_id)


def logged_path() -> str:
    """The path without its query, with token segments replaced by their names."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def _user_id() -> int | None:
    # Only a user this request has loaded already: a log line must not cost a query.
    user = g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or new_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    fields = {
        "method": request.method,
        "path": logged_path(),
        "status": response.status_code,
        "duration_ms": duration,
        "user_id": _user_id(),
    }
    level = logging.DEBUG if request.path in PROBES else logging.INFO
    if request_log.isEnabledFor(level):
        request_log.log(
            level,
            "%s %s %s %sms user=%s",
            *fields.values(),
            extra=fields,
        )
    return response


def _end_request(_error: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        # Set in another context (a copied one) it ends with that context anyway.
        with suppress(ValueError):
            current_request_id.reset(token)


@contextmanager
def job_context(name: str) -> Iterator[str]:
    """An id for one job of a worker's round, on every record the job logs."""
    job_id = f"job-{name.replace(' ', '-')}-{new_request_id()[:12]}"
    token = current_request_id.set(job_id)
    try:
        yield job_id
    finally:
        current_request_id.reset(token)


def init_app(app: Flask) -> None:
    """Call first in ``create_app``: the id must exist before any other hook logs, and the
    request line is written last, after compression and every other header."""
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
