"""A booking's page is no dead end (issue 8, item 9): each state says what to do next.

Pending: check the mail, and until when the link works. Confirmed: book another one, see
all bookings (members) or create an account (guests). Cancelled or lapsed: choose a new
time with the same choice, or go home. The advisor goes back to their consultations.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.booking import service
from app.booking.links import manage_token
from app.extensions import db
from app.models import Advisor, Booking, ConsultationType, User
from app.models.types import utcnow
from tests.booking_support import BERLIN, GUEST, at, book, fetch, monday_in, user_of, writing

BOOK_AGAIN = "Weiteren Termin buchen"
CHOOSE_AGAIN = "Neuen Termin wählen"
CONFIRMING_IS_THE_STEP = re.compile(
    r'aria-current="step">\s*<span[^>]*>4</span>\s*<span[^>]*>Bestätigung'
)


def page_of(app, client, booking_id: int, with_token: bool = True) -> str:
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        url = f"/beratung/termin/{booking.uid}"
        if with_token:
            url += f"?token={manage_token(booking)}"
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def link(page: str, text: str) -> str | None:
    """The target of the link (or button-styled link) labelled ``text`` in ``<main>``."""
    main = page.split("<main", 1)[1]
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*>\s*{re.escape(text)}\s*</a>', main)
    return html.unescape(found.group(1)) if found else None


def query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


def cancel(app, booking_id: int) -> None:
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "Doch nicht")
        db.session.commit()


def test_a_pending_guest_is_told_to_check_the_mail_and_until_when(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    expires = fetch(app, booking_id).hold_expires_at.astimezone(BERLIN)

    page = page_of(app, client, booking_id)

    assert "Noch ein Schritt: Bitte bestätigen Sie den Termin" in page
    assert "E-Mail an eva@gast.example geschickt" in page
    assert f"Der Link gilt bis {expires:%H:%M} Uhr" in page
    assert CONFIRMING_IS_THE_STEP.search(page)  # the journey's last step is still theirs
    assert link(page, BOOK_AGAIN) is None  # first things first


def test_the_confirmation_page_says_until_when_the_time_is_held(app, client, world, outbox):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    expires = fetch(app, booking_id).hold_expires_at.astimezone(BERLIN)
    confirm_link = re.search(r"https?://\S+", outbox("eva@gast.example")[0].body_text).group(0)
    page = client.get(re.sub(r"^https?://[^/]+", "", confirm_link)).get_data(as_text=True)
    assert f"Wir halten ihn bis {expires:%H:%M} Uhr für Sie frei." in page
    assert CONFIRMING_IS_THE_STEP.search(page)


def test_a_confirmed_guest_can_book_another_and_is_offered_an_account(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with writing(app):
        service.confirm_guest_booking(db.session.get(Booking, booking_id))
        db.session.commit()

    page = page_of(app, client, booking_id)

    path, params = query(link(page, BOOK_AGAIN))
    assert path == "/beratung/termine"
    assert params == {"type": "erstgespraech", "topic": "digitalisierung"}
    assert link(page, "Konto anlegen") == "/konto/registrieren"
    assert "buchen ohne Bestätigungslink" in page
    assert link(page, "Meine Termine") is None
    assert "Noch ein Schritt" not in page and 'aria-current="step"' not in page


def test_a_member_can_book_another_and_see_all_bookings(app, client, auth, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    auth.login(world.client.email)

    page = page_of(app, client, booking_id, with_token=False)

    assert query(link(page, BOOK_AGAIN))[1] == {
        "type": "erstgespraech",
        "topic": "digitalisierung",
    }
    assert link(page, "Meine Termine") == "/beratung/meine-termine"
    assert link(page, "Konto anlegen") is None


def test_after_cancelling_a_new_time_with_the_same_advisor_or_home(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    cancel(app, booking_id)

    page = page_of(app, client, booking_id)

    path, params = query(link(page, CHOOSE_AGAIN))
    assert path == "/beratung/termine"
    assert params == {
        "type": "erstgespraech",
        "topic": "digitalisierung",
        "advisor": str(world.brandt.id),
    }
    assert link(page, "Zur Startseite") == "/"
    assert link(page, BOOK_AGAIN) is None and link(page, "Konto anlegen") is None
    picker = client.get(link(page, CHOOSE_AGAIN)).get_data(as_text=True)
    assert f'<option value="{world.brandt.id}" selected>Dr. Katharina Brandt</option>' in picker


def test_a_lapsed_hold_offers_a_new_time(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with app.app_context():
        db.session.get(Booking, booking_id).hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    page = page_of(app, client, booking_id)

    assert "Der Bestätigungslink ist abgelaufen" in page
    assert query(link(page, CHOOSE_AGAIN))[1]["advisor"] == str(world.brandt.id)
    assert "Noch ein Schritt" not in page


@pytest.mark.parametrize("gone", ["type switched off", "advisor left"])
def test_a_new_time_never_leads_to_what_can_no_longer_be_booked(app, client, world, gone):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    cancel(app, booking_id)
    with app.app_context():
        if gone == "type switched off":
            db.session.get(ConsultationType, world.ctype.id).active = False
        else:
            db.session.get(User, db.session.get(Advisor, world.brandt.id).user_id).active = False
        db.session.commit()

    page = page_of(app, client, booking_id)

    params = query(link(page, CHOOSE_AGAIN))[1]
    assert client.get(link(page, CHOOSE_AGAIN)).status_code == 200
    if gone == "type switched off":
        assert params == {"topic": "digitalisierung", "advisor": str(world.brandt.id)}
    else:
        assert params == {"type": "erstgespraech", "topic": "digitalisierung"}


@pytest.mark.parametrize("status", ["confirmed", "cancelled"])
def test_the_advisor_goes_back_to_their_consultations(app, client, auth, world, status):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    if status == "cancelled":
        cancel(app, booking_id)
    auth.login(user_of(app, world.brandt).email)

    page = page_of(app, client, booking_id, with_token=False)

    assert link(page, "Zur Agenda") == "/berater/"
    assert link(page, BOOK_AGAIN) is None and link(page, CHOOSE_AGAIN) is None
    assert link(page, "Konto anlegen") is None


def test_the_cancel_page_offers_to_move_instead(app, client, world):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        uid, token = booking.uid, manage_token(booking)
    page = client.get(f"/beratung/termin/{uid}/absagen?token={token}").get_data(as_text=True)
    assert "Passt nur die Zeit nicht?" in page
    assert link(page, "Lieber verschieben") == f"/beratung/termin/{uid}/verschieben?token={token}"
