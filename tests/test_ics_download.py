""" "In den Kalender eintragen": a booking as an .ics file, for whoever may see its page.

Every file is parsed back with ``icalendar``: the same event (UID, SEQUENCE) the mails
carry, in the viewer's language, and nothing for anyone the page would turn away.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import icalendar
import pytest

from app.booking import service
from app.booking.links import manage_token
from app.extensions import db
from app.models import Booking, Role, User
from tests.booking_support import (
    GUEST,
    at,
    book,
    fetch,
    monday_in,
    organisation_of,
    user_of,
    writing,
)
from tests.conftest import PASSWORD
from tests.test_html import nu_errors

DOWNLOAD = re.compile(r'href="(/beratung/termin/[^"]+/kalender\.ics[^"]*)"')


def token_for(app, booking_id: int) -> str:
    with app.test_request_context():
        return manage_token(db.session.get(Booking, booking_id))


def set_locale(app, user_id: int, locale: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def event_in(response) -> tuple[icalendar.Calendar, icalendar.Event]:
    vcalendar = icalendar.Calendar.from_ical(response.get_data(as_text=True))
    [vevent] = vcalendar.walk("VEVENT")
    return vcalendar, vevent


def test_the_booking_page_offers_the_file_and_it_is_the_booking(app, client, world):
    app.config["VIDEO_ROOM_BASE_URL"] = "https://meet.hub.example"
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    token = token_for(app, booking.id)
    page = client.get(f"/beratung/termin/{booking.uid}?token={token}").get_data(as_text=True)
    [link] = DOWNLOAD.findall(page)
    assert "In den Kalender eintragen (.ics)" in page
    # The video room, and the way in, on the page itself.
    assert f'href="{booking.meeting_url}"' in page and "Videokonferenz beitreten" in page

    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    day = booking.start.astimezone(ZoneInfo("Europe/Berlin")).date()
    assert response.headers["Content-Disposition"] == f'attachment; filename="termin-{day}.ics"'
    assert response.headers["Cache-Control"] == "private, no-store"
    vcalendar, vevent = event_in(response)
    assert vcalendar["METHOD"] == "PUBLISH"
    assert vevent["UID"] == booking.uid and vevent["SEQUENCE"] == booking.sequence == 0
    assert vevent.decoded("DTSTART") == booking.start and vevent.decoded("DTEND") == booking.end
    assert vevent["STATUS"] == "CONFIRMED" and vevent["LOCATION"] == booking.meeting_url
    assert vevent["SUMMARY"].params["LANGUAGE"] == "de"
    assert "TZID" not in response.get_data(as_text=True)
    # The guest came with the manage link: the file keeps a working one.
    assert f"http://localhost/beratung/termin/{booking.uid}?token=" in vevent["DESCRIPTION"]


def test_the_file_follows_a_move_and_a_cancellation(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    uid, token = fetch(app, booking_id).uid, token_for(app, booking_id)
    url = f"/beratung/termin/{uid}/kalender.ics?token={token}"
    _, first = event_in(client.get(url))
    with writing(app):
        service.reschedule(db.session.get(Booking, booking_id), at(monday_in(2), "15:00"))
        db.session.commit()
    _, moved = event_in(client.get(url))
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "")
        db.session.commit()
    _, cancelled = event_in(client.get(url))
    assert first["UID"] == moved["UID"] == cancelled["UID"] == uid
    assert [first["SEQUENCE"], moved["SEQUENCE"], cancelled["SEQUENCE"]] == [0, 1, 2]
    assert moved.decoded("DTSTART") == at(monday_in(2), "15:00")
    assert cancelled["STATUS"] == "CANCELLED"
    # The cancelled page offers no file: importing one would add nothing.
    page = client.get(f"/beratung/termin/{uid}?token={token}").get_data(as_text=True)
    assert not DOWNLOAD.search(page)


def test_an_english_viewer_gets_english_text(app, client, auth, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    set_locale(app, world.client.id, "en")
    auth.login(world.client.email)
    response = client.get(f"/beratung/termin/{fetch(app, booking_id).uid}/kalender.ics")
    _, vevent = event_in(response)
    assert vevent["SUMMARY"].params["LANGUAGE"] == "en"
    assert vevent["SUMMARY"].startswith("First consultation ")
    assert "Where: Video call" in vevent["DESCRIPTION"]
    # Logged in, the file links to the page behind the login: no token to pass around.
    assert "token=" not in vevent["DESCRIPTION"]
    assert "http://localhost/konto/anmelden?next=" in vevent["DESCRIPTION"]


def test_the_advisor_downloads_the_advisors_side(app, client, auth, world):
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    auth.login(user_of(app, world.brandt).email)
    page = client.get(f"/beratung/termin/{booking.uid}").get_data(as_text=True)
    [link] = DOWNLOAD.findall(page)
    _, vevent = event_in(client.get(link))
    assert vevent["UID"] == booking.uid
    assert vevent["SUMMARY"].startswith("Erstgespräch Digitalisierung mit Andreas Krüger")
    assert "Buchung ansehen:" in vevent["DESCRIPTION"]


def test_meine_termine_offers_a_file_for_each_confirmed_booking(app, client, auth, world):
    kept = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    dropped = book(app, world, at(monday_in(2), "11:00"))
    with writing(app):
        service.cancel(db.session.get(Booking, dropped), "")
        db.session.commit()
    auth.login(world.client.email)
    page = client.get("/beratung/meine-termine").get_data(as_text=True)
    assert DOWNLOAD.findall(page) == [f"/beratung/termin/{kept.uid}/kalender.ics"]
    response = client.get(f"/beratung/termin/{kept.uid}/kalender.ics")
    assert response.status_code == 200 and event_in(response)[1]["UID"] == kept.uid


def test_a_guests_unconfirmed_booking_has_no_file_yet(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    uid, token = fetch(app, booking_id).uid, token_for(app, booking_id)
    page = client.get(f"/beratung/termin/{uid}?token={token}").get_data(as_text=True)
    assert not DOWNLOAD.search(page)
    assert "den Link bekommen Sie mit der Bestätigung" not in page  # no video service set
    assert "den Link schickt Ihnen Dr. Katharina Brandt vor dem Termin" in page
    assert client.get(f"/beratung/termin/{uid}/kalender.ics?token={token}").status_code == 404


def test_a_waiting_guest_is_told_the_link_comes_with_the_confirmation(app, client, world):
    app.config["VIDEO_ROOM_BASE_URL"] = "https://meet.hub.example"
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    uid, token = fetch(app, booking_id).uid, token_for(app, booking_id)
    page = client.get(f"/beratung/termin/{uid}?token={token}").get_data(as_text=True)
    assert "den Link bekommen Sie mit der Bestätigung" in page
    assert "Videokonferenz beitreten" not in page


ROLES = ["booker", "colleague", "stranger", "advisor", "other_advisor", "admin", "anonymous"]
ROLES += ["tampered_token", "other_bookings_token"]
ALLOWED = {"booker", "colleague", "advisor", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_only_people_who_may_see_the_booking_get_its_file(app, client, auth, make, world, role):
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    other = book(app, world, at(monday_in(2), "11:00"), advisor="becker")
    people = {
        "booker": lambda: world.client,
        "colleague": lambda: make.user(organisation=organisation_of(app, world.client)),
        "stranger": lambda: make.user(),  # of another organisation
        "advisor": lambda: user_of(app, world.brandt),
        "other_advisor": lambda: user_of(app, world.becker),
        "admin": lambda: make.user(role=Role.ADMIN),
    }
    query = ""
    if role in people:
        auth.login(people[role]().email, PASSWORD)
    elif role == "tampered_token":
        query = f"?token={token_for(app, booking.id)}x"
    elif role == "other_bookings_token":
        query = f"?token={token_for(app, other)}"
    response = client.get(f"/beratung/termin/{booking.uid}/kalender.ics{query}")
    assert response.status_code == (200 if role in ALLOWED else 404)
    if role not in ALLOWED:
        assert b"BEGIN:VCALENDAR" not in response.data
        assert "Andreas" not in response.get_data(as_text=True)


def test_the_pages_with_the_room_and_the_files_are_valid_html(app, client, auth, world, tmp_path):
    app.config["VIDEO_ROOM_BASE_URL"] = "https://meet.hub.example"
    booking = fetch(app, book(app, world, at(monday_in(2), "10:00")))
    auth.login(world.client.email)
    files = []
    pages = {"show": f"/beratung/termin/{booking.uid}", "mine": "/beratung/meine-termine"}
    for name, path in pages.items():
        page = client.get(path).get_data(as_text=True)
        assert "kalender.ics" in page
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(page)
    errors = nu_errors([str(file) for file in files])
    assert errors == [], errors
