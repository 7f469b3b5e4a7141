"""canvases: sticky notes, frozen versions, review comments, transitions; reviewers; a canvas on a booking

Revision ID: 4f93e80f28f8
Revises: a41c7e2d9f10
Create Date: 2026-12-07 14:36:25.268121

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4f93e80f28f8"
down_revision = "a41c7e2d9f10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "canvas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("legend", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'in_review', 'changes_requested', 'approved')",
            name=op.f("ck_canvas_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user.id"],
            name=op.f("fk_canvas_assignee_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_canvas_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_canvas_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canvas")),
    )
    with op.batch_alter_table("canvas", schema=None) as batch_op:
        batch_op.create_index(
            "ix_canvas_organisation", ["organisation_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_canvas_review_queue", ["status", "submitted_at"], unique=False)

    op.create_table(
        "canvas_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canvas_id", sa.Integer(), nullable=False),
        sa.Column("block_key", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("colour", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('hypothesis', 'fact')", name=op.f("ck_canvas_note_kind")),
        sa.ForeignKeyConstraint(
            ["canvas_id"],
            ["canvas.id"],
            name=op.f("fk_canvas_note_canvas_id_canvas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_canvas_note_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_canvas_note_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canvas_note")),
    )
    with op.batch_alter_table("canvas_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_canvas_note_block", ["canvas_id", "block_key", "position"], unique=False
        )

    op.create_table(
        "canvas_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canvas_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["canvas_id"],
            ["canvas.id"],
            name=op.f("fk_canvas_version_canvas_id_canvas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user.id"],
            name=op.f("fk_canvas_version_submitted_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canvas_version")),
        sa.UniqueConstraint("canvas_id", "number", name="uq_canvas_version_number"),
    )
    op.create_table(
        "canvas_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canvas_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_canvas_transition_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["canvas_id"],
            ["canvas.id"],
            name=op.f("fk_canvas_transition_canvas_id_canvas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["canvas_version.id"],
            name=op.f("fk_canvas_transition_version_id_canvas_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canvas_transition")),
    )
    with op.batch_alter_table("canvas_transition", schema=None) as batch_op:
        batch_op.create_index("ix_canvas_transition_canvas", ["canvas_id", "at"], unique=False)

    op.create_table(
        "review_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("block_key", sa.String(length=40), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_review_comment_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user.id"],
            name=op.f("fk_review_comment_resolved_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["canvas_version.id"],
            name=op.f("fk_review_comment_version_id_canvas_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comment")),
    )
    with op.batch_alter_table("review_comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_comment_version", ["version_id", "created_at"], unique=False
        )

    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_reviewer", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canvas_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("canvas_version_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_booking_canvas", ["canvas_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_booking_canvas_id_canvas"),
            "canvas",
            ["canvas_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_booking_canvas_version_id_canvas_version"),
            "canvas_version",
            ["canvas_version_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_booking_canvas_version_id_canvas_version"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_booking_canvas_id_canvas"), type_="foreignkey")
        batch_op.drop_index("ix_booking_canvas")
        batch_op.drop_column("canvas_version_id")
        batch_op.drop_column("canvas_id")

    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.drop_column("is_reviewer")

    with op.batch_alter_table("review_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_review_comment_version")

    op.drop_table("review_comment")
    with op.batch_alter_table("canvas_transition", schema=None) as batch_op:
        batch_op.drop_index("ix_canvas_transition_canvas")

    op.drop_table("canvas_transition")
    op.drop_table("canvas_version")
    with op.batch_alter_table("canvas_note", schema=None) as batch_op:
        batch_op.drop_index("ix_canvas_note_block")

    op.drop_table("canvas_note")
    with op.batch_alter_table("canvas", schema=None) as batch_op:
        batch_op.drop_index("ix_canvas_review_queue")
        batch_op.drop_index("ix_canvas_organisation")

    op.drop_table("canvas")
