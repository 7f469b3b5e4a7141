"""Reminders before confirmed meetings, sent through the outbox.

A confirmed booking carries ``reminder_due_at``: its start minus the consultation type's
``reminder_hours``. Confirming and moving set it, cancelling clears it. When a meeting is
confirmed or moved with less than that time to go, no reminder is scheduled: the mail
just sent says everything a reminder would.

The worker sends what is due with ``enqueue_due_reminders``. Each booking is claimed by
one conditional ``UPDATE`` (clearing ``reminder_due_at`` only if it still holds the value
read, the booking is still confirmed and has not begun) and its mail is queued in the same
transaction, committed per booking. So several workers send one reminder per booking and
start time (on PostgreSQL the second ``UPDATE`` waits for the first and then finds nothing
to change; SQLite has one writer), and a worker that dies before the commit leaves the
reminder due for the next round: the claim and the outbox row are stored together or not
at all. A move sets a fresh ``reminder_due_at``, so the new time gets its own reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.booking.links import manage_url
from app.database import begin_write
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Booking, BookingStatus
from app.models.types import utcnow

CONFIRMED = BookingStatus.CONFIRMED.value


def schedule(booking: Booking, now: datetime) -> None:
    """Set (or clear) when the booking's reminder is due, for its current start time."""
    hours = booking.consultation_type.reminder_hours
    due = booking.start - timedelta(hours=hours) if hours else None
    confirmed = booking.status == CONFIRMED
    booking.reminder_due_at = due if confirmed and due is not None and due > now else None


def _due(now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """(booking id, due time) of the reminders to send now, the longest due first."""
    rows = db.session.execute(
        sa.select(Booking.id, Booking.reminder_due_at)
        .where(
            Booking.status == CONFIRMED,
            Booking.reminder_due_at <= now,
            Booking.start > now,  # a meeting that has begun needs no reminder
        )
        .order_by(Booking.reminder_due_at, Booking.id)
        .limit(limit)
    )
    return [(row.id, row.reminder_due_at) for row in rows]


def _claim(booking_id: int, seen: datetime, now: datetime) -> bool:
    """Take the reminder for this worker; False when another worker (or a move or a
    cancellation) changed the booking since it was read."""
    claimed = db.session.execute(
        sa.update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.reminder_due_at == seen,
            Booking.status == CONFIRMED,
            Booking.start > now,
        )
        .values(reminder_due_at=None)
        # The booking is not loaded yet; it is read fresh, after the claim, to be mailed.
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _remind(booking: Booking) -> None:
    """Queue the reminder mail to the company contact, in their language and zone."""
    enqueue_mail(
        booking.contact_email,
        "reminder",
        locale=booking.locale,
        audience="booker",
        kind="reminder",
        booking=booking,
        zone=booking.timezone,
        manage_link=manage_url(booking),
    )


def enqueue_due_reminders(now: datetime | None = None, limit: int = 200) -> int:
    """Queue the reminders due at ``now`` (up to ``limit``; the rest next round), one
    transaction per booking; returns how many were queued.

    Commits: call it outside any other transaction (the worker does). A reminder does not
    change free time, so no calendar version is bumped.
    """
    now = now or utcnow()
    due = _due(now, limit)
    db.session.commit()  # end the read: on SQLite each claim begins as the writer
    queued = 0
    for booking_id, seen in due:
        begin_write(db.session())
        if not _claim(booking_id, seen, now):
            db.session.rollback()
            continue
        try:
            _remind(db.session.get(Booking, booking_id))
        except sa.exc.OperationalError:
            raise  # the database is gone: nothing else will work either
        except Exception:
            # One booking's mail that cannot be written (old data, a template error) must
            # not hold up the others; it stays due, so it is sent once the cause is fixed.
            db.session.rollback()
            current_app.logger.exception("reminders: booking %d not reminded", booking_id)
            continue
        db.session.commit()
        queued += 1
    return queued
