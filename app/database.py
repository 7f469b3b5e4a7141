"""Engine settings that differ per database, the write lock bookings take, and telling a
transient conflict (deadlock, serialization failure, lock timeout) from a real error."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

SQLITE_BEGIN = "sqlite_begin"
IMMEDIATE = "IMMEDIATE"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def configure_engine_events(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, WAL so the worker and the web server can share it,
    and transactions we begin ourselves, so a write can ask for ``BEGIN IMMEDIATE``."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling would emit a plain BEGIN too late; see
        # SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL" recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: ``BEGIN IMMEDIATE``).

    SQLite has one writer at a time; a transaction that reads first and writes later
    (``DEFERRED``) can fail with "database is locked" when another wrote in between. Taking
    the write lock at the start makes a second writer wait (``busy_timeout``) instead.
    Elsewhere, and when the transaction already writes, this does nothing.
    """
    if not _is_sqlite(session):
        return
    if not session.in_transaction():
        session.connection(execution_options={SQLITE_BEGIN: IMMEDIATE})
        return
    mode = session.connection().get_execution_options().get(SQLITE_BEGIN)
    if mode != IMMEDIATE:
        raise RuntimeError(
            "This SQLite transaction began as a reader, so it cannot take the write lock "
            "without committing. Begin it with app.database.begin_write(session) before the "
            "first query (unsafe requests do so in a before_request hook)."
        )


def begin_request_writes() -> None:
    """before_request: a POST (PUT, PATCH, DELETE) writes, so on SQLite it begins as one.

    The view then commits once; nothing inside a service has to commit to get the lock.
    A request's session is fresh; one that already has a transaction (a test running the
    request inside its own app context) is left alone, and ``lock_row`` says so if needed.
    """
    if request.method in UNSAFE_METHODS:
        from app.extensions import db

        session = db.session()
        if not session.in_transaction():
            begin_write(session)


def lock_row(session: Session, model: type, row_id: int) -> None:
    """Serialise writers on one row until the transaction ends; never commits.

    PostgreSQL: ``SELECT … FOR UPDATE`` on that row. SQLite has no row locks; there the
    transaction must hold the database's write lock (``begin_write``), which it takes now
    if no transaction is open yet and refuses to take by committing a reader.
    """
    if _is_sqlite(session):
        begin_write(session)
    else:
        session.execute(sa.select(model.id).where(model.id == row_id).with_for_update())


def is_transient(error: BaseException) -> bool:
    """A conflict with another transaction that a retry (or "please try again") resolves."""
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(orig)
