"""What happened to a booking, and what its advisor noted about it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.users import User

if TYPE_CHECKING:
    from app.models.booking import Booking


class BookingAction(StrEnum):
    CREATED = "created"
    CONFIRMED = "confirmed"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a guest never confirmed: the hold ran out
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    FOLLOW_UP = "follow_up"  # the advisor sent the company a follow-up message
    REASSIGNED = "reassigned"  # an admin gave it to another advisor; detail "<old id>><new id>"


class BookingEvent(db.Model):
    """One step in a booking's history; written by ``app.booking.history.record``.

    ``actor`` is None when nobody with an account acted: a guest through their mailed link,
    or the system (an expired hold). ``detail`` holds what the step needs to be told, e.g.
    the previous start of a rescheduled booking (ISO, UTC).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")

    actor: Mapped[User | None] = relationship()
    booking: Mapped[Booking] = relationship(back_populates="history")

    __table_args__ = (sa.Index("ix_booking_event_booking", "booking_id", "at"),)


class BookingNote(db.Model):
    """A private note on a booking: advisors and admins read it, the company never does."""

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()
    booking: Mapped[Booking] = relationship(back_populates="notes")

    __table_args__ = (sa.Index("ix_booking_note_booking", "booking_id", "created_at"),)
