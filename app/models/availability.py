"""When advisors can be booked: weekly hours, exceptions, busy times imported from their
own calendars, and the version that tells cached slots they are stale."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.booking import Advisor
from app.models.types import UTCDateTime


class AvailabilityRule(db.Model):
    """Weekly hours, as local wall-clock times in the advisor's zone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("advisor.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    start_time: Mapped[time] = mapped_column(sa.Time)
    end_time: Mapped[time] = mapped_column(sa.Time)

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        sa.CheckConstraint("start_time < end_time", name="period"),
        sa.Index("ix_availability_rule_advisor", "advisor_id"),
    )


class AvailabilityException(db.Model):
    """Days off (no hours) or special hours replacing the weekly ones, local dates inclusive."""

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("advisor.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(sa.Date)
    last_day: Mapped[date] = mapped_column(sa.Date)
    start_time: Mapped[time | None] = mapped_column(sa.Time)
    end_time: Mapped[time | None] = mapped_column(sa.Time)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")

    __table_args__ = (
        sa.CheckConstraint("first_day <= last_day", name="days"),
        sa.Index("ix_availability_exception_advisor", "advisor_id", "last_day"),
    )


# Read with every advisor (one EXISTS in the same statement), so listing who can be booked
# costs no query per advisor. Fresh after a commit, like every loaded attribute.
Advisor.has_hours = column_property(
    sa.exists().where(AvailabilityRule.advisor_id == Advisor.id).correlate_except(AvailabilityRule)
)


class BusyBlock(db.Model):
    """Time the advisor is busy elsewhere, e.g. imported from their own calendar."""

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("advisor.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(sa.String(40), default="manual")

    __table_args__ = (sa.Index("ix_busy_block_advisor_time", "advisor_id", "end", "start"),)


class ExternalCalendar(db.Model):
    """An advisor's own calendar (an ICS URL) whose busy times are imported as busy blocks.

    ``error`` is a short code (``app.calendar.fetch``), shown to the advisor in plain words;
    after an error the busy blocks of the last good import stay.
    """

    advisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advisor.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    etag: Mapped[str | None] = mapped_column(sa.String(255))
    last_modified: Mapped[str | None] = mapped_column(sa.String(64))
    # Set by "fetch now"; the worker takes it before the regular interval is over.
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.String(40))
    error_detail: Mapped[str | None] = mapped_column(sa.String(255))
    block_count: Mapped[int] = mapped_column(default=0, server_default="0")

    advisor: Mapped[Advisor] = relationship()


class CalendarState(db.Model):
    """One row whose ``version`` goes up whenever anything that decides free slots changes.

    Cached slot-picker fragments carry the version in their key, so a booking, a
    cancellation or new hours make every stale entry unreachable at once, across all
    processes. ``app.booking.freshness`` bumps it in the flush that makes the change.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
