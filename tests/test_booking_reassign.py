"""Giving a booking to another advisor at the same time (``app.booking.reassign``).

The booking keeps its UID; the company and the new advisor get the updated invite with a
higher SEQUENCE, the old advisor a CANCEL for their copy. A target who is busy, does not
offer the type or topic, or is inactive is refused with a reason; two reassignments to the
same advisor at the same time give exactly one booking.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app.booking import reassign, service
from app.extensions import db
from app.models import Advisor, Booking, BookingEvent, ConsultationType, Role, User
from tests.booking_support import GUEST, at, book, fetch, monday_in, user_of, writing


def deactivate(app, advisor) -> None:
    with writing(app):
        db.session.get(Advisor, advisor.id).active = False
        db.session.commit()


def give(app, booking_id: int, advisor_id: int, actor_id: int | None = None) -> None:
    """Reassign through the service as the view does, committing."""
    with writing(app):
        actor = db.session.get(User, actor_id) if actor_id else None
        reassign.reassign(
            db.session.get(Booking, booking_id), db.session.get(Advisor, advisor_id), actor=actor
        )
        db.session.commit()


def refusal(app, booking_id: int, advisor_id: int) -> str:
    with pytest.raises(reassign.ReassignError) as refused:
        give(app, booking_id, advisor_id)
    return refused.value.reason


def vevent(message) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(message.ics_body).walk("VEVENT")
    return event


def attendees(event) -> set[str]:
    found = event.get("ATTENDEE")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:") for a in found}


@pytest.fixture
def third(make, world):
    """A third advisor of the world's topic, free all week."""
    return make.advisor(world.topic, name="Ines Wagner")


def test_reassigning_keeps_the_uid_and_tells_everyone(app, world, third, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    before = fetch(app, booking_id)
    deactivate(app, world.brandt)
    brandt, wagner, client = user_of(app, world.brandt), user_of(app, third), world.client.email
    sent_before = len(outbox())

    give(app, booking_id, third.id)

    after = fetch(app, booking_id)
    assert after.uid == before.uid and after.start == before.start
    assert after.advisor_id == third.id and after.sequence == before.sequence + 1
    mails = outbox()[sent_before:]
    by_address = {m.to_address: m for m in mails}
    assert set(by_address) == {client, wagner.email, brandt.email}

    to_company = by_address[client]
    assert to_company.ics_method == "REQUEST"
    event = vevent(to_company)
    assert str(event["UID"]) == before.uid and int(event["SEQUENCE"]) == after.sequence
    assert wagner.email in attendees(event) and brandt.email not in attendees(event)
    assert "Ines Wagner" in to_company.body_text and brandt.name in to_company.body_text

    to_new = by_address[wagner.email]
    assert to_new.ics_method == "REQUEST"
    assert str(vevent(to_new)["UID"]) == before.uid
    assert int(vevent(to_new)["SEQUENCE"]) == after.sequence
    assert "Termin übernommen" in to_new.subject

    to_old = by_address[brandt.email]
    assert to_old.ics_method == "CANCEL"
    cancelled = vevent(to_old)
    assert str(cancelled["UID"]) == before.uid and int(cancelled["SEQUENCE"]) == after.sequence
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert brandt.email in attendees(cancelled)
    assert "Termin abgegeben" in to_old.subject


def test_the_history_tells_of_the_reassignment(app, world, third, make):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    deactivate(app, world.brandt)
    admin = make.user(role=Role.ADMIN)
    give(app, booking_id, third.id, actor_id=admin.id)
    with app.app_context():
        steps = db.session.scalars(
            sa.select(BookingEvent).where(BookingEvent.booking_id == booking_id)
        ).all()
        last = steps[-1]
        assert last.action == "reassigned" and last.actor_id == admin.id
        assert last.detail == f"{world.brandt.id}>{third.id}"


def test_the_new_advisors_buffers_block_the_time(app, world, third):
    with app.app_context():
        db.session.get(Advisor, third.id).buffer_minutes = 30
        db.session.commit()
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    give(app, booking_id, third.id)
    booking = fetch(app, booking_id)
    assert booking.blocked_from == booking.start - timedelta(minutes=30)
    assert booking.blocked_until == booking.end + timedelta(minutes=30)


def test_a_busy_advisor_is_refused(app, world, third):
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start)
    book(app, world, start + timedelta(minutes=30), advisor="becker")  # in Becker's buffer
    assert refusal(app, booking_id, world.becker.id) == reassign.BUSY
    assert fetch(app, booking_id).advisor_id == world.brandt.id


def test_an_advisor_who_does_not_offer_the_type_or_topic_is_refused(app, world, third, make):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    with app.app_context():
        db.session.get(Advisor, third.id).declined_types = [
            db.session.get(ConsultationType, world.ctype.id)
        ]
        db.session.commit()
    assert refusal(app, booking_id, third.id) == reassign.NOT_OFFERED
    outsider = make.advisor(make.topic("energie", "Energie"), name="Otto Außen")
    assert refusal(app, booking_id, outsider.id) == reassign.NOT_OFFERED


def test_an_inactive_advisor_or_the_same_one_is_refused(app, world, third):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    deactivate(app, third)
    assert refusal(app, booking_id, third.id) == reassign.NOT_BOOKABLE
    assert refusal(app, booking_id, world.brandt.id) == reassign.SAME_ADVISOR


def test_a_cancelled_booking_cannot_be_reassigned(app, world, third):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "")
        db.session.commit()
    assert refusal(app, booking_id, third.id) == reassign.NOT_CHANGEABLE


def test_candidates_are_the_free_suitable_advisors(app, world, third, count_queries):
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start)
    book(app, world, start, advisor="becker")
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert [a.id for a in reassign.candidates(booking)] == [third.id]


def test_a_pending_guest_booking_goes_to_nobodys_calendar_yet(app, world, third, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    sent_before = len(outbox())
    give(app, booking_id, third.id)
    mails = outbox()[sent_before:]
    assert [(m.to_address, m.ics_method) for m in mails] == [(GUEST.email, None)]
    assert fetch(app, booking_id).status == "pending"


def test_two_reassignments_to_one_advisor_at_the_same_time_give_one_booking(app, world, third):
    """Two bookings at the same time, of two deactivated advisors, both given to Wagner at
    once from two connections: exactly one gets through, the other is told she is busy."""
    start = at(monday_in(2), "10:00")
    first = book(app, world, start)
    second = book(app, world, start, advisor="becker")
    deactivate(app, world.brandt)
    deactivate(app, world.becker)
    ready = threading.Barrier(2)
    outcomes: list[str] = []

    def run(booking_id: int) -> None:
        ready.wait(timeout=30)
        try:
            give(app, booking_id, third.id)
            outcomes.append("ok")
        except reassign.ReassignError as refused:
            outcomes.append(refused.reason)

    threads = [threading.Thread(target=run, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == sorted(["ok", reassign.BUSY])
    with app.app_context():
        taken = db.session.scalars(
            sa.select(Booking).where(Booking.advisor_id == third.id, Booking.start == start)
        ).all()
        assert len(taken) == 1
