"""indexes for the dashboard and organisation members

Revision ID: 5ef8a1af9275
Revises: fb3f2594a81c
Create Date: 2026-12-07 21:31:52.214732

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5ef8a1af9275"
down_revision = "fb3f2594a81c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_start",
            ["start"],
            unique=False,
            postgresql_include=[
                "status",
                "booked_by_id",
                "advisor_id",
                "topic_id",
                "consultation_type_id",
                "end",
            ],
        )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index("ix_user_organisation", ["organisation_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_organisation")

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_start")
