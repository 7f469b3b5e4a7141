"""Giving a booking to another advisor at the same time (an advisor was deactivated).

The booking keeps its UID, time and booker; its SEQUENCE goes up. The company and the new
advisor get the updated invite (REQUEST), the old advisor a CANCEL for their copy.

Locks, in the service's order (``app.booking.service``): both advisors' rows in id order
(as ``release_expired_holds`` does for several), then the booking's, re-read under the
lock. So two reassignments to the same advisor at the same time, or a reassignment and a
new booking with that advisor, wait for each other and the second sees the first's booking;
PostgreSQL's exclusion constraint refuses an overlap even so.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.booking import history, invites, notifications
from app.booking.availability import load_calendars, rules_for
from app.booking.links import manage_url
from app.booking.service import SlotUnavailable, _place, _store, release_expired_holds
from app.calendar import events
from app.database import is_transient, lock_row
from app.extensions import db
from app.mail import enqueue_mail
from app.models import Advisor, Booking, User
from app.models.journal import BookingAction
from app.models.types import utcnow

# ``BookingAction`` has no "reassigned": the history records a move with this detail.


class ReassignError(Exception):
    """The booking cannot go to that advisor; ``reason`` says why (see ``REASONS``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NOT_CHANGEABLE = "not_changeable"  # cancelled, past, or an expired hold
SAME_ADVISOR = "same_advisor"
NOT_BOOKABLE = "not_bookable"  # deactivated, account off, or no weekly hours
NOT_OFFERED = "not_offered"  # does not advise on the topic or offer the type
BUSY = "busy"  # not free at exactly that time
CONFLICT = "conflict"  # another change got in the way; trying again may work


def suitable(advisor: Advisor, booking: Booking) -> str | None:
    """Why ``advisor`` cannot take ``booking`` regardless of their calendar, or None."""
    if advisor.id == booking.advisor_id:
        return SAME_ADVISOR
    if not advisor.is_bookable:
        return NOT_BOOKABLE
    if all(t.id != booking.topic_id for t in advisor.topics):
        return NOT_OFFERED
    if not advisor.offers(booking.consultation_type):
        return NOT_OFFERED
    return None


def free_at(advisors: list[Advisor], booking: Booking, now: datetime) -> set[int]:
    """Which of ``advisors`` have a free slot starting exactly at the booking's start.

    The booking service's rules (hours, exceptions, busy time, other bookings, buffers,
    daily limits, the slot grid), except the notice and horizon: the meeting is already
    agreed, and an urgent reassignment is the one that matters most.
    """
    ctype, start = booking.consultation_type, booking.start
    window_end = start + timedelta(minutes=1)
    calendars = load_calendars(advisors, ctype, start, window_end, now)
    free = set()
    for advisor in advisors:
        rules = dataclasses.replace(
            rules_for(ctype, advisor),
            minimum_notice=timedelta(0),
            horizon=max(ctype.horizon, start - now + timedelta(days=1)),
        )
        slots = calendars[advisor.id].free_slots(rules, now, start, window_end)
        if any(slot.start == start for slot in slots):
            free.add(advisor.id)
    return free


def candidates(booking: Booking, now: datetime | None = None) -> list[Advisor]:
    """Active advisors who offer the booking's type and topic and are free at its time,
    by name; a fixed number of queries however many advisors there are."""
    now = now or utcnow()
    pool = [
        a
        for a in db.session.scalars(
            sa.select(Advisor)
            .join(Advisor.user)
            .where(Advisor.active, User.active, Advisor.id != booking.advisor_id)
            .options(sa.orm.selectinload(Advisor.user), sa.orm.selectinload(Advisor.topics))
            .order_by(User.name, Advisor.id)
        )
        if suitable(a, booking) is None
    ]
    free = free_at(pool, booking, now) if pool else set()
    return [a for a in pool if a.id in free]


def reassign(
    booking: Booking, advisor: Advisor, now: datetime | None = None, actor: User | None = None
) -> Booking:
    """Give ``booking`` to ``advisor`` at the same time; raises ``ReassignError``.

    Flushes and queues the mails; the caller commits (and rolls back on an error).
    """
    now = now or utcnow()
    old = booking.advisor
    session = db.session()
    try:
        for advisor_id in sorted({old.id, advisor.id}):
            lock_row(session, Advisor, advisor_id)
        release_expired_holds(now, advisor.id)
        release_expired_holds(now, old.id)
        lock_row(session, Booking, booking.id)
        session.refresh(booking)
        session.refresh(advisor)
    except sa.exc.DBAPIError as error:
        if is_transient(error):
            raise ReassignError(CONFLICT) from error
        raise
    if booking.advisor_id != old.id or not booking.is_changeable(now):
        raise ReassignError(NOT_CHANGEABLE)  # cancelled, moved or reassigned meanwhile
    if (reason := suitable(advisor, booking)) is not None:
        raise ReassignError(reason)
    if advisor.id not in free_at([advisor], booking, now):
        raise ReassignError(BUSY)
    booking.advisor = advisor
    _place(booking, booking.consultation_type, booking.start)  # the new advisor's buffers
    booking.sequence += 1
    history.record(booking, BookingAction.REASSIGNED, now, actor, f"{old.id}>{advisor.id}")
    try:
        _store(booking)
    except SlotUnavailable as error:  # the exclusion constraint: taken after all
        raise ReassignError(BUSY) from error
    except sa.exc.DBAPIError as error:
        if is_transient(error):
            raise ReassignError(CONFLICT) from error
        raise
    _announce(booking, old)
    return booking


def _announce(booking: Booking, old: Advisor) -> None:
    """The company and the new advisor: the updated meeting; the old advisor: a CANCEL.

    A guest's booking that is still waiting for confirmation was in nobody's calendar: the
    guest hears who they will meet, and the new advisor hears of it once it is confirmed.
    """
    in_calendars = booking.confirmed_at is not None
    link = manage_url(booking)
    method, ics = (
        invites.invite(booking, invites.BOOKER, booking.locale, link)
        if in_calendars
        else (None, None)
    )
    common = {"booking": booking, "previous_advisor": old.user.name}
    enqueue_mail(
        booking.contact_email,
        "booking_reassigned",
        locale=booking.locale,
        ics_method=method,
        ics_body=ics,
        audience="booker",
        zone=booking.timezone,
        manage_link=link,
        **common,
    )
    if not in_calendars:
        return
    new = booking.advisor
    new_link = notifications.advisor_url(booking)
    method, ics = invites.invite(booking, invites.ADVISOR, new.user.locale, new_link)
    enqueue_mail(
        new.user.email,
        "booking_reassigned",
        locale=new.user.locale,
        ics_method=method,
        ics_body=ics,
        audience="advisor",
        zone=new.timezone,
        booking_link=new_link,
        **common,
    )
    # The old advisor's copy: the same event, cancelled, with them as the attendee.
    own = invites.meeting(booking, invites.ADVISOR, old.user.locale, "")
    company = invites.attendees(booking)[0]
    cancelled = dataclasses.replace(
        own,
        cancelled=True,
        attendees=(company, events.Person(old.user.name, old.user.email)),
        video_link=None,
        description="",
    )
    method, ics = events.invite(cancelled)
    enqueue_mail(
        old.user.email,
        "booking_reassigned",
        locale=old.user.locale,
        ics_method=method,
        ics_body=ics,
        audience="previous_advisor",
        zone=old.timezone,
        **common,
    )
