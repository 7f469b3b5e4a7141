"""Alembic environment for Flask-Migrate (Flask-SQLAlchemy 3, SQLAlchemy 2)."""

import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    # Configure logging for the command line only; leave an app's (or pytest's) alone.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def run_migrations_offline():
    """Emit SQL for the configured URL without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run against the app's engine; an autogenerate with no changes writes no file."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with sqlite_foreign_keys_off(connection), context.begin_transaction():
            context.run_migrations()


@contextmanager
def sqlite_foreign_keys_off(connection):
    """SQLite's batch mode rebuilds a table (copy, drop, rename); with foreign keys on, the
    drop fails as soon as a row refers to the table. Off while migrating, then every
    reference is checked, as PostgreSQL would have done."""
    if connection.dialect.name != "sqlite":
        yield
        return
    # The PRAGMA only takes effect outside a transaction: on the driver's connection.
    driver = connection.connection.dbapi_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        if broken := driver.execute("PRAGMA foreign_key_check").fetchall():
            raise RuntimeError(f"the migration left rows with broken references: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
