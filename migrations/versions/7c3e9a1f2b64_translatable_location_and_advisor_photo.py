"""translatable location details; an optional advisor photo

Revision ID: 7c3e9a1f2b64
Revises: 5e1f0c2a9b7d
Create Date: 2026-11-28 15:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3e9a1f2b64"
down_revision = "5e1f0c2a9b7d"
branch_labels = None
depends_on = None


def upgrade():
    # The existing text was written in German; the English one starts empty (falls back).
    with op.batch_alter_table("consultation_type", schema=None) as batch_op:
        batch_op.alter_column(
            "location_detail", new_column_name="location_detail_de", existing_type=sa.String(255)
        )
        batch_op.add_column(
            sa.Column("location_detail_en", sa.String(255), nullable=False, server_default="")
        )
    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_token", sa.String(32), nullable=True))
    # The image lives in its own table so that loading advisors never loads its bytes.
    op.create_table(
        "advisor_photo",
        sa.Column(
            "advisor_id",
            sa.Integer(),
            sa.ForeignKey("advisor.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(20), nullable=False),
    )


def downgrade():
    op.drop_table("advisor_photo")
    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.drop_column("photo_token")
    with op.batch_alter_table("consultation_type", schema=None) as batch_op:
        batch_op.drop_column("location_detail_en")
        batch_op.alter_column(
            "location_detail_de", new_column_name="location_detail", existing_type=sa.String(255)
        )
