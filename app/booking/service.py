"""Booking, rescheduling, cancelling and confirming, each inside the request's transaction.

The rule that matters most: **no double booking, ever**. Every change re-checks the slot
while holding a lock on the advisor (``lock_row``), and PostgreSQL's exclusion constraint
``booking_no_overlap`` refuses an overlap even if a code path forgot the lock. Functions
flush and enqueue mail; the view commits once.

Locks are always taken in one order, so two changes can never wait for each other in a
circle: a guest's e-mail address first (``guest_holds``, only when a guest books or moves),
then the advisor's row, then the booking's (``_lock``). A transaction holds at
most one advisor's lock at a time ("any advisor" tries one candidate after another, each
inside a savepoint that releases its lock), except ``release_expired_holds`` for all
advisors, which locks them in id order. Every status change re-reads the booking under the
lock and re-checks it, so of ten simultaneous clicks one changes it and sends mail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.booking import freshness, guest_holds, history, notifications, reminders
from app.booking.availability import free_slots_by_advisor, holds_time, rules_for
from app.booking.consent import guest_consent
from app.booking.meeting import give_room
from app.database import is_transient, lock_row
from app.extensions import db
from app.models import (
    Advisor,
    Booking,
    BookingStatus,
    ConsultationType,
    Topic,
    User,
)
from app.models.journal import BookingAction
from app.models.types import utcnow

GUEST_HOLD = timedelta(minutes=30)


class BookingError(Exception):
    """A rule said no; the view explains it to the user."""


class SlotUnavailable(BookingError):
    """Nobody can be booked at that time (any more)."""


class OutsideWindow(SlotUnavailable):
    """Too soon (minimum notice) or too far ahead (booking horizon) for this type."""


class NotChangeable(BookingError):
    """Cancelled, finished or past bookings cannot be moved or cancelled."""


class HoldExpired(BookingError):
    """A guest confirmed too late: the slot was released."""


class HoldAtSameTime(SlotUnavailable):
    """This guest address already has a live booking overlapping that time.

    A ``SlotUnavailable`` for this address: the view offers other times, as after "taken".
    """

    def __init__(self, confirmed: bool) -> None:
        super().__init__()
        self.confirmed = confirmed


class TooManyHolds(BookingError):
    """This guest address holds ``GUEST_PENDING_HOLDS_MAX`` unconfirmed bookings already."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit


class Busy(BookingError):
    """Another change to the same calendar got in the way (deadlock, serialization failure,
    lock timeout); nothing was changed, and trying again will work."""


@dataclass(frozen=True)
class Guest:
    name: str
    email: str
    company: str


def bookings_in_week(advisor_ids: list[int], moment: datetime, now: datetime) -> dict[int, int]:
    """How many active bookings each advisor has in the ISO week (UTC) of ``moment``."""
    monday = (moment - timedelta(days=moment.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    rows = db.session.execute(
        sa.select(Booking.advisor_id, sa.func.count(Booking.id))
        .where(
            Booking.advisor_id.in_(advisor_ids),
            holds_time(now),
            Booking.start >= monday,
            Booking.start < monday + timedelta(days=7),
        )
        .group_by(Booking.advisor_id)
    )
    counts = dict.fromkeys(advisor_ids, 0)
    counts.update({advisor_id: count for advisor_id, count in rows})  # noqa: C416
    return counts


def fair_order(advisors: list[Advisor], start: datetime, now: datetime) -> list[Advisor]:
    """ "Any available advisor": the one with the fewest bookings that week first."""
    counts = bookings_in_week([a.id for a in advisors], start, now)
    return sorted(advisors, key=lambda advisor: (counts[advisor.id], advisor.id))


def check_window(ctype: ConsultationType, start: datetime, now: datetime) -> None:
    """Raise ``OutsideWindow`` unless now + notice ≤ start ≤ now + horizon."""
    if not now + ctype.minimum_notice <= start <= now + ctype.horizon:
        raise OutsideWindow()


def is_free(
    advisor: Advisor,
    ctype: ConsultationType,
    start: datetime,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> bool:
    """Whether ``start`` is one of the advisor's free slots for this type right now;
    never for an advisor who cannot be booked (deactivated, account off, no hours)."""
    if not advisor.is_bookable:
        return False
    slots = free_slots_by_advisor(
        [advisor], ctype, start, start + timedelta(minutes=1), now, ignore_booking_id
    )[advisor.id]
    return any(slot.start == start for slot in slots)


def _expired(now: datetime):
    return sa.and_(Booking.status == BookingStatus.PENDING.value, Booking.hold_expires_at <= now)


def release_expired_holds(now: datetime | None = None, advisor_id: int | None = None) -> int:
    """Pending guest bookings past their 30-minute hold are cancelled as "expired".

    Slot computation already ignores them; this also takes them out of PostgreSQL's
    exclusion constraint. Runs under the advisor lock before each change of a booking; for
    all advisors (``flask purge-expired``) it locks each advisor with expired holds, in id
    order. Each advisor whose holds it released gets a new calendar version, so no cached
    picker week keeps showing the time as taken.
    """
    now = now or utcnow()
    if advisor_id is None:
        advisor_ids = db.session.scalars(
            sa.select(Booking.advisor_id)
            .where(_expired(now))
            .distinct()
            .order_by(Booking.advisor_id)
        ).all()
        released = 0
        for one in advisor_ids:
            lock_row(db.session(), Advisor, one)
            released += release_expired_holds(now, one)
        return released
    expired = db.session.scalars(
        sa.select(Booking.id).where(_expired(now), Booking.advisor_id == advisor_id)
    ).all()
    if not expired:
        return 0
    db.session.execute(
        sa.update(Booking)
        .where(Booking.id.in_(expired))
        .values(status=BookingStatus.CANCELLED.value, cancelled_at=now, cancel_reason="expired")
        .execution_options(synchronize_session=False)
    )
    history.record_expired(list(expired), now)
    freshness.bump_advisors(db.session(), [advisor_id])
    return len(expired)


def _lock(booking: Booking, now: datetime) -> None:
    """The one lock order: the advisor's row, then the booking's, re-read under the lock."""
    lock_row(db.session(), Advisor, booking.advisor_id)
    release_expired_holds(now, booking.advisor_id)
    lock_row(db.session(), Booking, booking.id)
    db.session.refresh(booking)


def _store(booking: Booking) -> None:
    """Insert or update inside a savepoint; an overlap the constraint catches is "taken"."""
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except sa.exc.IntegrityError as error:
        if "booking_no_overlap" in str(error.orig):
            raise SlotUnavailable() from error
        raise


def _place(booking: Booking, ctype: ConsultationType, start: datetime) -> None:
    """Start and end, and the time it blocks: the buffers of the type or the advisor."""
    rules = rules_for(ctype, booking.advisor)
    booking.start = start
    booking.end = start + ctype.duration
    booking.blocked_from = start - rules.buffer_before
    booking.blocked_until = booking.end + rules.buffer_after


def book(
    *,
    ctype: ConsultationType,
    topic: Topic,
    advisor: Advisor | None,
    start: datetime,
    agenda: str,
    booker: User | None = None,
    guest: Guest | None = None,
    locale: str = "de",
    timezone: str = "Europe/Berlin",
    now: datetime | None = None,
) -> Booking:
    """Book ``start`` with ``advisor``, or with the fairest free advisor of ``topic``.

    Account holders are confirmed at once; a guest's booking is pending and holds the slot
    for 30 minutes until they confirm through the mailed link. Raises ``SlotUnavailable``.
    """
    now = now or utcnow()
    if not ctype.active or not topic.active or (booker is None) == (guest is None):
        raise BookingError("invalid request")
    check_window(ctype, start, now)
    if advisor is not None and (topic not in advisor.topics or not advisor.offers(ctype)):
        raise SlotUnavailable()
    if guest is not None:
        _check_guest_holds(guest.email, start, start + ctype.duration, now)
    candidates = [advisor] if advisor else topic.advisors_for(ctype)
    for candidate in free_candidates(candidates, ctype, start, now):
        try:
            with db.session.begin_nested():  # rolled back: the candidate's lock is released
                booking = _book_with(candidate, ctype, topic, start, now)
                booking.agenda, booking.locale, booking.timezone = agenda.strip(), locale, timezone
                _booked_by(booking, booker, guest, now)
                _store(booking)
        except SlotUnavailable:
            continue  # taken meanwhile: the next free candidate
        except sa.exc.DBAPIError as error:
            if not is_transient(error):
                raise
            continue  # a conflict with another transaction: as good as taken
        history.record(booking, BookingAction.CREATED, now, booker)
        if booker is not None:
            history.record(booking, BookingAction.CONFIRMED, now, booker)
        notifications.booked(booking)
        return booking
    raise SlotUnavailable()


def _check_guest_holds(
    email: str, start: datetime, end: datetime, now: datetime, moving: int | None = None
) -> None:
    """Lock the guest's address (before any advisor: the lock order) and apply its limits.

    The lock lasts until the transaction ends, so a second request for the same address
    waits and then sees this one's booking. Moving a booking (``moving``) changes no count.
    """
    guest_holds.lock_address(db.session(), email)
    if (clash := guest_holds.overlapping(email, start, end, now, moving)) is not None:
        raise HoldAtSameTime(confirmed=clash.status == BookingStatus.CONFIRMED.value)
    limit = current_app.config["GUEST_PENDING_HOLDS_MAX"]
    if moving is None and guest_holds.pending_count(email, now) >= limit:
        raise TooManyHolds(limit)


def _booked_by(booking: Booking, booker: User | None, guest: Guest | None, now: datetime) -> None:
    """Account holders are confirmed at once; a guest's booking holds the slot, pending."""
    if booker is not None:
        booking.booked_by = booker
        booking.organisation = booker.organisation
        _confirm(booking, now)
    else:
        booking.guest_name = guest.name.strip()
        booking.guest_email = guest_holds.normalise(guest.email)
        booking.guest_company = guest.company.strip()
        booking.guest_consent_at = now
        booking.guest_consent_version, booking.guest_consent_text = guest_consent(booking.locale)
        booking.status = BookingStatus.PENDING.value
        booking.hold_expires_at = now + GUEST_HOLD


def free_candidates(
    candidates: list[Advisor], ctype: ConsultationType, start: datetime, now: datetime
) -> list[Advisor]:
    """The candidates free at ``start`` as far as we can tell without locks, fairest first.

    Read without locks, so the answer may be stale; each is re-checked under its lock.
    """
    slots = free_slots_by_advisor(candidates, ctype, start, start + timedelta(minutes=1), now)
    free = [a for a in candidates if any(slot.start == start for slot in slots[a.id])]
    return fair_order(free, start, now) if len(free) > 1 else free


def _book_with(
    advisor: Advisor, ctype: ConsultationType, topic: Topic, start: datetime, now: datetime
) -> Booking:
    """Lock the advisor, re-check the slot, and lay out a new booking; SlotUnavailable."""
    lock_row(db.session(), Advisor, advisor.id)
    release_expired_holds(now, advisor.id)
    if not is_free(advisor, ctype, start, now):
        raise SlotUnavailable()
    booking = Booking(
        uid=f"{secrets.token_hex(16)}@{current_app.config['HUB_EMAIL'].rpartition('@')[2]}",
        advisor=advisor,
        consultation_type=ctype,
        topic=topic,
    )
    _place(booking, ctype, start)
    return booking


def confirm_guest_booking(booking: Booking, now: datetime | None = None) -> Booking:
    """Double opt-in: the mailed link turns a held booking into a confirmed one, once."""
    now = now or utcnow()
    _lock(booking, now)
    if booking.status == BookingStatus.CONFIRMED.value:
        return booking  # a second click: nothing to do, no second mail
    if booking.status != BookingStatus.PENDING.value or booking.hold_expires_at <= now:
        raise HoldExpired()
    booking.hold_expires_at = None
    _confirm(booking, now)
    history.record(booking, BookingAction.CONFIRMED, now)
    db.session.flush()
    notifications.confirmed(booking)
    return booking


def _confirm(booking: Booking, now: datetime) -> None:
    """Confirmed: the meeting gets its video room and its reminder."""
    booking.status = BookingStatus.CONFIRMED.value
    booking.confirmed_at = now
    give_room(booking)
    reminders.schedule(booking, now)


def ensure_changeable(booking: Booking, now: datetime) -> None:
    """Raise ``NotChangeable`` unless the booking may still be moved or cancelled."""
    if not booking.is_changeable(now):
        raise NotChangeable()


def reschedule(
    booking: Booking, start: datetime, now: datetime | None = None, actor: User | None = None
) -> Booking:
    """Move a booking, keeping its identity (UID); the invite's SEQUENCE goes up.
    ``actor`` is who moved it (None: a guest through their link)."""
    now = now or utcnow()
    check_window(booking.consultation_type, start, now)
    if booking.booked_by_id is None:  # a guest's, possibly pending: the address's limits too
        end = start + booking.consultation_type.duration
        _check_guest_holds(booking.guest_email, start, end, now, moving=booking.id)
    _lock(booking, now)
    ensure_changeable(booking, now)
    if not is_free(booking.advisor, booking.consultation_type, start, now, booking.id):
        raise SlotUnavailable()
    previous_start = booking.start
    _place(booking, booking.consultation_type, start)
    booking.sequence += 1
    reminders.schedule(booking, now)
    history.record(booking, BookingAction.RESCHEDULED, now, actor, previous_start.isoformat())
    _store(booking)
    notifications.rescheduled(booking, previous_start)
    return booking


def cancel(
    booking: Booking, reason: str, now: datetime | None = None, actor: User | None = None
) -> Booking:
    """Cancel: the booking stays, with its status, time and reason; the slot is free again.
    ``actor`` is who cancelled (None: a guest through their link)."""
    now = now or utcnow()
    _lock(booking, now)
    ensure_changeable(booking, now)
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at = now
    booking.cancel_reason = reason.strip()
    booking.sequence += 1
    booking.reminder_due_at = None
    history.record(booking, BookingAction.CANCELLED, now, actor)
    db.session.flush()
    notifications.cancelled(booking)
    return booking
