"""Every route of the advisor workspace, walked as a stranger: anonymous, a client, and
another advisor. Routes are read from the URL map, so a new route is swept without anyone
remembering to add it; a route with an unknown object argument fails here until it is.

Advisors see and change only their own hours, exceptions, bookings and notes: another
advisor gets 404 for anything of theirs (nobody learns that it exists), their own pages
show nothing of it, and a POST changes nothing of it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import url_for

from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingNote,
)
from tests.booking_support import at, book, monday_in, user_of

SECRET_AGENDA = "Geheime Übernahmepläne der Firma Brandtkunde"
SECRET_REASON = "Kur in Bad Zwischenahn"
SECRET_NOTE = "Vertraulich: Budget 40.000 Euro"


@pytest.fixture
def brandts(app, world) -> SimpleNamespace:
    """A booking of Dr. Brandt with a private note, and an absence of hers."""
    booking_id = book(app, world, at(monday_in(2), "10:00"))
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        booking.agenda = SECRET_AGENDA
        note = BookingNote(
            booking=booking, author_id=user_of(app, world.brandt).id, body=SECRET_NOTE
        )
        first = monday_in(3)
        absence = AvailabilityException(
            advisor_id=world.brandt.id, first_day=first, last_day=first, reason=SECRET_REASON
        )
        db.session.add_all([note, absence])
        db.session.commit()
        return SimpleNamespace(booking_id=booking_id, note_id=note.id, exception_id=absence.id)


def workspace_routes(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("advisor.")),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def address(app, rule, owned: SimpleNamespace) -> str:
    unknown = set(rule.arguments) - set(vars(owned))
    assert not unknown, f"{rule.endpoint}: teach this sweep the argument(s) {unknown}"
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: getattr(owned, name) for name in rule.arguments})


def requests(app, owned):
    """(method, path, rule) for every method of every workspace route."""
    for rule in workspace_routes(app):
        path = address(app, rule, owned)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, rule


def send(client, method: str, path: str):
    return client.get(path) if method == "GET" else client.submit(path, {})


def brandts_state(app, advisor_id: int) -> tuple:
    """Everything of hers a stranger could try to change."""
    with app.app_context():
        advisor = db.session.get(Advisor, advisor_id)
        return (
            sorted(
                db.session.execute(
                    sa.select(
                        AvailabilityRule.weekday,
                        AvailabilityRule.start_time,
                        AvailabilityRule.end_time,
                    ).where(AvailabilityRule.advisor_id == advisor_id)
                ).all()
            ),
            sorted(
                db.session.execute(
                    sa.select(AvailabilityException.first_day, AvailabilityException.reason).where(
                        AvailabilityException.advisor_id == advisor_id
                    )
                ).all()
            ),
            db.session.execute(
                sa.select(Booking.status, Booking.agenda).where(Booking.advisor_id == advisor_id)
            ).all(),
            db.session.scalars(sa.select(BookingNote.body)).all(),
            (
                advisor.timezone,
                advisor.buffer_minutes,
                advisor.minimum_notice_minutes,
                advisor.max_per_day,
                advisor.holiday_region,
                advisor.feed_token,
                advisor.meeting_link,
                [t.id for t in advisor.topics],
                [t.id for t in advisor.declined_types],
            ),
        )


def test_the_sweep_covers_the_whole_workspace(app):
    endpoints = {rule.endpoint for rule in workspace_routes(app)}
    assert {
        "advisor.agenda",
        "advisor.hours",
        "advisor.exceptions",
        "advisor.settings",
        "advisor.calendar",
        "advisor.booking",
        "advisor.preview_panel",
    } <= endpoints


def test_anonymous_visitors_are_sent_to_log_in(app, client, brandts):
    for method, path, _rule in requests(app, brandts):
        response = send(client, method, path)
        assert response.status_code == 302, (method, path)
        assert response.location.startswith("/konto/anmelden"), (method, path)


def test_clients_are_refused_everywhere(app, client, auth, world, brandts):
    before = brandts_state(app, world.brandt.id)
    auth.login(world.client.email)
    for method, path, _rule in requests(app, brandts):
        assert send(client, method, path).status_code == 403, (method, path)
    assert brandts_state(app, world.brandt.id) == before


def test_another_advisor_finds_nothing_of_hers_and_changes_nothing(
    app, client, auth, world, brandts
):
    before = brandts_state(app, world.brandt.id)
    auth.login(user_of(app, world.becker).email)
    for method, path, rule in requests(app, brandts):
        response = send(client, method, path)
        if rule.arguments:  # her booking, note or absence
            assert response.status_code == 404, (method, path)
        else:  # his own page
            assert response.status_code < 500, (method, path)
        body = response.get_data(as_text=True)
        for secret in (SECRET_AGENDA, SECRET_REASON, SECRET_NOTE):
            assert secret not in body, (method, path, secret)
    assert brandts_state(app, world.brandt.id) == before


def test_she_herself_opens_every_page(app, client, auth, world, brandts):
    """The sweep's objects are real: the owner gets each page (so a 404 above means refused)."""
    auth.login(user_of(app, world.brandt).email)
    for method, path, _rule in requests(app, brandts):
        if method == "GET":
            assert client.get(path, follow_redirects=True).status_code == 200, path
    page = client.get(f"/berater/termin/{brandts.booking_id}").get_data(as_text=True)
    assert SECRET_AGENDA in page and SECRET_NOTE in page
