"""Reminders before confirmed meetings, sent through the outbox.

A confirmed booking carries ``reminder_due_at``: its start minus the consultation type's
``reminder_hours``. Confirming and moving set it, cancelling clears it. When a meeting is
confirmed or moved with less than that time to go, no reminder is scheduled: the mail
just sent says everything a reminder would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import Booking, BookingStatus


def schedule(booking: Booking, now: datetime) -> None:
    """Set (or clear) when the booking's reminder is due, for its current start time."""
    hours = booking.consultation_type.reminder_hours
    due = booking.start - timedelta(hours=hours) if hours else None
    confirmed = booking.status == BookingStatus.CONFIRMED.value
    booking.reminder_due_at = due if confirmed and due is not None and due > now else None
