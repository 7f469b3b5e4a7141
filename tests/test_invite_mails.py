"""Invite mails as a mail program receives them, over a real SMTP server (aiosmtpd).

What Outlook, Gmail, Apple Mail and Thunderbird need to show a meeting: ``multipart/mixed``
→ ``multipart/alternative`` (text, HTML, ``text/calendar; method=…; charset=utf-8``) plus
``invite.ics`` attached as ``application/ics``; the MIME ``method=`` equal to the body's
METHOD; the mail's From the ORGANIZER's mailbox.
"""

from __future__ import annotations

from email.utils import parseaddr

import icalendar

from app.booking import service
from app.extensions import db
from app.mail import enqueue_mail
from app.mail.transport import transport_from_config
from app.mail.worker import deliver_due
from app.models import Booking, User
from tests.booking_support import GUEST, at, book, monday_in, user_of, writing


def delivered(app, smtp_server) -> list:
    """Send the outbox; every message that arrived so far, in order."""
    with app.app_context():
        deliver_due(transport_from_config(app.config))
    return smtp_server.messages


def tree(part) -> object:
    """The MIME structure as nested (content type, [children]) / content type."""
    if part.is_multipart():
        return (part.get_content_type(), [tree(child) for child in part.iter_parts()])
    return part.get_content_type()


INVITE_TREE = (
    "multipart/mixed",
    [
        ("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
        "application/ics",
    ],
)


def calendar_parts(message) -> tuple[object, object]:
    [inline] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [attached] = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    return inline, attached


def check_invite(message, method: str) -> icalendar.Event:
    """The structure every invite mail has; the event it carries, parsed."""
    assert tree(message) == INVITE_TREE
    inline, attached = calendar_parts(message)
    assert inline.get_param("method") == method
    assert inline.get_content_charset() == "utf-8"
    assert inline.get_content_disposition() is None  # shown as the invitation, not a file
    assert attached.get_content_disposition() == "attachment"
    text = inline.get_content()
    assert attached.get_content().decode() == text  # one calendar, twice
    vcalendar = icalendar.Calendar.from_ical(text)
    assert vcalendar["METHOD"] == method
    [vevent] = vcalendar.walk("VEVENT")
    name, address = parseaddr(message["From"])
    assert vevent["ORGANIZER"] == f"mailto:{address}"
    assert vevent["ORGANIZER"].params["CN"] == name
    return vevent


def test_booking_moving_and_cancelling_mail_one_event_to_both(app, world, smtp_server):
    app.config.update(smtp_server.config(), VIDEO_ROOM_BASE_URL="https://meet.hub.example")
    advisor = user_of(app, world.brandt)
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    with writing(app):
        service.reschedule(db.session.get(Booking, booking_id), at(monday_in(2), "11:00"))
        db.session.commit()
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "")
        db.session.commit()
    messages = delivered(app, smtp_server)
    by_recipient: dict[str, list] = {}
    for message in messages:
        by_recipient.setdefault(message["To"], []).append(message)
    assert set(by_recipient) == {world.client.email, advisor.email}
    for mails in by_recipient.values():
        events = [
            check_invite(mail, method)
            for mail, method in zip(mails, ["REQUEST", "REQUEST", "CANCEL"], strict=True)
        ]
        assert len({event["UID"] for event in events}) == 1
        assert [event["SEQUENCE"] for event in events] == [0, 1, 2]
        assert events[-1]["STATUS"] == "CANCELLED"
        assert events[0]["URL"] == events[1]["URL"]  # the room stays across the move


def test_from_names_the_hub_and_is_the_organizer(app, world, smtp_server):
    app.config.update(smtp_server.config(), MAIL_DEFAULT_SENDER="termine@hub.example")
    book(app, world, at(monday_in(2), "10:00"))
    for message in delivered(app, smtp_server):
        assert message["From"] == "Industry Hub Rhein-Kreis <termine@hub.example>"
        check_invite(message, "REQUEST")
        assert message["Message-ID"].endswith("@hub.example>")


def test_a_guests_pending_mail_has_no_invite_and_the_confirmation_has(app, world, smtp_server):
    app.config.update(smtp_server.config())
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    [pending] = delivered(app, smtp_server)
    assert tree(pending) == ("multipart/alternative", ["text/plain", "text/html"])
    with writing(app):
        service.confirm_guest_booking(db.session.get(Booking, booking_id))
        db.session.commit()
    confirmed = delivered(app, smtp_server)[1:]
    assert {mail["To"] for mail in confirmed} == {GUEST.email, user_of(app, world.brandt).email}
    for mail in confirmed:
        check_invite(mail, "REQUEST")


def test_a_hostile_guest_never_breaks_the_mail(app, world, smtp_server):
    """Quotes, a line break and a huge agenda: the mails still go out, headers intact, and
    the calendar still parses with the same two people."""
    app.config.update(smtp_server.config())
    guest = service.Guest('Eva "Gast"\nBcc: alle@firma.example', GUEST.email, 'ACME "; x')
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=guest)
    with writing(app):
        booking = db.session.get(Booking, booking_id)
        booking.agenda = "Punkt; eins, zwei \\ drei\n" * 4500  # 108 KB, as older data might be
        service.confirm_guest_booking(booking)
        db.session.commit()
    messages = delivered(app, smtp_server)
    assert len(messages) == 3 and all(m["Bcc"] is None for m in messages)
    for mail in messages[1:]:
        event = check_invite(mail, "REQUEST")
        assert len(event["ATTENDEE"]) == 2 and "\n" not in event["SUMMARY"]
        assert event["DESCRIPTION"].count("Punkt; eins, zwei \\ drei") == 4500


def test_the_mime_method_is_always_the_calendars_own(app, smtp_server):
    """Outlook drops an invite whose ``method=`` differs from its METHOD: the part declares
    the body's METHOD whatever was stored beside it."""
    app.config.update(smtp_server.config(), HUB_NAME="Hub Süd, Fürth")
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
    with app.test_request_context():
        enqueue_mail(
            "kunde@firma.example",
            "verify_email",
            ics_method="REQUEST",
            ics_body=body,
            user=User(name="Kundin"),
            link="https://hub.example/x",
        )
        db.session.commit()
    [message] = delivered(app, smtp_server)
    inline, _ = calendar_parts(message)
    assert inline.get_param("method") == "CANCEL"
    # A name with a comma and umlauts survives the header's encoding.
    assert parseaddr(message["From"]) == ("Hub Süd, Fürth", "beratung@hub.example")
