"""Who is offered, by which rules, and what a booking's history records: the core the advisor
workspace edits (hours, booking rules) as the public picker and the service apply it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.advisor import conflicts, preview
from app.booking import service
from app.booking.availability import AdvisorCalendar, rules_for
from app.booking.service import Guest
from app.booking.slots import DayOverride, WeeklyHours
from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingEvent,
    ConsultationType,
    Role,
    Topic,
)
from tests.booking_support import BERLIN, at, book, monday_in, user_of, writing
from tests.conftest import AuthActions


def test_an_advisor_without_hours_is_not_offered(app, client, make, world):
    newcomer = make.user(role=Role.ADVISOR, name="Neu Ohne Zeiten")
    with app.app_context():
        advisor = Advisor(user_id=newcomer.id)
        advisor.topics = [db.session.get(Topic, world.topic.id)]
        db.session.add(advisor)
        db.session.commit()
        advisor_id = advisor.id
    page = client.get(f"/beratung/termine?topic={world.topic.slug}").get_data(as_text=True)
    assert "Dr. Katharina Brandt" in page
    assert "Neu Ohne Zeiten" not in page
    assert "Neu Ohne Zeiten" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.add(
            AvailabilityRule(
                advisor_id=advisor_id, weekday=0, start_time=time(9), end_time=time(12)
            )
        )
        db.session.commit()
    assert "Neu Ohne Zeiten" in client.get(f"/beratung/termine?topic={world.topic.slug}").get_data(
        as_text=True
    )
    assert "Neu Ohne Zeiten" in client.get("/").get_data(as_text=True)


def test_a_declined_type_takes_the_advisor_out_of_its_picker(app, client, world):
    with app.app_context():
        brandt = db.session.get(Advisor, world.brandt.id)
        brandt.declined_types = [db.session.get(ConsultationType, world.ctype.id)]
        db.session.commit()
    url = f"/beratung/termine?type={world.ctype.slug}&topic={world.topic.slug}"
    page = client.get(url).get_data(as_text=True)
    assert "Thomas Becker" in page and "Dr. Katharina Brandt" not in page
    assert client.get(f"{url}&advisor={world.brandt.id}").status_code == 200  # falls back to any
    monday = monday_in(1)
    with writing(app), pytest.raises(service.SlotUnavailable):
        service.book(
            ctype=db.session.get(ConsultationType, world.ctype.id),
            topic=db.session.get(Topic, world.topic.id),
            advisor=db.session.get(Advisor, world.brandt.id),
            start=at(monday, "10:00"),
            agenda="",
            booker=db.session.get(
                __import__("app.models", fromlist=["User"]).User, world.client.id
            ),
        )


def test_the_advisors_rules_are_only_ever_stricter_than_the_types(app, world):
    with app.app_context():
        ctype = db.session.get(ConsultationType, world.ctype.id)  # 15 min buffer after
        brandt = db.session.get(Advisor, world.brandt.id)
        brandt.buffer_minutes, brandt.minimum_notice_minutes, brandt.max_per_day = 10, 30, 3
        rules = rules_for(ctype, brandt)
        assert rules.buffer_before == timedelta(minutes=10)
        assert rules.buffer_after == timedelta(minutes=15)  # the type's is longer
        assert rules.minimum_notice == timedelta(minutes=60)  # the type's is longer
        assert rules.max_meetings_per_day == 3
        brandt.minimum_notice_minutes = 48 * 60
        assert rules_for(ctype, brandt).minimum_notice == timedelta(days=2)


def test_a_booking_blocks_the_advisors_buffer(app, world):
    with app.app_context():
        db.session.get(Advisor, world.brandt.id).buffer_minutes = 30
        db.session.commit()
    start = at(monday_in(1), "10:00")
    booking_id = book(app, world, start)
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking.blocked_from == start - timedelta(minutes=30)
        assert booking.blocked_until == booking.end + timedelta(minutes=30)


def test_history_tells_created_moved_and_cancelled_with_who(app, world):
    monday = monday_in(1)
    booking_id = book(app, world, at(monday, "10:00"))
    with writing(app):
        booking = db.session.get(Booking, booking_id)
        service.reschedule(booking, at(monday, "14:00"), actor=booking.booked_by)
        db.session.commit()
    with writing(app):
        booking = db.session.get(Booking, booking_id)
        service.cancel(booking, "Krank", actor=None)
        db.session.commit()
    with app.app_context():
        events = db.session.scalars(
            sa.select(BookingEvent)
            .where(BookingEvent.booking_id == booking_id)
            .order_by(BookingEvent.id)
        ).all()
        assert [e.action for e in events] == ["created", "confirmed", "rescheduled", "cancelled"]
        assert events[2].actor_id == world.client.id
        assert datetime.fromisoformat(events[2].detail) == at(monday, "10:00")
        assert events[3].actor_id is None


def test_expired_guest_holds_enter_the_history(app, world):
    monday = monday_in(1)
    guest = Guest(name="Gast", email="gast@firma.example", company="Firma")
    booking_id = book(app, world, at(monday, "10:00"), guest=guest)
    with writing(app):
        assert service.release_expired_holds(datetime.now(UTC) + timedelta(hours=1)) == 1
        db.session.commit()
    with app.app_context():
        actions = db.session.scalars(
            sa.select(BookingEvent.action).where(BookingEvent.booking_id == booking_id)
        ).all()
        assert actions == ["created", "expired"]


def test_bookings_outside_new_hours_are_found_not_dropped(app, world):
    monday = monday_in(1)
    morning, afternoon = (
        book(app, world, at(monday, "10:00")),
        book(app, world, at(monday, "15:00")),
    )
    with app.app_context():
        db.session.execute(
            sa.update(AvailabilityRule)
            .where(AvailabilityRule.advisor_id == world.brandt.id)
            .values(end_time=time(12))
        )
        db.session.commit()
        outside = conflicts.outside_hours(
            db.session.get(Advisor, world.brandt.id), datetime.now(UTC)
        )
        assert [b.id for b in outside] == [afternoon]
        db.session.add(
            AvailabilityException(
                advisor_id=world.brandt.id, first_day=monday, last_day=monday, reason="Urlaub"
            )
        )
        db.session.commit()
        outside = conflicts.outside_hours(
            db.session.get(Advisor, world.brandt.id), datetime.now(UTC)
        )
        assert [b.id for b in outside] == [morning, afternoon]
        assert db.session.get(Booking, morning).status == "confirmed"


def test_working_time_takes_special_hours_over_the_weekly_ones():
    monday = monday_in(1)
    calendar = AdvisorCalendar(
        zone=BERLIN,
        weekly=[WeeklyHours(0, time(9), time(17))],
        overrides=[DayOverride(monday, monday, ((time(13), time(15)),))],
    )
    hours = conflicts.WorkingTime(calendar)
    assert hours.covers(at(monday, "13:00"), at(monday, "13:30"))
    assert not hours.covers(at(monday, "10:00"), at(monday, "10:30"))
    assert not hours.covers(at(monday, "14:45"), at(monday, "15:15"))
    tuesday = monday + timedelta(days=1)  # no weekly hours on Tuesdays
    assert not hours.covers(at(tuesday, "10:00"), at(tuesday, "10:30"))


def test_preview_shows_the_pickers_free_times_for_two_weeks(app, world):
    now = at(monday_in(1), "08:00")
    with app.app_context():
        brandt = db.session.get(Advisor, world.brandt.id)
        shown = preview.build(brandt, now)
        assert len(shown.days) == 14 and shown.ctype.id == world.ctype.id
        monday_slots = shown.days[0][1]
        assert monday_slots[0].start == at(monday_in(1), "09:00")
        saturday = shown.days[5]
        assert saturday[0].weekday() == 5 and saturday[1] == []
        db.session.add(
            AvailabilityException(
                advisor_id=brandt.id, first_day=monday_in(1), last_day=monday_in(1)
            )
        )
        db.session.commit()
        assert preview.build(db.session.get(Advisor, world.brandt.id), now).days[0][1] == []


def test_the_preview_refreshes_without_wiping_the_saves_message(app, htmx_client, world):
    """The panel refetches itself after each save; the save's message in the alerts stays."""
    AuthActions(htmx_client).login(user_of(app, world.brandt).email)
    panel = htmx_client.get("/berater/vorschau?type=erstgespraech")
    body = panel.get_data(as_text=True)
    assert panel.status_code == 200
    assert 'id="preview"' in body and 'id="alerts"' not in body
    assert "Zeitzone: Europe/Berlin" in body
