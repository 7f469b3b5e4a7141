"""Advisors as the administration sees them: who can be booked, what is coming up, and
what a deactivated advisor leaves to be resolved.

Every list reads in a fixed number of statements however many advisors and bookings
there are (tests pin it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from app.booking.availability import holds_time
from app.extensions import db
from app.models import Advisor, Booking, User
from app.models.types import utcnow

# The list counts each advisor's bookings in this window ahead (a year of bookings would
# be a count over tens of thousands of rows); a deactivated advisor's are all counted.
SOON = timedelta(weeks=4)


@dataclass(frozen=True)
class AdvisorRow:
    advisor: Advisor
    soon: int  # bookings in the next ``SOON`` that hold their time
    next_start: datetime | None
    unresolved: int  # a deactivated advisor's bookings ahead: each must be resolved

    @property
    def to_resolve(self) -> int:
        return 0 if self.advisor.active else self.unresolved


def upcoming_filter(now: datetime):
    """Bookings still ahead that hold their time (confirmed, or pending with a live hold).

    ``blocked_until > now`` says nothing more than ``start > now`` does, but lets the
    database read one advisor's bookings ahead from its index (advisor, blocked_until).
    """
    return sa.and_(Booking.blocked_until > now, Booking.start > now, holds_time(now))


def advisor_rows(now: datetime | None = None) -> list[AdvisorRow]:
    """Every advisor with account, topics and upcoming bookings: three statements (four
    when some are deactivated), each advisor's figures read from the index of its own
    bookings."""
    now = now or utcnow()
    ahead = sa.and_(Booking.advisor_id == Advisor.id, upcoming_filter(now))
    next_start = (
        sa.select(Booking.start)
        .where(ahead)
        .order_by(Booking.blocked_until)  # an advisor's active bookings never overlap
        .limit(1)
        .correlate(Advisor)
        .scalar_subquery()
    )
    soon = (
        sa.select(sa.func.count(Booking.id))
        .where(ahead, Booking.blocked_until < now + SOON)
        .correlate(Advisor)
        .scalar_subquery()
    )
    found = db.session.execute(
        sa.select(Advisor, next_start, soon)
        .join(Advisor.user)
        .options(
            selectinload(Advisor.user),
            selectinload(Advisor.topics),
            lazyload(Advisor.declined_types),  # not shown here: no statement for them
        )
        .order_by(Advisor.active.desc(), User.name, Advisor.id)
    ).all()
    inactive = [advisor.id for advisor, _, _ in found if not advisor.active]
    unresolved = _count_ahead(inactive, now) if inactive else {}
    return [
        AdvisorRow(advisor, soon or 0, first, unresolved.get(advisor.id, 0))
        for advisor, first, soon in found
    ]


def _count_ahead(advisor_ids: list[int], now: datetime) -> dict[int, int]:
    """All bookings ahead of these advisors (the deactivated ones: few, and shrinking)."""
    return dict(
        db.session.execute(
            sa.select(Booking.advisor_id, sa.func.count(Booking.id))
            .where(Booking.advisor_id.in_(advisor_ids), upcoming_filter(now))
            .group_by(Booking.advisor_id)
        ).all()
    )


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
