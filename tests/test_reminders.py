"""Reminders before confirmed meetings, with a frozen clock: the worker's job is called with
the moment it runs, as ``enqueue_due_reminders(now)``.

The world's meeting is on a Monday at 10:00 (Berlin), so its reminder (24 hours before by
default) is due on the Sunday at 10:00. Each reminder is one outbox row to the company
contact; the mail itself is read back from a real SMTP server.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.booking import service
from app.booking.reminders import enqueue_due_reminders
from app.extensions import db
from app.mail.transport import transport_from_config
from app.mail.worker import deliver_due
from app.models import Advisor, Booking, OutboxMessage
from tests.booking_support import GUEST, at, book, fetch, monday_in, reschedule, set_type, writing
from tests.test_booking_concurrency import racing_app

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
REMINDER = "Erinnerung: "


def remind(app, now) -> int:
    """One run of the worker's reminder job at ``now``."""
    with app.app_context():
        return enqueue_due_reminders(now)


def reminders(app) -> list[OutboxMessage]:
    """The reminder mails in the outbox, oldest first."""
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.subject.startswith(REMINDER))
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return found


def cancel(app, booking_id: int, now) -> None:
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "Verhindert", now=now)
        db.session.commit()


def test_each_confirmed_meeting_gets_one_reminder_when_it_is_due(app, world):
    monday, tuesday = at(monday_in(2), "10:00"), at(monday_in(2) + timedelta(days=1), "10:00")
    first, second = book(app, world, monday), book(app, world, tuesday)

    assert remind(app, monday - 24 * HOUR - MINUTE) == 0  # not yet
    assert remind(app, monday - 24 * HOUR) == 1
    assert remind(app, monday - 23 * HOUR) == 0  # sent already: not again
    assert remind(app, tuesday - 24 * HOUR + HOUR) == 1
    assert remind(app, tuesday - HOUR) == 0

    sent = reminders(app)
    assert [m.to_address for m in sent] == [world.client.email] * 2
    assert re.fullmatch(r"Erinnerung: Erstgespräch Digitalisierung am .+, 10:00", sent[0].subject)
    assert "10:00–10:30 (Europe/Berlin)" in sent[0].body_text
    assert fetch(app, first).reminder_due_at is None and fetch(app, second).reminder_due_at is None


def test_a_cancelled_meeting_gets_no_reminder(app, world):
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start)
    cancel(app, booking_id, now=start - 48 * HOUR)
    assert remind(app, start - 24 * HOUR) == 0
    assert remind(app, start - HOUR) == 0
    assert reminders(app) == []


def test_a_meeting_that_has_begun_gets_no_late_reminder(app, world):
    """The worker was down from before the reminder was due until the meeting began."""
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    assert remind(app, start) == 0
    assert remind(app, start + 10 * MINUTE) == 0
    assert reminders(app) == []


def test_a_late_worker_still_reminds_before_the_meeting(app, world):
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    assert remind(app, start - 10 * MINUTE) == 1


def test_a_meeting_confirmed_inside_the_window_gets_no_reminder(app, world):
    """Booked 20 hours ahead: the confirmation just sent says what a reminder would."""
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start, now=start - 20 * HOUR)
    assert fetch(app, booking_id).reminder_due_at is None
    assert remind(app, start - HOUR) == 0


def test_a_moved_meeting_is_reminded_of_its_new_time_only(app, world):
    monday = at(monday_in(2), "10:00")
    tuesday = monday + timedelta(days=1, hours=4)  # Tuesday 14:00
    booking_id = book(app, world, monday)
    reschedule(app, booking_id, tuesday, now=monday - 72 * HOUR)

    assert remind(app, monday - 24 * HOUR) == 0  # the old time: moved away
    assert remind(app, tuesday - 24 * HOUR) == 1
    [reminder] = reminders(app)
    assert "14:00–14:30 (Europe/Berlin)" in reminder.body_text
    assert "10:00–10:30" not in reminder.body_text


def test_a_meeting_moved_after_its_reminder_gets_a_fresh_one(app, world):
    monday = at(monday_in(2), "10:00")
    wednesday = monday + timedelta(days=2, hours=1)  # Wednesday 11:00
    booking_id = book(app, world, monday)
    assert remind(app, monday - 24 * HOUR) == 1
    reschedule(app, booking_id, wednesday, now=monday - 20 * HOUR)

    assert remind(app, monday - MINUTE) == 0
    assert remind(app, wednesday - 24 * HOUR) == 1
    assert remind(app, wednesday - HOUR) == 0
    first, fresh = reminders(app)
    assert "10:00–10:30 (Europe/Berlin)" in first.body_text
    assert "11:00–11:30 (Europe/Berlin)" in fresh.body_text


def test_a_meeting_moved_into_its_window_gets_none_for_the_new_time(app, world):
    """Moved on Monday morning to Monday afternoon: the move's mail is the reminder."""
    monday = at(monday_in(2), "10:00")
    booking_id = book(app, world, monday)
    assert remind(app, monday - 24 * HOUR) == 1
    reschedule(app, booking_id, monday + 5 * HOUR, now=monday - 2 * HOUR)
    assert remind(app, monday + 4 * HOUR) == 0
    assert len(reminders(app)) == 1


def test_a_type_without_reminders_sends_none(app, world):
    set_type(app, world, reminder_hours=0)
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    assert remind(app, start - MINUTE) == 0
    assert reminders(app) == []


def test_each_type_has_its_own_lead_time(app, world):
    set_type(app, world, reminder_hours=2)
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    assert remind(app, start - 24 * HOUR) == 0
    assert remind(app, start - 2 * HOUR - MINUTE) == 0
    assert remind(app, start - 2 * HOUR) == 1


def test_a_guest_is_reminded_only_of_a_confirmed_meeting(app, world):
    start = at(monday_in(2), "10:00")
    booked_at = start - 72 * HOUR
    confirmed = book(app, world, start, guest=GUEST, now=booked_at)
    never = service.Guest("Max Zögerlich", "max@zoegerlich.example", "Zögerlich KG")
    book(app, world, start, advisor="becker", guest=never, now=booked_at)
    with writing(app):
        service.confirm_guest_booking(
            db.session.get(Booking, confirmed), now=booked_at + 10 * MINUTE
        )
        db.session.commit()

    assert remind(app, start - 24 * HOUR) == 1
    assert [m.to_address for m in reminders(app)] == [GUEST.email]


def delivered_reminder(app, smtp_server, now):
    """Run the reminder job at ``now`` and deliver over SMTP; the reminder as received."""
    app.config.update(smtp_server.config())
    with app.app_context():
        deliver_due(transport_from_config(app.config))  # the booking mails, out of the way
        smtp_server.messages.clear()
        assert enqueue_due_reminders(now) == 1
        deliver_due(transport_from_config(app.config), now=now)
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return message, text, message.get_body(("html",)).get_content()


def test_the_reminder_says_when_and_where_and_how_to_move_or_cancel(
    app, client, world, smtp_server
):
    set_type(
        app, world, location_kind="on_site", location_detail_de="Musterstraße 1, 41539 Dormagen"
    )
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    message, text, html = delivered_reminder(app, smtp_server, start - 24 * HOUR)

    assert message["To"] == world.client.email
    assert re.fullmatch(
        r"Erinnerung: Erstgespräch Digitalisierung am \d+\. \w+\.? \d{4}, 10:00", message["Subject"]
    )
    assert text.startswith("Guten Tag,\n\nwir erinnern Sie an Ihren Beratungstermin:\n")
    assert "Wann: " in text and "10:00–10:30 (Europe/Berlin)" in text
    assert "Wo: vor Ort: Musterstraße 1, 41539 Dormagen\n" in text
    assert "Mit: Dr. Katharina Brandt" in text
    assert "<dd>vor Ort: Musterstraße 1, 41539 Dormagen</dd>" in html
    link = re.search(r"Termin ansehen, verschieben oder absagen:\n(http\S+)", text).group(1)
    assert f'<a href="{link.replace("&", "&amp;")}">' in html
    page = client.get(link.removeprefix("http://localhost"))
    assert page.status_code == 200
    assert "Wie digitalisieren wir unser Labor?" in page.get_data(as_text=True)


def test_a_video_meeting_reminder_carries_the_room_link(app, world, smtp_server):
    app.config["VIDEO_ROOM_BASE_URL"] = "https://video.hub.example"
    start = at(monday_in(2), "10:00")
    room = fetch(app, book(app, world, start)).meeting_url
    assert room.startswith("https://video.hub.example/sprechstunde-")
    _message, text, html = delivered_reminder(app, smtp_server, start - 24 * HOUR)
    assert room in text and f'href="{room}"' in html


def test_the_reminder_is_in_the_bookers_language_and_zone(app, world, smtp_server):
    set_type(app, world, location_kind="phone", location_detail_en="+49 2133 123456")
    start = at(monday_in(2), "16:00")  # 10:00 in New York
    book(app, world, start, locale="en", timezone="America/New_York")  # from New York
    message, text, html = delivered_reminder(app, smtp_server, start - 24 * HOUR)

    assert re.fullmatch(
        r"Reminder: First consultation – Digitalisierung \(en\) on \d+ \w+ \d{4}, 10:00",
        message["Subject"],
    )
    assert text.startswith("Hello,\n\nthis is a reminder of your appointment:\n")
    assert "10:00–10:30 (America/New_York)" in text
    assert "16:00–16:30 (Europe/Berlin)" in text  # the advisor's local time, too
    assert "Where: Phone: +49 2133 123456" in text
    assert "View, reschedule or cancel the appointment:\nhttp://localhost/" in text
    assert 'lang="en"' in html and "Erinnerung" not in text + html


def workers_at_once(database_url: str, now, count: int = 2) -> list:
    """``count`` workers run the reminder job at the same moment, each with its own
    connection; each waits until all have read what is due before claiming any of it."""
    racing = racing_app(database_url, count)
    with racing.app_context():
        engine = db.engine
    gate = threading.Barrier(count, timeout=10)
    results: list = []

    def read_together(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().startswith("SELECT") and "reminder_due_at <=" in statement:
            gate.wait()

    def work() -> None:
        try:
            with racing.app_context():
                results.append(enqueue_due_reminders(now))
        except BaseException as error:  # reported by the caller's assertion
            results.append(error)

    sa.event.listen(engine, "after_cursor_execute", read_together)
    threads = [threading.Thread(target=work) for _ in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa.event.remove(engine, "after_cursor_execute", read_together)
        engine.dispose()
    return results


def test_two_workers_at_once_send_one_reminder_per_meeting(app, database_url, world):
    set_type(app, world, reminder_hours=72)
    day = monday_in(2)
    starts = [at(day + timedelta(days=d), f"{h}:00") for d in range(3) for h in (9, 11, 13, 15)]
    booked = [book(app, world, start) for start in starts]

    results = workers_at_once(database_url, starts[0] - MINUTE)

    assert all(isinstance(queued, int) for queued in results), results
    assert sum(results) == len(booked)
    meetings = [re.search(r"Wann: (.+)", m.body_text).group(1) for m in reminders(app)]
    assert len(meetings) == len(set(meetings)) == len(booked)  # each meeting once
    assert all(fetch(app, b).reminder_due_at is None for b in booked)


class Crash(BaseException):
    """The worker dying: not an ``Exception`` any handler would catch."""


def remind_and_die_before_the_second_commit(app, now) -> None:
    """The reminder job, killed after it claimed and wrote the second reminder, before
    that is committed; the app context's teardown rolls back what was not committed."""
    with app.app_context():
        written = []

        def die(session) -> None:
            if any(isinstance(obj, OutboxMessage) for obj in session.new):
                written.append(1)
                if len(written) == 2:
                    raise Crash()

        sa.event.listen(db.session(), "before_commit", die)
        enqueue_due_reminders(now)


def test_a_worker_that_dies_mid_way_loses_and_doubles_nothing(app, world):
    start = at(monday_in(2), "10:00")
    booked = [book(app, world, start + timedelta(hours=h)) for h in (0, 2, 4)]
    now = start - 20 * HOUR

    with pytest.raises(Crash):
        remind_and_die_before_the_second_commit(app, now)

    assert len(reminders(app)) == 1
    assert [fetch(app, b).reminder_due_at is None for b in booked] == [True, False, False]
    assert remind(app, now) == 2
    assert remind(app, now) == 0
    sent = reminders(app)
    assert len(sent) == 3
    for hour in ("10:00–10:30", "12:00–12:30", "14:00–14:30"):
        assert sum(hour in m.body_text for m in sent) == 1


def test_a_reminder_that_cannot_be_written_holds_up_no_other(app, world, caplog):
    """A booking from older data names a zone that does not exist: its mail fails, the
    others go out, and it stays due until the data is mended."""
    start = at(monday_in(2), "10:00")
    broken, fine = book(app, world, start), book(app, world, start + 2 * HOUR)
    with app.app_context():
        db.session.execute(
            sa.update(Booking).where(Booking.id == broken).values(timezone="Mars/Olympus")
        )
        db.session.commit()

    assert remind(app, start - 20 * HOUR) == 1
    assert f"reminders: booking {broken} not reminded" in caplog.text
    assert fetch(app, fine).reminder_due_at is None
    assert fetch(app, broken).reminder_due_at is not None
    with app.app_context():
        db.session.execute(
            sa.update(Booking).where(Booking.id == broken).values(timezone="Europe/Berlin")
        )
        db.session.commit()
    assert remind(app, start - 19 * HOUR) == 1
    assert len(reminders(app)) == 2


def calendar_version(app, advisor) -> int:
    with app.app_context():
        return db.session.get(Advisor, advisor.id).calendar_version


def test_reminders_leave_the_cached_free_times_alone(app, world):
    """A reminder changes no free time: the slot pickers' cached weeks stay valid."""
    start = at(monday_in(2), "10:00")
    book(app, world, start)
    before = calendar_version(app, world.brandt)
    assert remind(app, start - 24 * HOUR) == 1
    assert calendar_version(app, world.brandt) == before
