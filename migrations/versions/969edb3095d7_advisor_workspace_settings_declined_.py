"""advisor workspace: settings, declined types, booking history and notes

Revision ID: 969edb3095d7
Revises: 4f93e80f28f8
Create Date: 2026-12-07 17:29:58.938585

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "969edb3095d7"
down_revision = "4f93e80f28f8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "advisor_declined_type",
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("consultation_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisor_id"],
            ["advisor.id"],
            name=op.f("fk_advisor_declined_type_advisor_id_advisor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_type_id"],
            ["consultation_type.id"],
            name=op.f("fk_advisor_declined_type_consultation_type_id_consultation_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "advisor_id", "consultation_type_id", name=op.f("pk_advisor_declined_type")
        ),
    )
    op.create_table(
        "booking_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(length=255), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_booking_event_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_booking_event_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_event")),
    )
    with op.batch_alter_table("booking_event", schema=None) as batch_op:
        batch_op.create_index("ix_booking_event_booking", ["booking_id", "at"], unique=False)

    op.create_table(
        "booking_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_booking_note_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_booking_note_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_note")),
    )
    with op.batch_alter_table("booking_note", schema=None) as batch_op:
        batch_op.create_index("ix_booking_note_booking", ["booking_id", "created_at"], unique=False)

    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("buffer_minutes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("minimum_notice_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_per_day", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("holiday_region", sa.String(length=2), server_default="", nullable=False)
        )

        batch_op.create_check_constraint("buffer", "buffer_minutes BETWEEN 0 AND 240")
        batch_op.create_check_constraint(
            "notice", "minimum_notice_minutes IS NULL OR minimum_notice_minutes >= 0"
        )
        batch_op.create_check_constraint("max_per_day", "max_per_day IS NULL OR max_per_day >= 1")

    # The history so far, as far as the bookings tell it; the one notes field becomes the
    # advisor's first note.
    booking = sa.table(
        "booking",
        sa.column("id"),
        sa.column("advisor_id"),
        sa.column("booked_by_id"),
        sa.column("created_at"),
        sa.column("confirmed_at"),
        sa.column("cancelled_at"),
        sa.column("cancel_reason"),
        sa.column("advisor_notes"),
    )
    advisor = sa.table("advisor", sa.column("id"), sa.column("user_id"))
    event = sa.table(
        "booking_event",
        sa.column("booking_id"),
        sa.column("action"),
        sa.column("actor_id"),
        sa.column("at"),
        sa.column("detail"),
    )
    for action, at, actor in (
        ("created", booking.c.created_at, booking.c.booked_by_id),
        ("confirmed", booking.c.confirmed_at, sa.null()),
        ("cancelled", booking.c.cancelled_at, sa.null()),
    ):
        op.execute(
            event.insert().from_select(
                ["booking_id", "action", "actor_id", "at", "detail"],
                sa.select(booking.c.id, sa.literal(action), actor, at, sa.literal("")).where(
                    at.is_not(None)
                ),
            )
        )
    note = sa.table(
        "booking_note",
        sa.column("booking_id"),
        sa.column("author_id"),
        sa.column("body"),
        sa.column("created_at"),
    )
    op.execute(
        note.insert().from_select(
            ["booking_id", "author_id", "body", "created_at"],
            sa.select(
                booking.c.id, advisor.c.user_id, booking.c.advisor_notes, booking.c.created_at
            )
            .join(advisor, advisor.c.id == booking.c.advisor_id)
            .where(booking.c.advisor_notes != ""),
        )
    )

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("advisor_notes")


def downgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("advisor_notes", sa.Text(), server_default="", nullable=False)
        )

    with op.batch_alter_table("advisor", schema=None) as batch_op:
        batch_op.drop_constraint("max_per_day", type_="check")
        batch_op.drop_constraint("notice", type_="check")
        batch_op.drop_constraint("buffer", type_="check")
        batch_op.drop_column("holiday_region")
        batch_op.drop_column("max_per_day")
        batch_op.drop_column("minimum_notice_minutes")
        batch_op.drop_column("buffer_minutes")

    with op.batch_alter_table("booking_note", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_note_booking")

    op.drop_table("booking_note")
    with op.batch_alter_table("booking_event", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_event_booking")

    op.drop_table("booking_event")
    op.drop_table("advisor_declined_type")
