"""Engine settings that differ per database, and the write lock bookings take."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

SQLITE_BEGIN = "sqlite_begin"


def configure_engine_events(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, WAL so the worker and the web server can share it,
    and transactions we begin ourselves, so a booking can ask for ``BEGIN IMMEDIATE``."""
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


def lock_row(session: Session, model: type, row_id: int) -> None:
    """Serialise writers on one row until the transaction ends.

    PostgreSQL: ``SELECT … FOR UPDATE`` on that row. SQLite has no row locks; there the
    transaction is restarted as ``BEGIN IMMEDIATE``, which takes the database's write lock
    at once, so a second writer waits here rather than failing at commit.
    """
    if session.get_bind().dialect.name == "sqlite":
        if session.in_transaction():
            session.commit()
        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
    else:
        session.execute(sa.select(model.id).where(model.id == row_id).with_for_update())
