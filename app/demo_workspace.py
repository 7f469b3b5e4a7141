"""Demo data for the advisor workspace: a fortnight of consultations for the demo advisor,
past meetings that wait for their outcome, one closed with a private note, and a guest's
unconfirmed request. Idempotent like the rest of ``flask seed-demo``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.booking import history
from app.booking import service as booking_service
from app.booking.availability import rules_for
from app.extensions import db
from app.models import (
    Advisor,
    Booking,
    BookingAction,
    BookingNote,
    BookingStatus,
    ConsultationType,
    Topic,
    User,
)
from app.models.types import utcnow

BERLIN = ZoneInfo("Europe/Berlin")
ADVISOR = "katharina.brandt@industryhub.example"
# (working days from today, local time, topic, booker e-mail, agenda)
UPCOMING = [
    (2, time(9, 30), "digitalisierung", "markus@schreinerei-lehmann.example",
     "Auftragsplanung digital statt Whiteboard: Welche Software passt zu sechs Leuten?"),
    (2, time(14), "industrie-4-0", "sabine.wolf@rheinchem.example",
     "Retrofit der Dosieranlage 3: Welche Sensorik, welche Daten, welcher Nutzen?"),
    (6, time(11), "digitalisierung", "markus@schreinerei-lehmann.example",
     "Nachgespräch: Angebote von zwei Software-Anbietern vergleichen."),
]  # fmt: skip
PAST = [
    (-2, time(10), "sabine.wolf@rheinchem.example",
     "Datenfluss vom Prozessleitsystem in die Cloud – was ist erlaubt?", None),
    (-6, time(15), "andreas.krueger@rheinchem.example",
     "Vorstellung der Pilotidee Dosier-Abo.",
     "Pilotkunde ist gefunden (Lackhersteller in Neuss). Nächster Schritt: Förderung über "
     "Mittelstand Innovativ & Digital prüfen, Termin mit Julia Hoffmann vorschlagen."),
]  # fmt: skip
GUEST = booking_service.Guest(
    name="Lena Vogt", email="lena.vogt@vogt-metallbau.example", company="Vogt Metallbau"
)


def _working_day(today, offset: int):
    """The ``offset``-th working day from ``today`` (negative: before it)."""
    day, step, left = today, (1 if offset > 0 else -1), abs(offset)
    while left:
        day += timedelta(days=step)
        if day.weekday() < 5:
            left -= 1
    return day


def seed_workspace() -> int:
    advisor = Advisor.of_user(User.by_email(ADVISOR)) if User.by_email(ADVISOR) else None
    ctype = db.session.scalar(
        sa.select(ConsultationType).where(ConsultationType.slug == "erstgespraech")
    )
    if advisor is None or ctype is None:
        return 0
    seeded = db.session.scalar(
        sa.select(Booking.id).where(Booking.advisor_id == advisor.id, Booking.agenda == PAST[0][3])
    )
    if seeded:
        return 0
    now = utcnow()
    today = now.astimezone(BERLIN).date()
    topics = {topic.slug: topic for topic in db.session.scalars(sa.select(Topic))}
    created = 0
    for offset, clock, topic, email, agenda in UPCOMING:
        start = datetime.combine(_working_day(today, offset), clock, BERLIN).astimezone(UTC)
        try:
            with db.session.begin_nested():
                booking_service.book(
                    ctype=ctype, topic=topics[topic], advisor=advisor, start=start,
                    agenda=agenda, booker=User.by_email(email),
                )  # fmt: skip
            created += 1
        except booking_service.BookingError:
            continue  # a holiday or taken: the demo does without it
    start = datetime.combine(_working_day(today, 3), time(14), BERLIN).astimezone(UTC)
    try:
        with db.session.begin_nested():
            booking_service.book(
                ctype=ctype, topic=topics["digitalisierung"], advisor=advisor, start=start,
                agenda="Wir wollen unsere Angebotskalkulation digitalisieren.", guest=GUEST,
            )  # fmt: skip
        created += 1
    except booking_service.BookingError:
        pass
    for offset, clock, email, agenda, note in PAST:
        created += _past_meeting(advisor, ctype, topics["industrie-4-0"], offset, clock,
                                 User.by_email(email), agenda, note)  # fmt: skip
    return created


def _past_meeting(advisor, ctype, topic, offset, clock, booker, agenda, note) -> int:
    """A meeting that took place (the service books only the future): confirmed, and
    with ``note`` also closed as completed with the advisor's private note."""
    today = utcnow().astimezone(BERLIN).date()
    start = datetime.combine(_working_day(today, offset), clock, BERLIN).astimezone(UTC)
    rules = rules_for(ctype, advisor)
    booking = Booking(
        uid=f"{secrets.token_hex(16)}@industryhub.example",
        advisor=advisor, consultation_type=ctype, topic=topic, booked_by=booker,
        organisation=booker.organisation, start=start, end=start + ctype.duration,
        blocked_from=start - rules.buffer_before,
        blocked_until=start + ctype.duration + rules.buffer_after,
        status=BookingStatus.CONFIRMED.value, agenda=agenda,
        created_at=start - timedelta(days=7), confirmed_at=start - timedelta(days=7),
    )  # fmt: skip
    db.session.add(booking)
    history.record(booking, BookingAction.CREATED, booking.created_at, booker)
    history.record(booking, BookingAction.CONFIRMED, booking.created_at, booker)
    if note:
        booking.status = BookingStatus.COMPLETED.value
        closed = booking.end + timedelta(minutes=20)
        history.record(booking, BookingAction.COMPLETED, closed, advisor.user)
        db.session.add(
            BookingNote(booking=booking, author=advisor.user, body=note, created_at=closed)
        )
    db.session.flush()
    return 1
