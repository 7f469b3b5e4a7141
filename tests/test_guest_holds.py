"""One guest e-mail cannot hold many slots at once (issue 8, item 6).

A guest's booking holds its time, pending, until the mailed link is clicked. Per address:
no second live booking at an overlapping time (with any advisor), and at most
``GUEST_PENDING_HOLDS_MAX`` unconfirmed holds. Expired and cancelled ones do not count;
account holders are not limited. It holds under concurrency too: racing requests for one
address are serialised by a lock on the address.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from app import create_app
from app.booking import service
from app.extensions import db
from app.models import Booking
from app.models.types import utcnow
from tests.booking_support import GUEST, GUEST_FORM, at, book, monday_in, writing
from tests.conftest import Client, app_config
from tests.test_booking_concurrency import racing_app, together

SAME_TIME = "Für diese E-Mail-Adresse wartet schon ein Termin zur selben Zeit auf Bestätigung"
BOOKED_THEN = "Für diese E-Mail-Adresse ist zu dieser Zeit schon ein Termin gebucht"
TOO_MANY = "Für diese E-Mail-Adresse warten schon 3 Termine auf Bestätigung"


def book_url(start, advisor) -> str:
    return (
        "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
        f"&advisor={advisor}&start={start:%Y-%m-%dT%H:%MZ}"
    )


def submit(client, start, advisor, **fields):
    return client.submit(book_url(start, advisor), {**GUEST_FORM, **fields})


def live_bookings(app) -> list[tuple[int, str]]:
    """(advisor, address) of every booking that holds its time."""
    with app.app_context():
        now = utcnow()
        return list(
            db.session.execute(
                sa.select(Booking.advisor_id, Booking.guest_email)
                .where(
                    sa.or_(
                        Booking.status == "confirmed",
                        sa.and_(Booking.status == "pending", Booking.hold_expires_at > now),
                    )
                )
                .order_by(Booking.id)
            ).all()
        )


def expire(app, booking_id: int) -> None:
    with app.app_context():
        db.session.get(Booking, booking_id).hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_the_same_time_with_a_second_advisor_is_refused_with_a_way_on(app, client, world):
    start = at(monday_in(2), "10:00")
    assert submit(client, start, world.brandt.id).status_code == 302

    second = submit(client, start, world.becker.id, agenda="Zweiter Versuch, andere Person")

    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert SAME_TIME in html and "wählen Sie eine andere Zeit" in html
    assert "Zweiter Versuch, andere Person" in html  # what was typed is kept
    assert 'name="start"' in html  # other times to choose from
    assert live_bookings(app) == [(world.brandt.id, "eva@gast.example")]


def test_an_overlapping_time_is_refused_and_the_next_one_is_fine(app, client, world):
    day = monday_in(2)
    book(app, world, at(day, "10:00"), guest=GUEST)  # 10:00–10:30 with Dr. Brandt
    overlapping = submit(client, at(day, "10:15"), "any")
    assert overlapping.status_code == 409
    assert SAME_TIME in overlapping.get_data(as_text=True)
    assert submit(client, at(day, "10:30"), world.becker.id).status_code == 302


def test_any_advisor_is_refused_too_although_someone_is_free(app, client, world):
    start = at(monday_in(2), "10:00")
    book(app, world, start, guest=GUEST)
    answer = submit(client, start, "any")
    assert answer.status_code == 409
    assert SAME_TIME in answer.get_data(as_text=True)
    assert len(live_bookings(app)) == 1


def test_a_confirmed_booking_at_that_time_says_so(app, client, world):
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start, guest=GUEST)
    with writing(app):
        service.confirm_guest_booking(db.session.get(Booking, booking_id))
        db.session.commit()
    answer = submit(client, start, world.becker.id)
    assert answer.status_code == 409
    assert BOOKED_THEN in answer.get_data(as_text=True)


def test_the_address_is_compared_case_insensitively(app, client, world):
    start = at(monday_in(2), "10:00")
    book(app, world, start, guest=GUEST)
    answer = submit(client, start, world.becker.id, guest_email="  EVA@Gast.Example ")
    assert answer.status_code == 409
    assert SAME_TIME in answer.get_data(as_text=True)


def test_another_address_may_book_the_same_time_with_another_advisor(app, client, world):
    start = at(monday_in(2), "10:00")
    book(app, world, start, guest=GUEST)
    assert submit(client, start, world.becker.id).status_code == 409
    answer = submit(client, start, world.becker.id, guest_email="max@gast.example")
    assert answer.status_code == 302
    assert len(live_bookings(app)) == 2


def test_an_expired_hold_does_not_count(app, client, world):
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start, guest=GUEST)
    assert submit(client, start, world.becker.id).status_code == 409
    expire(app, booking_id)  # not yet released: still "pending", but holding nothing
    assert submit(client, start, world.becker.id).status_code == 302


def test_a_cancelled_booking_does_not_count(app, client, world):
    start = at(monday_in(2), "10:00")
    booking_id = book(app, world, start, guest=GUEST)
    assert submit(client, start, world.becker.id).status_code == 409
    with writing(app):
        service.cancel(db.session.get(Booking, booking_id), "Doch nicht")
        db.session.commit()
    assert submit(client, start, world.becker.id).status_code == 302


def test_at_most_three_unconfirmed_holds_per_address(app, client, world):
    day = monday_in(2)
    held = [book(app, world, at(day, clock), guest=GUEST) for clock in ("09:00", "11:00")]
    assert submit(client, at(day, "13:00"), "any").status_code == 302

    fourth = submit(client, at(day, "15:00"), "any", guest_email="Eva@gast.example")

    html = fourth.get_data(as_text=True)
    assert fourth.status_code == 400
    assert TOO_MANY in html and "bestätigen Sie diese zuerst" in html
    assert len(live_bookings(app)) == 3
    # A confirmed hold is no longer a hold, and an expired one holds nothing: room again.
    with writing(app):
        service.confirm_guest_booking(db.session.get(Booking, held[0]))
        db.session.commit()
    assert submit(client, at(day, "15:00"), "any").status_code == 302
    assert submit(client, at(day, "16:00"), "any").status_code == 400
    expire(app, held[1])
    assert submit(client, at(day, "16:00"), "any").status_code == 302


def test_the_total_is_a_setting(database_url, world):
    strict = create_app(app_config(database_url, GUEST_PENDING_HOLDS_MAX=1))
    strict.test_client_class = Client
    client = strict.test_client()
    day = monday_in(2)
    assert submit(client, at(day, "09:00"), "any").status_code == 302
    answer = submit(client, at(day, "11:00"), "any")
    assert answer.status_code == 400
    assert "warten schon 1 Termine" in answer.get_data(as_text=True)
    with strict.app_context():
        db.session.remove()
        db.engine.dispose()


def test_account_holders_are_not_limited(app, world):
    day = monday_in(2)
    for clock in ("09:00", "10:00", "11:00", "13:00"):  # confirmed at once: no holds
        book(app, world, at(day, clock))
    assert len(live_bookings(app)) == 4


def test_a_guest_cannot_move_a_hold_onto_the_time_of_another(app, client, world):
    day = monday_in(2)
    book(app, world, at(day, "10:00"), guest=GUEST)
    answer = submit(client, at(day, "14:00"), world.becker.id)
    uid, token = answer.headers["Location"].split("/beratung/termin/")[1].split("?token=")
    url = (
        f"/beratung/termin/{uid}/verschieben?token={token}&start={at(day, '10:00'):%Y-%m-%dT%H:%MZ}"
    )

    moved = client.submit(url, follow_redirects=True)

    assert SAME_TIME in moved.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Booking.start).where(Booking.uid == uid)) == at(
            day, "14:00"
        )


def race(database_url: str, requests: list[tuple]) -> list[tuple[int, str]]:
    """Post every (start, advisor, e-mail) booking at the same moment, each in its thread."""

    def press_book(start, advisor, email):
        def press(client: Client, token: str) -> tuple[int, str]:
            response = client.post(
                book_url(start, advisor),
                data={**GUEST_FORM, "guest_email": email, "csrf_token": token},
            )
            return response.status_code, response.get_data(as_text=True)

        return press

    actions = [press_book(*request) for request in requests]
    return together(racing_app(database_url, len(requests)), actions)


def test_simultaneous_requests_for_one_address_at_one_time_give_one_hold(
    app, database_url, make, world
):
    """Without a lock on the address, each request sees no hold and books its advisor."""
    others = [make.advisor(world.topic, name=f"Beraterin {n}").id for n in range(4)]
    advisors = [world.brandt.id, world.becker.id, *others]
    start = at(monday_in(2), "10:00")
    emails = ["eva@gast.example", "EVA@gast.example", "Eva@Gast.example"]
    requests = [(start, advisor, emails[n % 3]) for n, advisor in enumerate(advisors * 2)]

    answers = race(database_url, requests)

    assert Counter(status for status, _ in answers) == {302: 1, 409: len(requests) - 1}
    for status, html in answers:
        if status == 409:  # refused for the address, or the advisor was just taken
            assert SAME_TIME in html or "Dieser Termin wurde gerade vergeben" in html
    assert len(live_bookings(app)) == 1


def test_simultaneous_requests_for_one_address_respect_the_total(app, database_url, world):
    day = monday_in(2)
    clocks = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30"]
    requests = [(at(day, clock), "any", "eva@gast.example") for clock in clocks]

    answers = race(database_url, requests)

    statuses = Counter(status for status, _ in answers)
    # Three get through; the rest hit the total, or (when two advisors' buffers around the
    # address's own new bookings leave nobody free at that time) are told it was just taken.
    assert statuses[302] == 3 and statuses[400] >= 1
    assert set(statuses) <= {302, 400, 409}, statuses
    assert all(TOO_MANY in html for status, html in answers if status == 400)
    assert all("gerade vergeben" in html for status, html in answers if status == 409)
    assert len(live_bookings(app)) == 3
