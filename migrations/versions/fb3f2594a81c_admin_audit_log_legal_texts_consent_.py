"""admin: audit log, legal texts, consent version, erasure marks, topic active

Revision ID: fb3f2594a81c
Revises: 969edb3095d7
Create Date: 2026-12-07 20:34:12.765055

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fb3f2594a81c"
down_revision = "969edb3095d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=40), server_default="", nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(length=255), server_default="", nullable=False),
        sa.Column("detail", sa.String(length=500), server_default="", nullable=False),
        sa.Column("ip_address", sa.String(length=45), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_audit_event_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_actor", ["actor_id", "at"], unique=False)
        batch_op.create_index("ix_audit_event_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_event_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "legal_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body_de", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), server_default="", nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('imprint', 'privacy')", name=op.f("ck_legal_document_kind")),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["user.id"],
            name=op.f("fk_legal_document_published_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_document")),
        sa.UniqueConstraint("kind", "version", name="uq_legal_document_version"),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guest_consent_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("guest_consent_text", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    # Guests who booked before this release agreed to the built-in privacy notice.
    op.execute("UPDATE booking SET guest_consent_version = 0 WHERE guest_consent_at IS NOT NULL")

    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_column("active")

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("guest_consent_text")
        batch_op.drop_column("guest_consent_version")

    op.drop_table("legal_document")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_target")
        batch_op.drop_index("ix_audit_event_at")
        batch_op.drop_index("ix_audit_event_actor")

    op.drop_table("audit_event")
