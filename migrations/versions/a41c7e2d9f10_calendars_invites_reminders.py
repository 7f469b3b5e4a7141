"""calendars: meeting links, reminders, the advisor feed token and busy-time import

Revision ID: a41c7e2d9f10
Revises: 7c3e9a1f2b64
Create Date: 2026-12-07 13:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a41c7e2d9f10"
down_revision = "7c3e9a1f2b64"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_token", sa.String(64), nullable=True))
        batch_op.add_column(
            sa.Column("meeting_link", sa.String(500), nullable=False, server_default="")
        )
        batch_op.create_unique_constraint("uq_advisor_feed_token", ["feed_token"])
    with op.batch_alter_table("consultation_type", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_hours", sa.Integer(), nullable=False, server_default="24")
        )
        batch_op.create_check_constraint("reminder_hours", "reminder_hours BETWEEN 0 AND 336")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_url", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_booking_reminder_due", ["reminder_due_at"])
    op.create_table(
        "external_calendar",
        sa.Column(
            "advisor_id",
            sa.Integer(),
            sa.ForeignKey("advisor.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("etag", sa.String(255), nullable=True),
        sa.Column("last_modified", sa.String(64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(40), nullable=True),
        sa.Column("error_detail", sa.String(255), nullable=True),
        sa.Column("block_count", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_table("external_calendar")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_reminder_due")
        batch_op.drop_column("reminder_due_at")
        batch_op.drop_column("meeting_url")
    with op.batch_alter_table("consultation_type", schema=None) as batch_op:
        batch_op.drop_constraint("reminder_hours", type_="check")
        batch_op.drop_column("reminder_hours")
    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.drop_constraint("uq_advisor_feed_token", type_="unique")
        batch_op.drop_column("meeting_link")
        batch_op.drop_column("feed_token")
