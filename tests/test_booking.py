"""Booking rules, called directly: confirm, hold, expire, fairness, reschedule, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.booking import service
from app.database import lock_row
from app.extensions import db
from app.models import Advisor, Booking, ConsultationType, Topic, User
from tests.booking_support import GUEST, at, book, detached, fetch, monday_in, writing


def test_account_booking_is_confirmed_and_both_sides_get_mail(app, world, outbox):
    start = at(monday_in(2), "10:00")
    booking = fetch(app, book(app, world, start))
    assert booking.status == "confirmed"
    assert (booking.start, booking.end) == (start, start + timedelta(minutes=30))
    assert booking.blocked_until == booking.end + timedelta(minutes=15)
    assert booking.organisation_id == world.client.organisation_id
    to_client, to_advisor = outbox()
    assert to_client.to_address == world.client.email
    assert to_client.subject == "Ihr Beratungstermin ist bestätigt"
    assert "10:00–10:30 (Europe/Berlin)" in to_client.body_text
    assert "/beratung/termin/" in to_client.body_text and "token=" in to_client.body_text
    assert to_advisor.subject == "Neue Buchung: Erstgespräch Digitalisierung mit Andreas Krüger"


def test_booker_in_another_zone_sees_both_times(app, world, outbox):
    start = at(monday_in(2), "10:00")
    with writing(app):
        booking = service.book(
            ctype=db.session.get(ConsultationType, world.ctype.id),
            topic=db.session.get(Topic, world.topic.id),
            advisor=db.session.get(Advisor, world.brandt.id),
            start=start,
            agenda="Expansion",
            booker=db.session.get(User, world.client.id),
            timezone="America/New_York",
        )
        db.session.commit()
        assert booking.timezone == "America/New_York"
    mail = outbox(world.client.email)[0]
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    ends = new_york + timedelta(minutes=30)
    assert f"{new_york:%H:%M}–{ends:%H:%M} (America/New_York)" in mail.body_text
    assert "Ortszeit der Beratung: " in mail.body_text
    assert "10:00–10:30 (Europe/Berlin)" in mail.body_text


def test_guest_booking_is_pending_and_holds_the_slot(app, world, outbox):
    start = at(monday_in(2), "10:00")
    booking = fetch(app, book(app, world, start, guest=GUEST))
    assert booking.status == "pending"
    assert booking.guest_consent_at is not None
    [mail] = outbox()
    assert mail.to_address == "eva@gast.example"
    assert mail.subject == "Bitte bestätigen Sie Ihren Beratungstermin"
    assert "/beratung/bestaetigen/" in mail.body_text
    with pytest.raises(service.SlotUnavailable):
        book(app, world, start)


def test_unconfirmed_guest_booking_expires_and_frees_the_slot(app, world):
    start = at(monday_in(2), "10:00")
    held = book(app, world, start, guest=GUEST)
    later = datetime.now(UTC) + timedelta(minutes=31)
    taken_over = fetch(app, book(app, world, start, now=later))
    assert taken_over.status == "confirmed"
    expired = fetch(app, held)
    assert (expired.status, expired.cancel_reason) == ("cancelled", "expired")
    with writing(app), pytest.raises(service.HoldExpired):
        service.confirm_guest_booking(db.session.get(Booking, held), now=later)


def test_guest_confirmation_makes_it_final(app, world, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with writing(app):
        service.confirm_guest_booking(db.session.get(Booking, booking_id))
        db.session.commit()
    assert fetch(app, booking_id).status == "confirmed"
    subjects = [mail.subject for mail in outbox()]
    assert subjects[1:] == [
        "Ihr Beratungstermin ist bestätigt",
        "Neue Buchung: Erstgespräch Digitalisierung mit Eva Gast",
    ]


def test_no_double_booking_and_buffers_count(app, world):
    day = monday_in(2)
    book(app, world, at(day, "10:00"))
    for taken in ("10:00", "09:30"):  # the same time; and one whose end runs into 10:00
        with pytest.raises(service.SlotUnavailable):
            book(app, world, at(day, taken))
    with pytest.raises(service.SlotUnavailable):  # 10:30 falls in the 15-minute buffer
        book(app, world, at(day, "10:30"))
    assert fetch(app, book(app, world, at(day, "11:00"))).status == "confirmed"


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (lambda: at(monday_in(2), "18:00"), service.SlotUnavailable),  # after hours
        (lambda: at(monday_in(2) + timedelta(days=6), "10:00"), service.SlotUnavailable),  # Sun
        (lambda: at(monday_in(2), "10:07"), service.SlotUnavailable),  # not on the grid
        (lambda: datetime.now(UTC) + timedelta(minutes=10), service.OutsideWindow),  # notice
        (lambda: at(monday_in(12), "10:00"), service.OutsideWindow),  # beyond the horizon
    ],
)
def test_times_outside_the_schedule_are_refused(app, world, when, error):
    with pytest.raises(error):
        book(app, world, when())
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_any_advisor_goes_to_the_one_with_fewest_bookings_that_week(app, world):
    day = monday_in(2)
    book(app, world, at(day, "09:00"), advisor="brandt")
    book(app, world, at(day, "11:00"), advisor="brandt")
    book(app, world, at(day, "09:00"), advisor="becker")
    fair = fetch(app, book(app, world, at(day, "14:00"), advisor=None))
    assert fair.advisor_id == world.becker.id
    # At 09:00 both are busy; at 11:00 only Brandt is: "any" finds the free one.
    second = fetch(app, book(app, world, at(day, "11:00"), advisor=None))
    assert second.advisor_id == world.becker.id
    with pytest.raises(service.SlotUnavailable):
        book(app, world, at(day, "09:00"), advisor=None)


def test_reschedule_keeps_identity_and_counts_the_sequence(app, world, outbox):
    day = monday_in(2)
    booking_id = book(app, world, at(day, "10:00"))
    original = fetch(app, booking_id)
    with writing(app):
        service.reschedule(db.session.get(Booking, booking_id), at(day, "10:30"))
        db.session.commit()
    moved = fetch(app, booking_id)
    assert moved.uid == original.uid
    assert moved.start == at(day, "10:30")  # inside its own old buffer: allowed
    assert moved.sequence == original.sequence + 1
    assert [m.subject for m in outbox()][-2:] == [
        "Ihr Beratungstermin wurde verschoben",
        "Termin verschoben: Erstgespräch Digitalisierung mit Andreas Krüger",
    ]


def test_reschedule_onto_a_taken_time_is_refused(app, world):
    day = monday_in(2)
    first = book(app, world, at(day, "10:00"))
    book(app, world, at(day, "14:00"))
    with writing(app), pytest.raises(service.SlotUnavailable):
        service.reschedule(db.session.get(Booking, first), at(day, "14:00"))
    assert fetch(app, first).start == at(day, "10:00")


def test_cancel_keeps_the_record_and_frees_the_time(app, world, outbox):
    day = monday_in(2)
    booking_id = book(app, world, at(day, "10:00"))
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "Krank")
        db.session.commit()
    cancelled = fetch(app, booking_id)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Krank")
    assert cancelled.sequence == 1
    assert "Grund der Absage: Krank" in outbox(world.client.email)[-1].body_text
    assert fetch(app, book(app, world, at(day, "10:00"))).status == "confirmed"


def test_past_or_cancelled_bookings_cannot_change(app, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    later = at(monday_in(3), "10:00")
    with writing(app):
        booking = db.session.get(Booking, booking_id)
        with pytest.raises(service.NotChangeable):
            service.cancel(booking, "", now=later)
        service.cancel(booking, "")
        with pytest.raises(service.NotChangeable):
            service.cancel(booking, "")
        with pytest.raises(service.NotChangeable):
            service.reschedule(booking, at(monday_in(2), "11:00"))


def test_release_expired_holds_for_all_advisors(app, world):
    held = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with writing(app):
        assert service.release_expired_holds(datetime.now(UTC)) == 0
        assert service.release_expired_holds(datetime.now(UTC) + timedelta(hours=1)) == 1
        db.session.commit()
    assert fetch(app, held).status == "cancelled"


def test_any_advisor_never_picks_a_deactivated_account(app, world):
    with app.app_context():
        db.session.get(Advisor, world.becker.id).user.active = False
        db.session.commit()
    day = monday_in(2)
    book(app, world, at(day, "09:00"), advisor="brandt")
    with pytest.raises(service.SlotUnavailable):
        book(app, world, at(day, "09:00"), advisor=None)


def test_taking_the_lock_never_commits_what_came_before(app, world):
    """The view commits once: the advisor lock must not commit the request's earlier work."""
    with writing(app):
        db.session.get(User, world.client.id).name = "Nicht gespeichert"
        db.session.flush()
        lock_row(db.session(), Advisor, world.brandt.id)
        db.session.rollback()
    assert detached(app, User, world.client.id).name == "Andreas Krüger"


def test_a_reading_transaction_cannot_take_the_sqlite_write_lock(app, world):
    """SQLite: a transaction that began as a reader would have to commit to get the lock."""
    with app.app_context():
        db.session.get(Advisor, world.brandt.id)
        if db.engine.dialect.name == "sqlite":
            with pytest.raises(RuntimeError, match="begin_write"):
                lock_row(db.session(), Advisor, world.brandt.id)
        else:
            lock_row(db.session(), Advisor, world.brandt.id)  # a row lock: fine at any time
        db.session.rollback()


def test_a_post_begins_as_a_writer_on_sqlite(app, client, world):
    """Unsafe requests open their transaction with BEGIN IMMEDIATE (SQLite), GETs do not."""
    begun: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/beratung/termine")
        reads = list(begun)
        client.post("/beratung/termin/unbekannt/absagen", data={})
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if engine.dialect.name == "sqlite":
        assert reads and all(statement == "BEGIN DEFERRED" for statement in reads)
        assert begun[len(reads)] == "BEGIN IMMEDIATE"
