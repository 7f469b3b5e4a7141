"""A booking's history: who did what when (created, confirmed, moved, cancelled, closed).

The service records each step in the transaction that makes it, so the history never
tells of a change that did not happen. The advisor's booking page shows it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import Booking, BookingAction, BookingEvent, User


def record(
    booking: Booking,
    action: BookingAction,
    now: datetime,
    actor: User | None = None,
    detail: str = "",
) -> BookingEvent:
    """Add one step; ``actor`` None means a guest through their link, or the system."""
    event = BookingEvent(
        booking=booking,
        action=action.value,
        actor_id=actor.id if actor is not None else None,
        at=now,
        detail=detail[:255],
    )
    db.session.add(event)
    return event


def record_expired(booking_ids: list[int], now: datetime) -> None:
    """Holds released in bulk (``release_expired_holds``): one step each, in one statement."""
    if booking_ids:
        db.session.execute(
            sa.insert(BookingEvent),
            [
                {"booking_id": booking_id, "action": BookingAction.EXPIRED.value, "at": now}
                for booking_id in booking_ids
            ],
        )


def actor_of(user) -> User | None:
    """The signed-in person acting, or None for a guest using their manage link."""
    return user if getattr(user, "is_authenticated", False) else None
