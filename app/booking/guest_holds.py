"""One guest address, few held times: the rule that keeps a guest from hoarding slots.

A guest's booking holds its time, pending, until the double opt-in link is clicked (30
minutes). Without a limit one address could hold the same hour with every advisor, or a
whole week, and nobody else could book those times meanwhile. So per address, compared the
way account e-mails are (trimmed, lower case): no other live booking at an overlapping time,
and at most ``GUEST_PENDING_HOLDS_MAX`` pending holds at once. Holds past their expiry and
cancelled bookings do not count. Account holders are confirmed at once and hold nothing.

Concurrency: two requests for one address could both check, find nothing and both insert.
So the check runs under a lock on the address, held until the transaction ends. The lock
order is **e-mail → advisor → booking**: the address is locked before any advisor's row,
nothing locks an address while holding an advisor's lock, and a transaction locks at most
one address, so no two transactions can wait for each other in a circle.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.booking.availability import holds_time
from app.database import begin_write
from app.extensions import db
from app.models import Booking, BookingStatus, User

# The first key of PostgreSQL's two-key advisory locks: "guest e-mail", so a hash of an
# address can never collide with an advisory lock taken for something else.
ADDRESS_LOCK_SPACE = 0x47_48_4C_44  # "GHLD"


def normalise(email: str) -> str:
    return User.normalise_email(email)


def address_key(email: str) -> int:
    """A stable signed 32-bit key for the address (Python's ``hash`` differs per process)."""
    digest = hashlib.blake2b(normalise(email).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_address(session: Session, email: str) -> None:
    """Serialise bookings for one guest address until the transaction ends.

    PostgreSQL: a transaction-level advisory lock on a hash of the address (a collision only
    makes two addresses wait for each other briefly); taken outside any savepoint, so trying
    the next "any advisor" candidate keeps it. SQLite: the database's write lock, which
    serialises every writer anyway.
    """
    if session.get_bind().dialect.name == "sqlite":
        begin_write(session)
        return
    session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(ADDRESS_LOCK_SPACE, address_key(email)))
    )


def _of_address(email: str):
    # lower() also matches bookings stored before addresses were stored normalised.
    return sa.func.lower(Booking.guest_email) == normalise(email)


def overlapping(
    email: str,
    start: datetime,
    end: datetime,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> Booking | None:
    """A live booking of this guest address that overlaps ``[start, end)``, if any.

    The meeting times count, not the advisors' buffers: one person cannot be in two
    consultations at once, whoever they are with.
    """
    query = sa.select(Booking).where(
        _of_address(email),
        Booking.booked_by_id.is_(None),
        holds_time(now),
        Booking.start < end,
        start < Booking.end,
    )
    if ignore_booking_id is not None:
        query = query.where(Booking.id != ignore_booking_id)
    # A confirmed one first ('confirmed' < 'pending'): "you have a booking then" says more
    # than "one is waiting".
    return db.session.scalars(query.order_by(Booking.status, Booking.start)).first()


def pending_count(email: str, now: datetime) -> int:
    """How many holds of this address still wait for their confirmation."""
    return db.session.scalar(
        sa.select(sa.func.count(Booking.id)).where(
            _of_address(email),
            Booking.booked_by_id.is_(None),
            Booking.status == BookingStatus.PENDING.value,
            Booking.hold_expires_at > now,
        )
    )
