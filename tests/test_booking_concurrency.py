"""State changes at the same moment, through the real views, with real threads.

Every transition (book, confirm, cancel, reschedule) locks the advisor and then the booking,
re-checks the state under the lock and sends its mails once: of ten identical clicks exactly
one does something, and ``sequence`` counts the changes that really happened.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.booking.links import confirm_url, manage_token
from app.extensions import db
from app.models import Booking, OutboxMessage
from tests.booking_support import GUEST, at, book, fetch, monday_in, user_of
from tests.conftest import Client, app_config


def racing_app(database_url: str, people: int):
    racing = create_app(
        app_config(
            database_url,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": people + 5, "max_overflow": 0},
        )
    )
    racing.test_client_class = Client
    return racing


def together(racing, actions: list[Callable[[Client, str], object]]) -> list:
    """Run each action in its own thread with its own client, all released at once.

    An exception (a 500 under ``TESTING``) is returned in place of the action's result."""
    ready = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(number: int) -> None:
        client = racing.test_client()
        token = client.csrf_token()
        ready.wait(timeout=30)
        try:
            results[number] = actions[number](client, token)
        except Exception as error:  # a 500 is a finding, not a crash
            results[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with racing.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def subjects(app, to: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(OutboxMessage.subject)
                .where(OutboxMessage.to_address == to)
                .order_by(OutboxMessage.id)
            )
        )


def manage_link(app, booking_id: int) -> tuple[str, str]:
    with app.test_request_context():
        booking = db.session.get(Booking, booking_id)
        return booking.uid, manage_token(booking)


def page_text(response) -> str:
    return response.get_data(as_text=True)


CANCELLED = "Ihr Beratungstermin wurde abgesagt"
MOVED = "Ihr Beratungstermin wurde verschoben"
CONFIRMED = "Ihr Beratungstermin ist bestätigt"


def test_ten_simultaneous_cancels_cancel_once_and_mail_once(app, world, database_url):
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    uid, token = manage_link(app, booking_id)
    url = f"/beratung/termin/{uid}/absagen?token={token}"

    def press_cancel(client: Client, csrf: str):
        return client.post(url, data={"csrf_token": csrf, "reason": "Krank"}, follow_redirects=True)

    answers = together(racing_app(database_url, 10), [press_cancel] * 10)

    texts = [page_text(answer) for answer in answers]
    assert sum("Der Termin ist abgesagt" in text for text in texts) == 1, answers
    assert sum("kann nicht mehr abgesagt werden" in text for text in texts) == 9
    cancelled = fetch(app, booking_id)
    assert (cancelled.status, cancelled.sequence) == ("cancelled", 1)
    assert subjects(app, world.client.email).count(CANCELLED) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 4  # 2 + 2


def test_cancel_and_reschedule_at_once_leave_one_consistent_story(app, world, database_url):
    day = monday_in(2)
    pairs = [("09:00", "14:00"), ("10:00", "15:00"), ("11:00", "16:00"), ("12:00", "13:00")]
    bookings = [(book(app, world, at(day, old)), at(day, old), at(day, new)) for old, new in pairs]
    actions = []
    for booking_id, _, new_start in bookings:
        uid, token = manage_link(app, booking_id)
        base = f"/beratung/termin/{uid}"

        def press_cancel(client, csrf, base=base, token=token):
            return client.post(f"{base}/absagen?token={token}", data={"csrf_token": csrf})

        def press_move(client, csrf, base=base, token=token, start=new_start):
            url = f"{base}/verschieben?token={token}&start={start:%Y-%m-%dT%H:%MZ}"
            return client.post(url, data={"csrf_token": csrf})

        actions += [press_cancel, press_move]

    answers = together(racing_app(database_url, len(actions)), actions)

    assert all(getattr(answer, "status_code", None) == 302 for answer in answers), answers
    mails = subjects(app, world.client.email)
    for booking_id, old_start, new_start in bookings:
        booking = fetch(app, booking_id)
        assert booking.status == "cancelled"
        if booking.start == new_start:  # moved first, then cancelled: two changes
            assert booking.sequence == 2
        else:  # cancelled first: moving it was refused
            assert (booking.start, booking.sequence) == (old_start, 1)
    moved = sum(fetch(app, booking_id).sequence == 2 for booking_id, _, _ in bookings)
    assert mails.count(MOVED) == moved
    assert mails.count(CANCELLED) == len(bookings)


def test_ten_clicks_on_the_confirmation_confirm_once(app, world, database_url):
    booking_id = book(app, world, at(monday_in(2), "10:00"), guest=GUEST)
    with app.test_request_context():
        url = re.sub(r"^https?://[^/]+", "", confirm_url(db.session.get(Booking, booking_id)))

    def press_confirm(client: Client, csrf: str):
        return client.post(url, data={"csrf_token": csrf}, follow_redirects=True)

    answers = together(racing_app(database_url, 10), [press_confirm] * 10)

    assert all(getattr(answer, "status_code", None) == 200 for answer in answers), answers
    assert all("Ihr Termin ist bestätigt" in page_text(answer) for answer in answers)
    assert fetch(app, booking_id).status == "confirmed"
    assert subjects(app, GUEST.email).count(CONFIRMED) == 1
    to_advisor = subjects(app, user_of(app, world.brandt).email)
    assert sum(subject.startswith("Neue Buchung") for subject in to_advisor) == 1


@pytest.mark.postgres
def test_many_any_advisor_bookings_at_overlapping_times_never_fail(app, make, world, database_url):
    """150 "any advisor" requests across a week: no deadlock, no 500, no double booking."""
    make.advisor(world.topic, name="Petra Schulz")
    week = monday_in(2)
    times = [
        at(week + timedelta(days=day), clock)
        for day in range(5)
        for clock in ("10:00", "10:30", "11:00")
    ]
    people, rounds = 50, 3
    chooser = random.Random(7)
    plan = [[chooser.choice(times) for _ in range(rounds)] for _ in range(people)]

    def person(number: int):
        def press_book(client: Client, csrf: str):
            statuses = []
            for start in plan[number]:
                url = (
                    "/beratung/buchen?type=erstgespraech&topic=digitalisierung"
                    f"&advisor=any&start={start:%Y-%m-%dT%H:%MZ}"
                )
                answer = client.post(
                    url,
                    data={
                        "csrf_token": csrf,
                        "agenda": f"Anfrage {number}",
                        "guest_name": f"Gast {number}",
                        "guest_email": f"gast{number}@firma.example",
                        "guest_company": "Firma",
                        "accept_privacy": "y",
                    },
                )
                statuses.append(answer.status_code)
            return statuses

        return press_book

    results = together(racing_app(database_url, people), [person(n) for n in range(people)])

    failures = [result for result in results if not isinstance(result, list)]
    assert failures == []
    statuses = Counter(status for result in results for status in result)
    assert set(statuses) <= {302, 409}, statuses
    with app.app_context():
        held = db.session.execute(
            sa.select(Booking.advisor_id, Booking.blocked_from, Booking.blocked_until).where(
                Booking.status == "pending"
            )
        ).all()
    assert len(held) == statuses[302]
    for one in held:
        overlapping = [
            other
            for other in held
            if other is not one
            and other.advisor_id == one.advisor_id
            and other.blocked_from < one.blocked_until
            and one.blocked_from < other.blocked_until
        ]
        assert overlapping == []
