"""Helpers for the data-protection tests: a client with bookings, notes and canvases, and
a search for text in every text column of the tables that hold personal data."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Booking, OutboxMessage, User
from app.models.journal import BookingNote
from app.models.types import utcnow
from tests.booking_support import at, book, monday_in

SEARCHED = (Booking, User, OutboxMessage, AuditEvent)


def unzip(payload: bytes) -> tuple[dict, str]:
    """The export's ``daten.json`` (parsed) and its read-me."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        names = set(archive.namelist())
        assert names == {"daten.json", "LIESMICH.txt"}
        data = json.loads(archive.read("daten.json").decode("utf-8"))
        readme = archive.read("LIESMICH.txt").decode("utf-8")
    return data, readme


def past_booking(app, world, user_id: int, days_ago: float, **fields) -> int:
    """A finished booking row of ``user_id`` (or a guest's, with ``booked_by_id=None``)."""
    with app.app_context():
        start = utcnow() - timedelta(days=days_ago)
        user = db.session.get(User, user_id) if user_id else None
        booking = Booking(
            uid=f"{secrets.token_hex(16)}@hub.example",
            advisor_id=world.brandt.id,
            consultation_type_id=world.ctype.id,
            topic_id=world.topic.id,
            booked_by_id=user_id,
            organisation_id=user.organisation_id if user else None,
            start=start,
            end=start + timedelta(minutes=30),
            blocked_from=start,
            blocked_until=start + timedelta(minutes=45),
            status="completed",
            confirmed_at=start - timedelta(days=3),
            agenda=fields.pop("agenda", "Vergangene Agenda"),
            **fields,
        )
        db.session.add(booking)
        db.session.commit()
        return booking.id


def upcoming(app, world, week: int = 1, clock: str = "10:00", **kwargs) -> int:
    return book(app, world, at(monday_in(week), clock), **kwargs)


def private_note(app, booking_id: int, author_id: int, body: str) -> None:
    with app.app_context():
        db.session.add(BookingNote(booking_id=booking_id, author_id=author_id, body=body))
        db.session.commit()


def occurrences(app, *needles: str) -> list[str]:
    """Every ``table.column`` of the searched tables whose text holds one of ``needles``
    (case-insensitive)."""
    found = []
    with app.app_context():
        for model in SEARCHED:
            table = model.__table__
            for column in table.columns:
                if not isinstance(column.type, (sa.String, sa.Text)):
                    continue
                for needle in needles:
                    hit = db.session.scalar(
                        sa.select(sa.func.count())
                        .select_from(table)
                        .where(sa.func.lower(column).contains(needle.lower(), autoescape=True))
                    )
                    if hit:
                        found.append(f"{table.name}.{column.name}: {needle}")
    return found
