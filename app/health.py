"""Probes for load balancers and orchestrators: ``/healthz`` (alive) and ``/readyz`` (ready).

Liveness asks only whether this process answers: it touches nothing, so a database outage
does not make a supervisor restart every app server at once (which would not bring the
database back). Readiness asks whether this process can serve pages now: the database
answers, its schema is at this release's migration head (a new release started before
``flask db upgrade`` ran is not ready), and Redis answers when ``REDIS_URL`` is set.
Both answer JSON; a failing part is named with a word, never with an address, a password
or the driver's message (those go to the log).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import redis
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify

from app.extensions import db

REDIS_TIMEOUT_SECONDS = 1.0


def healthz():
    """200 while the process answers requests."""
    return jsonify(status="ok")


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The newest revisions this release ships (read once: the files do not change)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database_and_schema() -> tuple[str, str]:
    try:
        connection = db.session.connection()
        connection.execute(sa.text("SELECT 1"))
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("readiness: database unreachable")
        return "unreachable", "unknown"
    finally:
        db.session.rollback()  # a probe leaves no transaction open
    expected = migration_heads(str(Path(current_app.extensions["migrate"].directory)))
    if current == expected:
        return "ok", "ok"
    current_app.logger.warning(
        "readiness: schema at %s, this release expects %s (run flask db upgrade)",
        sorted(current) or "nothing",
        sorted(expected),
    )
    return "ok", "pending"


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as error:
        current_app.logger.warning("readiness: redis unreachable: %s", error)
        return "unreachable"
    finally:
        client.close()
    return "ok"


def readyz():
    """200 when the database, its schema and Redis (if configured) are ready, else 503."""
    database, migrations = _database_and_schema()
    checks = {"database": database, "migrations": migrations, "redis": _redis()}
    ready = all(value in {"ok", "not configured"} for value in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
