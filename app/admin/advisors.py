"""Advisors as the administration sees them: who can be booked, what is coming up, and
what a deactivated advisor leaves to be resolved.

Every list reads in a fixed number of statements however many advisors and bookings
there are (tests pin it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.booking.availability import holds_time
from app.extensions import db
from app.models import Advisor, Booking, User
from app.models.types import utcnow


@dataclass(frozen=True)
class AdvisorRow:
    advisor: Advisor
    upcoming: int  # bookings that still hold their time and have not begun
    next_start: datetime | None

    @property
    def to_resolve(self) -> int:
        """A deactivated advisor's upcoming bookings: each must be reassigned or cancelled."""
        return 0 if self.advisor.active else self.upcoming


def upcoming_filter(now: datetime):
    """Bookings still ahead that hold their time (confirmed, or pending with a live hold)."""
    return sa.and_(holds_time(now), Booking.start > now)


def advisor_rows(now: datetime | None = None) -> list[AdvisorRow]:
    """Every advisor with account, topics and upcoming bookings: four statements."""
    now = now or utcnow()
    advisors = db.session.scalars(
        sa.select(Advisor)
        .join(Advisor.user)
        .options(selectinload(Advisor.user), selectinload(Advisor.topics))
        .order_by(Advisor.active.desc(), User.name, Advisor.id)
    ).all()
    stats = {
        advisor_id: (count, first)
        for advisor_id, count, first in db.session.execute(
            sa.select(Booking.advisor_id, sa.func.count(Booking.id), sa.func.min(Booking.start))
            .where(upcoming_filter(now))
            .group_by(Booking.advisor_id)
        )
    }
    rows = []
    for advisor in advisors:
        count, first = stats.get(advisor.id, (0, None))
        if first is not None and first.tzinfo is None:  # SQLite's aggregate is naive UTC
            first = first.replace(tzinfo=now.tzinfo)
        rows.append(AdvisorRow(advisor, count, first))
    return rows


# An advisor page lists this many upcoming bookings, soonest first, and counts the rest.
SHOWN = 50


@dataclass(frozen=True)
class Upcoming:
    bookings: list[Booking]  # the first ``SHOWN``
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.bookings)


def upcoming_bookings(advisor: Advisor, now: datetime | None = None) -> Upcoming:
    """The advisor's bookings still ahead, soonest first, with what the list shows, and how
    many there are: a fixed number of statements however many."""
    now = now or utcnow()
    ahead = sa.and_(Booking.advisor_id == advisor.id, upcoming_filter(now))
    total = db.session.scalar(sa.select(sa.func.count(Booking.id)).where(ahead))
    bookings = list(
        db.session.scalars(
            sa.select(Booking)
            .where(ahead)
            .options(
                selectinload(Booking.booked_by),
                selectinload(Booking.organisation),
                selectinload(Booking.consultation_type),
                selectinload(Booking.topic),
            )
            .order_by(Booking.start, Booking.id)
            .limit(SHOWN)
        )
    )
    return Upcoming(bookings, total)


def future_booking_of(booking_id: int, now: datetime | None = None) -> Booking | None:
    """A booking an admin may still reassign or cancel (ahead, holding its time)."""
    now = now or utcnow()
    return db.session.scalar(
        sa.select(Booking).where(Booking.id == booking_id, upcoming_filter(now))
    )
