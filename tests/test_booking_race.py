"""No double booking, ever: 50 people press "book" for the same slot at the same moment.

Real threads, real connections, through the real view: on PostgreSQL the advisor's row
lock serialises them (and the exclusion constraint backs it up); on SQLite the immediate
transaction does. Exactly one wins; the other 49 are told, kindly, and offered fresh times.
"""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Booking
from tests.booking_support import at, monday_in
from tests.conftest import Client, app_config

PEOPLE = 50


def test_fifty_simultaneous_bookings_of_one_slot_give_exactly_one_booking(database_url, world):
    racing = create_app(
        app_config(
            database_url,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": PEOPLE + 5, "max_overflow": 0},
        )
    )
    racing.test_client_class = Client
    start = at(monday_in(2), "10:00")
    url = (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor={world.brandt.id}&start={start:%Y-%m-%dT%H:%MZ}"
    )
    ready = threading.Barrier(PEOPLE)
    answers: list[tuple[int, str]] = []

    def press_book(number: int) -> None:
        client = racing.test_client()
        token = client.csrf_token()
        ready.wait(timeout=30)
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "agenda": f"Anfrage {number}",
                "guest_name": f"Gast {number}",
                "guest_email": f"gast{number}@firma.example",
                "guest_company": "Firma",
                "accept_privacy": "y",
            },
        )
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=press_book, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(status for status, _ in answers) == {302: 1, 409: PEOPLE - 1}
    for status, body in answers:
        if status == 409:
            assert "Dieser Termin wurde gerade vergeben" in body
            assert 'name="start"' in body  # fresh times to choose from
    with racing.app_context():
        held = db.session.scalars(
            sa.select(Booking).where(Booking.start == start, Booking.status == "pending")
        ).all()
        assert len(held) == 1
        db.session.remove()
        db.engine.dispose()
