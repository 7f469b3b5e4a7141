"""The outcome of a meeting: completed or no-show, given once it is over, exactly once
however often it is pressed, correctable for two weeks; and the follow-up mail with the
next steps, in the booking's language."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from app.advisor import bookings
from app.database import begin_write
from app.extensions import db
from app.models import Booking, BookingEvent, Role, User
from app.models.types import utcnow
from tests.booking_support import GUEST, user_of
from tests.conftest import HX, PASSWORD, Client, app_config
from tests.test_advisor_booking import page_of, past_booking, upcoming_booking


def status_of(app, booking_id: int) -> str:
    with app.app_context():
        return db.session.get(Booking, booking_id).status


def steps_of(app, booking_id: int) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [
            (event.action, event.actor_id)
            for event in db.session.scalars(
                sa.select(BookingEvent)
                .where(BookingEvent.booking_id == booking_id)
                .order_by(BookingEvent.id)
            )
        ]


def outcome_url(booking_id: int) -> str:
    return page_of(booking_id) + "/ergebnis"


@pytest.fixture
def brandt(app, auth, world) -> User:
    user = user_of(app, world.brandt)
    auth.login(user.email)
    return user


# ------------------------------------------------------------------ the rules


@pytest.mark.parametrize("outcome", ["completed", "no_show"])
def test_a_past_confirmed_meeting_gets_its_outcome_with_who_gave_it(
    app, client, world, brandt, outcome
):
    booking_id = past_booking(app, world)
    response = client.submit(outcome_url(booking_id), {"outcome": outcome})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page_of(booking_id) + "#outcome")
    assert status_of(app, booking_id) == outcome
    assert steps_of(app, booking_id) == [(outcome, brandt.id)]
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    history = html[html.index('id="history"') :]
    assert str(bookings.HISTORY_LABELS[outcome]) in history
    assert "Dr. Katharina Brandt" in history


def test_with_htmx_the_outcome_block_comes_back_with_status_and_history(app, client, world, brandt):
    booking_id = past_booking(app, world)
    response = client.submit(outcome_url(booking_id), {"outcome": "no_show"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="outcome"' in html
    assert re.search(r'<section id="history"[^>]*data-hx-swap-oob="true"', html)
    assert re.search(r'<p id="booking-status"[^>]*data-hx-swap-oob="true"', html)
    assert "Als nicht erschienen markiert" in html


def test_a_second_press_changes_nothing_and_says_so(app, client, world, brandt, outbox):
    booking_id = past_booking(app, world)
    form = {"outcome": "completed", "next_steps": "Angebot schicken"}
    client.submit(outcome_url(booking_id), form)
    again = client.submit(outcome_url(booking_id), form, headers=HX)
    assert again.status_code == 409
    assert "bereits als „Durchgeführt“ markiert" in again.get_data(as_text=True)
    assert [action for action, _ in steps_of(app, booking_id)] == ["completed", "follow_up"]
    assert len(outbox()) == 1


@pytest.mark.parametrize(
    ("when", "status", "message"),
    [
        ("future", "confirmed", "noch nicht vorbei"),
        ("past", "pending", "Nur ein bestätigter Termin"),
        ("past", "cancelled", "Nur ein bestätigter Termin"),
    ],
)
def test_future_pending_and_cancelled_bookings_are_refused(
    app, client, world, brandt, when, status, message
):
    if when == "future":
        booking_id = upcoming_booking(app, world)
    else:
        booking_id = past_booking(app, world, status=status, confirmed=status != "pending")
    response = client.submit(outcome_url(booking_id), {"outcome": "completed"}, headers=HX)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert status_of(app, booking_id) == status
    # Without JavaScript: back to the page, the reason in a message.
    plain = client.submit(outcome_url(booking_id), {"outcome": "completed"})
    assert plain.status_code == 302
    assert message in client.get(page_of(booking_id)).get_data(as_text=True)


def test_a_meeting_still_running_is_not_over(app, client, world, brandt):
    booking_id = past_booking(app, world, days_ago=10 / (24 * 60))  # began 10 minutes ago
    response = client.submit(outcome_url(booking_id), {"outcome": "no_show"}, headers=HX)
    assert response.status_code == 409
    assert status_of(app, booking_id) == "confirmed"


def test_an_unknown_outcome_is_refused_inline(app, client, world, brandt):
    booking_id = past_booking(app, world)
    response = client.submit(outcome_url(booking_id), {"outcome": "cancelled"}, headers=HX)
    assert response.status_code == 422
    assert "Bitte wählen Sie ein Ergebnis." in response.get_data(as_text=True)
    assert status_of(app, booking_id) == "confirmed"


def test_next_steps_go_only_with_completed(app, client, world, brandt, outbox):
    booking_id = past_booking(app, world)
    response = client.submit(
        outcome_url(booking_id), {"outcome": "no_show", "next_steps": "Bitte melden"}, headers=HX
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nur nach einer durchgeführten Beratung" in html
    assert "Bitte melden</textarea>" in html  # kept
    assert status_of(app, booking_id) == "confirmed"
    assert outbox() == []


def test_next_steps_longer_than_the_limit_are_refused(app, client, world, brandt, outbox):
    booking_id = past_booking(app, world)
    response = client.submit(
        outcome_url(booking_id), {"outcome": "completed", "next_steps": "x" * 5001}, headers=HX
    )
    assert response.status_code == 422
    assert "Bitte höchstens 5000 Zeichen." in response.get_data(as_text=True)
    assert status_of(app, booking_id) == "confirmed"


def test_an_outcome_can_be_corrected_within_two_weeks(app, client, world, brandt):
    booking_id = past_booking(app, world, days_ago=3)
    client.submit(outcome_url(booking_id), {"outcome": "completed"})
    assert "Ändern in „Nicht erschienen“" in client.get(page_of(booking_id)).get_data(as_text=True)
    client.submit(outcome_url(booking_id), {"outcome": "no_show"})
    assert status_of(app, booking_id) == "no_show"
    assert [action for action, _ in steps_of(app, booking_id)] == ["completed", "no_show"]


def test_after_two_weeks_the_outcome_stands(app, client, world, brandt):
    booking_id = past_booking(app, world, days_ago=20, status="completed")
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    assert "Ändern in" not in html
    response = client.submit(outcome_url(booking_id), {"outcome": "no_show"}, headers=HX)
    assert response.status_code == 409
    assert "nur bis 14 Tage nach dem Termin" in response.get_data(as_text=True)
    assert status_of(app, booking_id) == "completed"


def test_admins_may_give_the_outcome(app, client, auth, make, world):
    booking_id = past_booking(app, world)
    admin = make.user(role=Role.ADMIN)
    auth.login(admin.email)
    client.submit(outcome_url(booking_id), {"outcome": "no_show"})
    assert steps_of(app, booking_id) == [("no_show", admin.id)]


def test_ten_presses_at_once_mark_it_once_and_mail_once(database_url, app, world, outbox):
    booking_id = past_booking(app, world)
    email = user_of(app, world.brandt).email
    racing = create_app(
        app_config(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12, "max_overflow": 0})
    )
    racing.test_client_class = Client
    ready = threading.Barrier(10)
    codes: list[int] = []

    def press() -> None:
        client = racing.test_client()
        client.submit("/konto/anmelden", {"email": email, "password": PASSWORD})
        token = client.csrf_token()
        ready.wait(timeout=30)
        response = client.post(
            outcome_url(booking_id),
            data={"csrf_token": token, "outcome": "completed", "next_steps": "Angebot"},
            headers=HX,
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=press) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with racing.app_context():
        db.engine.dispose()

    assert sorted(codes) == [200] + [409] * 9
    assert [action for action, _ in steps_of(app, booking_id)] == ["completed", "follow_up"]
    assert len(outbox()) == 1


def test_the_service_refuses_a_lost_race_by_what_won(app, world):
    """A request saw "confirmed", but another marked it before this one's update ran."""
    booking_id = past_booking(app, world)
    advisor = user_of(app, world.brandt)
    with app.test_request_context():
        begin_write(db.session())
        seen = db.session.get(Booking, booking_id)
        db.session.execute(
            sa.update(Booking)
            .where(Booking.id == booking_id)
            .values(status="no_show")
            .execution_options(synchronize_session=False)
        )
        assert seen.status == "confirmed"
        with pytest.raises(bookings.OutcomeRefused, match="bereits"):
            bookings.mark_outcome(seen, "no_show", db.session.get(User, advisor.id), utcnow())
        assert db.session.scalars(sa.select(BookingEvent)).all() == []


# ------------------------------------------------------------------ the follow-up mail


@pytest.mark.parametrize(
    ("locale", "weekday_names"),
    [
        ("de", ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")),
        ("en", ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
    ],
)
def test_the_follow_up_goes_to_the_contact_in_the_booking_s_language(
    app, client, world, brandt, outbox, locale, weekday_names
):
    booking_id = past_booking(app, world, locale=locale)
    client.submit(
        outcome_url(booking_id),
        {"outcome": "completed", "next_steps": "1. Angebot prüfen\n2. Pilot im Labor"},
    )
    [message] = outbox()
    assert message.to_address == world.client.email
    assert "\n" not in message.subject
    assert any(name in message.body_text for name in weekday_names)  # the date, in their language
    assert "1. Angebot prüfen\n2. Pilot im Labor" in message.body_text
    assert "Dr. Katharina Brandt" in message.body_text
    assert "/beratung/termin/" not in message.body_text  # no manage link
    assert f"advisor={world.brandt.id}" in message.body_text  # book the same advisor again
    assert "http://localhost/beratung" in message.body_text
    assert message.ics_body is None
    if locale == "de":
        assert message.subject.startswith("Ihre Beratung am ")
        assert message.subject.endswith("– nächste Schritte")
    assert [action for action, _ in steps_of(app, booking_id)] == ["completed", "follow_up"]
    html = client.get(page_of(booking_id)).get_data(as_text=True)
    assert "Nächste Schritte per E-Mail geschickt" in html


def test_a_guest_with_a_line_break_in_their_name_gets_a_clean_mail(
    app, client, world, brandt, outbox
):
    booking_id = past_booking(app, world)
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        booking.booked_by_id, booking.organisation_id = None, None
        booking.guest_name = "Eva\r\nBcc: boese@example.org"
        booking.guest_email, booking.guest_company = GUEST.email, "Gast GmbH"
        db.session.commit()
    with app.app_context():
        db.session.get(User, brandt.id).name = "Dr. Katharina\nBrandt"
        db.session.commit()
    client.submit(outcome_url(booking_id), {"outcome": "completed", "next_steps": "Weiter so"})
    [message] = outbox()
    assert message.to_address == GUEST.email
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Weiter so" in message.body_text


def test_completed_without_next_steps_sends_nothing(app, client, world, brandt, outbox):
    booking_id = past_booking(app, world)
    client.submit(outcome_url(booking_id), {"outcome": "completed", "next_steps": "  \n "})
    assert status_of(app, booking_id) == "completed"
    assert outbox() == []
    assert [action for action, _ in steps_of(app, booking_id)] == ["completed"]
