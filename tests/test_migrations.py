"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import app_config


def test_models_and_migrations_agree(app):
    """A model change without a migration (or the reverse) fails here, not in production."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_every_migration_can_be_undone(tmp_path):
    """Downgrade to nothing and up again, so a failed release can be rolled back."""
    scratch = create_app(app_config(f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"))
    with scratch.app_context():
        upgrade()
        downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "user" in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
