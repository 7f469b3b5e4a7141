"""Helpers for booking tests: dates relative to today, and booking through the service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking import service
from app.database import begin_write
from app.extensions import db
from app.models import Advisor, Booking, ConsultationType, Organisation, Topic, User

BERLIN = ZoneInfo("Europe/Berlin")


def monday_in(weeks: int) -> date:
    """The Monday ``weeks`` weeks after this week's, in Berlin."""
    today = datetime.now(BERLIN).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def at(day: date, clock: str, zone: ZoneInfo = BERLIN) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


@contextmanager
def writing(app) -> Iterator[None]:
    """A request context whose transaction writes from the start, as a POST's does (SQLite:
    ``BEGIN IMMEDIATE``); services that lock need it."""
    with app.test_request_context():
        begin_write(db.session())
        yield


def book(
    app,
    world,
    start,
    *,
    advisor="brandt",
    guest=None,
    now=None,
    booker="client",
    locale="de",
    timezone="Europe/Berlin",
):
    """Book through the service as the view does, committing; returns the booking's id."""
    with writing(app):
        booking = service.book(
            ctype=db.session.get(ConsultationType, world.ctype.id),
            topic=db.session.get(Topic, world.topic.id),
            advisor=db.session.get(Advisor, getattr(world, advisor).id) if advisor else None,
            start=start,
            agenda="Wie digitalisieren wir unser Labor?",
            booker=None if guest else db.session.get(User, getattr(world, booker).id),
            guest=guest,
            locale=locale,
            timezone=timezone,
            now=now,
        )
        db.session.commit()
        return booking.id


def reschedule(app, booking_id: int, start, now=None) -> None:
    """Move a booking through the service, committing."""
    with writing(app):
        service.reschedule(db.session.get(Booking, booking_id), start, now=now)
        db.session.commit()


def set_type(app, world, **fields) -> None:
    """Change the world's consultation type."""
    with app.app_context():
        ctype = db.session.get(ConsultationType, world.ctype.id)
        for name, value in fields.items():
            setattr(ctype, name, value)
        db.session.commit()


def fetch(app, booking_id: int) -> Booking:
    return detached(app, Booking, booking_id)


GUEST = service.Guest("Eva Gast", "eva@gast.example", "Gast GmbH")
# The booking form as a guest fills it in.
GUEST_FORM = {
    "agenda": "Wir möchten unsere Rezepturverwaltung digitalisieren.",
    "guest_name": "Eva Gast",
    "guest_email": "eva@gast.example",
    "guest_company": "Gast GmbH",
    "accept_privacy": "y",
}


def detached(app, model, row_id):
    """A record loaded in its own app context and handed back detached."""
    with app.app_context():
        record = db.session.get(model, row_id)
        db.session.expunge(record)
        return record


def organisation_of(app, user: User) -> Organisation:
    return detached(app, Organisation, user.organisation_id)


def user_of(app, advisor: Advisor) -> User:
    with app.app_context():
        user_id = db.session.get(Advisor, advisor.id).user_id
    return detached(app, User, user_id)
