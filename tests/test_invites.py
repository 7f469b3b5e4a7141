"""The invites booking mails carry: one event per booking that moves and is cancelled in
every calendar it was put in, written for each recipient in their language.

Every calendar is taken from the outbox and parsed back with ``icalendar``.
"""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app import demo
from app.booking import invites, service
from app.extensions import db
from app.models import Advisor, Booking, ConsultationType, User
from tests.booking_support import (
    GUEST,
    at,
    book,
    fetch,
    monday_in,
    organisation_of,
    reschedule,
    set_type,
    user_of,
    writing,
)

MEET = "https://meet.hub.example"


def calendar_of(message) -> tuple[icalendar.Calendar, icalendar.Event]:
    """The invite in an outbox message, parsed; its METHOD must be the one stored for MIME."""
    vcalendar = icalendar.Calendar.from_ical(message.ics_body)
    [vevent] = vcalendar.walk("VEVENT")
    assert vcalendar["METHOD"] == message.ics_method
    assert "TZID" not in message.ics_body and "VTIMEZONE" not in message.ics_body
    return vcalendar, vevent


def set_locale(app, user_id: int, locale: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def cancel(app, booking_id: int, reason: str = "") -> None:
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), reason)
        db.session.commit()


def confirm(app, booking_id: int) -> None:
    with writing(app):
        service.confirm_guest_booking(db.session.get(Booking, booking_id))
        db.session.commit()


@pytest.fixture
def video(app):
    """The hub's own video service gives each confirmed video booking a room."""
    app.config["VIDEO_ROOM_BASE_URL"] = MEET


def test_book_reschedule_cancel_is_one_event_that_moves_and_is_cancelled(app, world, outbox, video):
    """German booker, English advisor: each calendar in its reader's language, the same
    UID throughout, SEQUENCE strictly increasing, the times the booking's own in UTC."""
    advisor = user_of(app, world.brandt)
    set_locale(app, advisor.id, "en")
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    booked = fetch(app, booking_id)
    reschedule(app, booking_id, at(monday_in(2), "14:00"))
    moved = fetch(app, booking_id)
    cancel(app, booking_id, "Krank")
    cancelled = fetch(app, booking_id)

    seen: dict[str, list[tuple[str, icalendar.Event]]] = {}
    for message in outbox():
        vcalendar, vevent = calendar_of(message)
        seen.setdefault(message.to_address, []).append((vcalendar["METHOD"], vevent))
    assert set(seen) == {world.client.email, advisor.email}
    for _to, events in seen.items():
        assert [method for method, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
        assert {vevent["UID"] for _, vevent in events} == {booked.uid}
        sequences = [vevent["SEQUENCE"] for _, vevent in events]
        assert sequences == [0, 1, 2] == [booked.sequence, moved.sequence, cancelled.sequence]
        stamps = [vevent.decoded("DTSTAMP") for _, vevent in events]
        assert stamps == sorted(stamps)
        for (_, vevent), state in zip(events, (booked, moved, cancelled), strict=True):
            assert vevent.decoded("DTSTART") == state.start
            assert vevent.decoded("DTEND") == state.end
        assert [vevent["STATUS"] for _, vevent in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
        # The room stays the room: the link in the first invite still works after the move.
        links = [vevent.get("URL") for _, vevent in events]
        assert links[0] == links[1] == booked.meeting_url and booked.meeting_url.startswith(MEET)
        assert [bool(vevent.walk("VALARM")) for _, vevent in events] == [True, True, False]

    [(_, booker_event), *_] = seen[world.client.email]
    [(_, advisor_event), *_] = seen[advisor.email]
    assert booker_event["SUMMARY"] == (
        "Erstgespräch Digitalisierung mit Dr. Katharina Brandt (Industry Hub Rhein-Kreis)"
    )
    assert booker_event["SUMMARY"].params["LANGUAGE"] == "de"
    assert advisor_event["SUMMARY"].startswith("First consultation ")
    company = organisation_of(app, world.client).name
    assert advisor_event["SUMMARY"].endswith(f" Andreas Krüger ({company})")
    assert advisor_event["SUMMARY"].params["LANGUAGE"] == "en"
    assert "Agenda:\nWie digitalisieren wir unser Labor?" in booker_event["DESCRIPTION"]
    assert "View booking:\nhttp://localhost/konto/anmelden?next=" in advisor_event["DESCRIPTION"]
    [(_, _), (_, _), (_, cancel_event)] = seen[advisor.email]
    assert "Reason for cancellation: Krank" in cancel_event["DESCRIPTION"]


def test_organizer_is_the_sender_and_both_people_are_asked_to_answer(app, world, outbox):
    app.config["MAIL_DEFAULT_SENDER"] = "Beratung im Hub <termine@hub.example>"
    book(app, world, at(monday_in(2), "10:00"))
    advisor = user_of(app, world.brandt)
    messages = outbox()
    assert len(messages) == 2
    for message in messages:
        _, vevent = calendar_of(message)
        assert vevent["ORGANIZER"] == "mailto:termine@hub.example"
        assert vevent["ORGANIZER"].params["CN"] == "Beratung im Hub"
        attendees = {str(a): a.params for a in vevent["ATTENDEE"]}
        client = f"mailto:{world.client.email}"
        assert set(attendees) == {client, f"mailto:{advisor.email}"}
        assert attendees[f"mailto:{advisor.email}"]["CN"] == "Dr. Katharina Brandt"
        assert attendees[client]["CN"] == "Andreas Krüger"
        for params in attendees.values():
            assert params["ROLE"] == "REQ-PARTICIPANT"
            assert params["PARTSTAT"] == "NEEDS-ACTION" and params["RSVP"] == "TRUE"


def test_a_bare_sender_address_is_named_after_the_hub(app, world, outbox):
    app.config["MAIL_DEFAULT_SENDER"] = "termine@hub.example"
    book(app, world, at(monday_in(2), "10:00"))
    _, vevent = calendar_of(outbox()[0])
    assert vevent["ORGANIZER"] == "mailto:termine@hub.example"
    assert vevent["ORGANIZER"].params["CN"] == "Industry Hub Rhein-Kreis"


def test_a_guest_gets_the_invite_only_once_the_booking_is_confirmed(app, world, outbox, video):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    [pending] = outbox()
    assert pending.ics_body is None and pending.ics_method is None
    assert "den Link bekommen Sie mit der Bestätigung" in pending.body_text
    confirm(app, booking_id)
    invited = outbox()[1:]
    assert sorted(m.ics_method for m in invited) == ["REQUEST", "REQUEST"]
    for message in invited:
        _, vevent = calendar_of(message)
        assert vevent["SEQUENCE"] == 0 and vevent["URL"].startswith(MEET)


def test_a_guest_booking_cancelled_before_confirmation_sends_no_cancel(app, world, outbox):
    """It was in nobody's calendar: the guest hears it is off, the advisor nothing."""
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    reschedule(app, booking_id, at(monday_in(2), "11:00"))
    cancel(app, booking_id)
    messages = outbox()
    assert [m.to_address for m in messages] == [GUEST.email] * 3
    assert [m.ics_body for m in messages] == [None, None, None]


def test_an_advisor_who_never_got_the_invite_gets_no_cancel(app, world, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with writing(app):
        service.release_expired_holds(fetch(app, booking_id).hold_expires_at + timedelta(1))
        db.session.commit()
    assert len(outbox()) == 1  # the pending mail, and nothing since


@pytest.mark.parametrize(
    ("fields", "video_base", "location", "description"),
    [
        (
            {"location_kind": "video"},
            MEET,
            MEET + "/sprechstunde-",
            "Wo: Videokonferenz: " + MEET,
        ),
        (
            # Nothing configured: no promise of a link that never comes.
            {"location_kind": "video"},
            "",
            "Videokonferenz – den Link schickt Ihnen Dr. Katharina Brandt vor dem Termin",
            "Wo: Videokonferenz – den Link schickt Ihnen Dr. Katharina Brandt vor dem Termin",
        ),
        (
            {"location_kind": "phone", "location_detail_de": "+49 2133 12345"},
            MEET,
            "Telefon: +49 2133 12345",
            "Wo: Telefon: +49 2133 12345",
        ),
        (
            {"location_kind": "on_site", "location_detail_de": "Musterstraße 1, 41539 Dormagen"},
            MEET,
            "Musterstraße 1, 41539 Dormagen",
            "Wo: vor Ort: Musterstraße 1, 41539 Dormagen",
        ),
    ],
    ids=["video", "video-without-service", "phone", "on-site"],
)
def test_the_location_is_where_the_meeting_really_is(
    app, world, outbox, fields, video_base, location, description
):
    app.config["VIDEO_ROOM_BASE_URL"] = video_base
    set_type(app, world, **fields)
    book(app, world, at(monday_in(2), "10:00"))
    booker, advisor = outbox()
    _, vevent = calendar_of(booker)
    assert vevent["LOCATION"].startswith(location)
    assert description in vevent["DESCRIPTION"]
    assert ("URL" in vevent) == ("CONFERENCE" in vevent) == location.startswith(MEET)
    assert description.removeprefix("Wo: ") in booker.body_text
    if not video_base and fields["location_kind"] == "video":
        # The advisor is told it is theirs to send.
        assert "bitte schicken Sie Andreas Krüger den Link vor dem Termin" in advisor.body_text
        assert "den Link bekommen Sie" not in booker.body_text + advisor.body_text


def test_the_advisors_own_meeting_link_is_the_room(app, world, outbox, video):
    with app.app_context():
        db.session.get(Advisor, world.brandt.id).meeting_link = "https://teams.example/brandt"
        db.session.commit()
    book(app, world, at(monday_in(2), "10:00"))
    for message in outbox():
        _, vevent = calendar_of(message)
        assert vevent["LOCATION"] == vevent["URL"] == "https://teams.example/brandt"
        assert "https://teams.example/brandt" in message.body_text
        assert '<a href="https://teams.example/brandt">' in message.body_html


def test_the_booker_gets_the_manage_link_and_the_advisor_the_login(app, world, outbox):
    book(app, world, at(monday_in(2), "10:00"))
    booker, advisor = outbox()
    _, booker_event = calendar_of(booker)
    _, advisor_event = calendar_of(advisor)
    assert "http://localhost/beratung/termin/" in booker_event["DESCRIPTION"]
    assert "token=" in booker_event["DESCRIPTION"]
    assert "token=" not in advisor_event["DESCRIPTION"]
    assert "http://localhost/konto/anmelden?next=" in advisor_event["DESCRIPTION"]


HOSTILE_NAME = 'Eva "Gast"\r\nBCC: alle@firma.example \x00 \x1b'


def test_hostile_data_still_makes_a_calendar_that_parses(app, world):
    """A name with a line break, NUL, quotes and a 100 KB agenda, as older data might
    hold: the invite still parses as one event with the same two people."""
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with app.test_request_context(), db.session.no_autoflush:
        booking = db.session.get(Booking, booking_id)
        booking.guest_name = HOSTILE_NAME  # PostgreSQL could not store the NUL: never flushed
        booking.guest_company = 'ACME "Dynamite";ROLE=CHAIR:mailto:x@y'
        booking.agenda = "Zeile; mit, allem \\ und\r\n" * 4500 + "\x00Ende"
        booking.confirmed_at = booking.created_at
        method, text = invites.invite(booking, invites.ADVISOR, "de", "https://hub.example/x")
        db.session.rollback()
    vcalendar = icalendar.Calendar.from_ical(text)
    [vevent] = vcalendar.walk("VEVENT")
    assert method == "REQUEST" == vcalendar["METHOD"]
    assert next(str(a) for a in vevent["ATTENDEE"]) == "mailto:eva@gast.example"
    assert len(vevent["ATTENDEE"]) == 2
    assert "\n" not in vevent["SUMMARY"] and "\x00" not in text
    assert vevent["SUMMARY"].startswith('Erstgespräch Digitalisierung mit Eva "Gast" BCC')
    assert vevent["DESCRIPTION"].endswith("Ende\n\nBuchung ansehen:\nhttps://hub.example/x")
    assert len(vevent["DESCRIPTION"]) > 100_000


def test_the_demo_hub_keeps_its_video_promise(app, runner):
    """Seeded demo advisors have their own rooms, so a demo video booking shows a link;
    no consultation type promises a link that would never come."""
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        links = set(db.session.scalars(sa.select(Advisor.meeting_link)))
        assert links and all(link.startswith("https://meet.industryhub.example/") for link in links)
        assert len(links) == len(demo.ADVISORS)
        details = db.session.scalars(sa.select(ConsultationType.location_detail_de))
        assert not any("Link folgt" in detail for detail in details)
    runner.invoke(args=["seed-demo"])  # again: nothing changes
    with app.app_context():
        assert set(db.session.scalars(sa.select(Advisor.meeting_link))) == links
