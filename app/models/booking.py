"""Topics, advisors and their availability, consultation types and bookings."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.canvas import Canvas, CanvasVersion
from app.models.journal import BookingEvent, BookingNote
from app.models.types import UTCDateTime, utcnow
from app.models.users import Organisation, User

advisor_topic = sa.Table(
    "advisor_topic",
    db.metadata,
    sa.Column("advisor_id", sa.ForeignKey("advisor.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_de: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_de: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # An inactive topic is no longer offered; bookings made with it keep it.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    advisors: Mapped[list[Advisor]] = relationship(secondary=advisor_topic, back_populates="topics")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"

    @property
    def bookable_advisors(self) -> list[Advisor]:
        """Its advisors who can be booked (see ``Advisor.is_bookable``), in their order."""
        return [advisor for advisor in self.advisors if advisor.is_bookable]

    def advisors_for(self, ctype: ConsultationType) -> list[Advisor]:
        """Its bookable advisors who offer consultations of ``ctype``."""
        return [advisor for advisor in self.bookable_advisors if advisor.offers(ctype)]


class Advisor(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    title_de: Mapped[str] = mapped_column(sa.String(160), default="")
    title_en: Mapped[str] = mapped_column(sa.String(160), default="")
    bio_de: Mapped[str] = mapped_column(sa.Text, default="")
    bio_en: Mapped[str] = mapped_column(sa.Text, default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Berlin")
    active: Mapped[bool] = mapped_column(default=True)
    # Goes up with every change to this advisor's free time; cached picker weeks carry it.
    calendar_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Random per uploaded photo (None: no photo), so its URL can be cached for ever.
    photo_token: Mapped[str | None] = mapped_column(sa.String(32))
    # The secret in the advisor's subscription URL (app/advisor/feed.py); None: no feed yet.
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # A fixed video meeting link (e.g. their own Teams or Jitsi room); empty: the hub's
    # video service gives each booking its own room (app/booking/meeting.py).
    meeting_link: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # An admin lets this advisor review submitted canvases (admins always may).
    is_reviewer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Personal booking settings, each only ever stricter than a consultation type's own
    # (``app.booking.availability.rules_for``): minutes kept free before and after each
    # meeting, the shortest notice (None: the type's), the most meetings a day of any type
    # (None: no limit of their own).
    buffer_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    minimum_notice_minutes: Mapped[int | None] = mapped_column()
    max_per_day: Mapped[int | None] = mapped_column()
    # The federal state (ISO 3166-2 subdivision, e.g. "NW") whose public holidays they add.
    holiday_region: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")

    user: Mapped[User] = relationship()
    topics: Mapped[list[Topic]] = relationship(
        secondary=advisor_topic, back_populates="advisors", order_by=Topic.position
    )
    # Types this advisor does not offer (a new type is offered by everyone until they opt
    # out). Loaded with the advisors in one query, as the picker asks for every advisor.
    declined_types: Mapped[list[ConsultationType]] = relationship(
        secondary=lambda: advisor_declined_type, lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("buffer_minutes BETWEEN 0 AND 240", name="buffer"),
        sa.CheckConstraint(
            "minimum_notice_minutes IS NULL OR minimum_notice_minutes >= 0",
            name="notice",
        ),
        sa.CheckConstraint("max_per_day IS NULL OR max_per_day >= 1", name="max_per_day"),
    )

    def __repr__(self) -> str:
        return f"<Advisor {self.user_id}>"

    @classmethod
    def of_user(cls, user: User, *options) -> Advisor | None:
        """The advisor profile of ``user`` (None for anyone without one), loaded with
        ``options``."""
        return db.session.scalar(sa.select(cls).where(cls.user_id == user.id).options(*options))

    @property
    def is_bookable(self) -> bool:
        """Offered for booking: the profile and the person's account are active, and there
        are weekly hours (an advisor without any could never be given a time)."""
        return self.active and self.user.active and self.has_hours

    def offers(self, ctype: ConsultationType) -> bool:
        return all(declined.id != ctype.id for declined in self.declined_types)


class AdvisorPhoto(db.Model):
    """An advisor's portrait, re-encoded on upload; apart so advisors load without it."""

    advisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advisor.id", ondelete="CASCADE"), primary_key=True
    )
    image: Mapped[bytes] = mapped_column(sa.LargeBinary)
    content_type: Mapped[str] = mapped_column(sa.String(20))


class LocationKind(StrEnum):
    ON_SITE = "on_site"
    VIDEO = "video"
    PHONE = "phone"


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Pending and confirmed bookings hold their time; the others free it.
ACTIVE_STATUSES = (BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value)


class ConsultationType(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_de: Mapped[str] = mapped_column(sa.String(160))
    name_en: Mapped[str] = mapped_column(sa.String(160))
    description_de: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    duration_minutes: Mapped[int] = mapped_column(default=30)
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    minimum_notice_minutes: Mapped[int] = mapped_column(default=24 * 60)
    horizon_days: Mapped[int] = mapped_column(default=60)
    max_per_day: Mapped[int | None] = mapped_column()
    location_kind: Mapped[str] = mapped_column(sa.String(10), default=LocationKind.VIDEO.value)
    # Address, dial-in or link; per language, English falling back to German.
    location_detail_de: Mapped[str] = mapped_column(sa.String(255), default="")
    location_detail_en: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    # Hours before a confirmed meeting that the company contact is reminded; 0: no reminder.
    reminder_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers"
        ),
        sa.CheckConstraint("location_kind IN ('on_site', 'video', 'phone')", name="location"),
        # NULL means no limit; 0 would mean nothing offered, which is what inactive says.
        sa.CheckConstraint("max_per_day IS NULL OR max_per_day >= 1", name="max_per_day"),
        sa.CheckConstraint("reminder_hours BETWEEN 0 AND 336", name="reminder_hours"),
    )

    def __repr__(self) -> str:
        return f"<ConsultationType {self.slug}>"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    @property
    def minimum_notice(self) -> timedelta:
        return timedelta(minutes=self.minimum_notice_minutes)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)


advisor_declined_type = sa.Table(
    "advisor_declined_type",
    db.metadata,
    sa.Column("advisor_id", sa.ForeignKey("advisor.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "consultation_type_id",
        sa.ForeignKey("consultation_type.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Booking(db.Model):
    """A consultation. Never deleted by users: cancelling sets the status.

    ``blocked_from``/``blocked_until`` are start and end widened by the type's buffers: the
    time nobody else may book. On PostgreSQL an exclusion constraint over that range (for
    pending and confirmed bookings) makes a double booking impossible even for code that
    forgets to lock.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("advisor.id"))
    consultation_type_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_type.id"))
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id"))
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    guest_name: Mapped[str | None] = mapped_column(sa.String(120))
    guest_email: Mapped[str | None] = mapped_column(sa.String(254))
    guest_company: Mapped[str | None] = mapped_column(sa.String(200))
    guest_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which privacy notice the guest agreed to (LegalDocument.version; 0 = the built-in
    # one) and the exact words of the consent they ticked, in the language they saw.
    guest_consent_version: Mapped[int | None] = mapped_column()
    guest_consent_text: Mapped[str | None] = mapped_column(sa.String(500))
    # When the booker's personal data was removed (erasure or the retention purge).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_from: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(10), default=BookingStatus.CONFIRMED.value)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(default=0)
    # The video room, given when the booking is confirmed and kept when it moves.
    meeting_url: Mapped[str | None] = mapped_column(sa.String(500))
    # When the reminder is due (None: none due, or sent); app/booking/reminders.py.
    reminder_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    # A canvas the booker brings: a submitted version, or (version None) the live draft.
    canvas_id: Mapped[int | None] = mapped_column(sa.ForeignKey("canvas.id", ondelete="SET NULL"))
    canvas_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("canvas_version.id", ondelete="SET NULL")
    )
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="de")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Berlin")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advisor: Mapped[Advisor] = relationship()
    consultation_type: Mapped[ConsultationType] = relationship()
    topic: Mapped[Topic] = relationship()
    booked_by: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    canvas: Mapped[Canvas | None] = relationship()
    canvas_version: Mapped[CanvasVersion | None] = relationship()
    history: Mapped[list[BookingEvent]] = relationship(
        back_populates="booking", order_by=(BookingEvent.at, BookingEvent.id), passive_deletes=True
    )
    notes: Mapped[list[BookingNote]] = relationship(
        back_populates="booking",
        order_by=(BookingNote.created_at, BookingNote.id),
        passive_deletes=True,
    )

    __table_args__ = (
        sa.CheckConstraint('start < "end"', name="period"),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')",
            name="status",
        ),
        sa.CheckConstraint("booked_by_id IS NOT NULL OR guest_email IS NOT NULL", name="booker"),
        sa.Index("ix_booking_advisor_time", "advisor_id", "blocked_until", "blocked_from"),
        sa.Index("ix_booking_organisation", "organisation_id", "start"),
        sa.Index("ix_booking_reminder_due", "reminder_due_at"),
        sa.Index("ix_booking_canvas", "canvas_id"),
        # The dashboard's figures for a date range: on PostgreSQL an index-only scan.
        sa.Index(
            "ix_booking_start",
            "start",
            postgresql_include=[
                "status",
                "booked_by_id",
                "advisor_id",
                "topic_id",
                "consultation_type_id",
                "end",
            ],
        ),
    )

    def __repr__(self) -> str:
        return f"<Booking {self.uid} {self.status} {self.start:%Y-%m-%d %H:%M}>"

    @classmethod
    def of_guest(cls, email: str) -> sa.ColumnElement[bool]:
        """The guest bookings made with ``email``, in any case (``lower()`` also finds
        those stored before addresses were stored normalised)."""
        address = User.normalise_email(email)
        return sa.and_(cls.booked_by_id.is_(None), sa.func.lower(cls.guest_email) == address)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_changeable(self, now: datetime) -> bool:
        """Only bookings that still hold their time and have not begun can be moved or
        cancelled: confirmed ones, and a guest's pending one while its hold lasts."""
        if self.start <= now:
            return False
        if self.status == BookingStatus.PENDING.value:
            return self.hold_expires_at is not None and self.hold_expires_at > now
        return self.status == BookingStatus.CONFIRMED.value

    @property
    def contact_name(self) -> str:
        """The booker's name; an erased account's is "Gelöschtes Konto", an anonymised
        guest's reads "Anonymisiert" (``app.privacy``)."""
        if self.booked_by:
            return self.booked_by.name
        if self.anonymised_at is not None and not self.guest_name:
            from flask_babel import gettext

            return gettext("Anonymisiert")
        return self.guest_name or ""

    @property
    def contact_email(self) -> str:
        return self.booked_by.email if self.booked_by else (self.guest_email or "")

    @property
    def company_name(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return self.guest_company or ""
