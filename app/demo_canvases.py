"""Demo canvases of Rheinchem, for ``flask seed-demo``: one of each state a new user should
see at once — a draft being filled in, a canvas in review with open comments, an approved
one whose first round came back with changes (so versions 1 and 2 can be compared) — and
an upcoming consultation that brings the approved version.

Made through the same services as the pages, so they hold exactly what a user would have
made. Idempotent: a canvas is found by its organisation and title, the booking by its
organisation and the canvas it brings.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.booking import service as booking_service
from app.canvas import attach, review, service
from app.canvas import notes as note_service
from app.canvas.workflow import Action
from app.extensions import db
from app.models import (
    Advisor,
    Booking,
    Canvas,
    ConsultationType,
    Organisation,
    Topic,
    User,
)
from app.models.types import utcnow

ORGANISATION = "Rheinchem Spezialchemie GmbH"
MEMBER = "andreas.krueger@rheinchem.example"
COLLEAGUE = "sabine.wolf@rheinchem.example"
REVIEWER = "admin@industryhub.example"
ADVISOR = "katharina.brandt@industryhub.example"
BERLIN = ZoneInfo("Europe/Berlin")

# (block, text, colour, kind); green: confirmed by customers, yellow: an assumption.
LEGEND = {
    "green": "in Kundengesprächen bestätigt",
    "yellow": "Annahme, noch zu prüfen",
    "blue": "Idee aus dem Workshop",
}
F, H = "fact", "hypothesis"

DRAFT_TITLE = "Digitaler Rezepturservice für Spezialbeschichtungen"
DRAFT_NOTES = [
    ("key_partners", "Lohnabfüller in Leverkusen für Kleinmengen", "green", F),
    ("key_partners", "Software-Partner für die Anbindung an Kunden-LIMS", "yellow", H),
    ("key_partners", "Hochschule Niederrhein als Prüflabor für Schnelltests", "blue", H),
    ("key_activities", "Rezepturen digital anpassen und in 48 Stunden freigeben", "yellow", H),
    ("key_activities", "Anwendungstechnik per Video beim Kunden vor Ort", "yellow", H),
    ("key_activities", "Sicherheitsdatenblätter automatisch erzeugen", "green", F),
    ("key_resources", "12.000 dokumentierte Rezepturen aus 30 Jahren", "green", F),
    ("key_resources", "Anwendungstechnik-Team mit acht Fachleuten", "green", F),
    ("key_resources", "Produktdaten in SAP, bisher kaum strukturiert", "yellow", F),
    ("value_propositions", "Maßgeschneiderte Beschichtung in 5 statt 20 Arbeitstagen", "yellow", H),
    ("value_propositions", "Kleinmengen ab 25 kg ohne Aufpreis", "yellow", H),
    ("value_propositions", "CO₂-Fußabdruck je Charge auf dem Lieferschein", "blue", H),
    ("customer_relationships", "Feste Anwendungstechnikerin je Schlüsselkunde", "green", F),
    ("customer_relationships", "Self-Service-Portal für Nachbestellungen", "yellow", H),
    ("channels", "Kundenportal mit Rezeptur-Konfigurator", "yellow", H),
    ("channels", "Außendienst (12 Personen) bleibt der erste Kontakt", "green", F),
    ("channels", "European Coatings Show in Nürnberg", "blue", H),
    ("customer_segments", "Mittelständische Lackhersteller in der DACH-Region", "green", F),
    ("customer_segments", "Hersteller von Holzbeschichtungen mit Kleinserien", "yellow", H),
    ("customer_segments", "Start-ups mit biobasierten Bindemitteln", "blue", H),
    ("cost_structure", "Portalentwicklung: etwa 350.000 € im ersten Jahr", "yellow", H),
    ("cost_structure", "Laborkapazität für Schnellmuster", "yellow", H),
    ("cost_structure", "Rohstoffe: 62 % der Herstellkosten", "green", F),
    ("revenue_streams", "Rezepturanpassung als Pauschale, 1.800 € je Projekt", "yellow", H),
    ("revenue_streams", "Produktpreis nach Menge wie bisher", "green", F),
    ("revenue_streams", "Abo für Datenblätter und Compliance-Updates", "blue", H),
]

REVIEW_TITLE = "Lösungsmittel-Kreislauf als Service"
REVIEW_NOTES = [
    ("value_propositions", "Gebrauchte Lösungsmittel abholen, aufbereiten, zurückliefern"),
    ("value_propositions", "Planbare Kosten je Liter statt Entsorgungsgebühren"),
    ("customer_segments", "Druckereien und Lackierbetriebe im Umkreis von 150 km"),
    ("channels", "Bestehende Tankwagen-Logistik"),
    ("customer_relationships", "Rahmenvertrag über drei Jahre"),
    ("revenue_streams", "Servicegebühr je aufbereitetem Liter"),
    ("key_resources", "Destillationsanlage in Dormagen, heute zu 55 % ausgelastet"),
    ("key_activities", "Qualitätsprüfung jeder Rücklieferung"),
    ("key_partners", "Zertifizierter Entsorgungsfachbetrieb für Reststoffe"),
    ("cost_structure", "Energie für die Destillation"),
    ("cost_structure", "Abholung und Rücklieferung"),
    ("functional_value", "1 Liter aufbereitetes Lösungsmittel in Neuwarequalität"),
    ("materials", "Altlösungsmittel statt Neuware auf Erdölbasis"),
    ("production", "Destillation mit Abwärme aus dem Verbundstandort"),
    ("supplies_outsourcing", "Mehrweg-Gebinde im Pfandsystem"),
    ("distribution", "Rücktransport auf ohnehin fahrenden Touren"),
    ("use_phase", "Der Kunde verbraucht gleich viel; gespart wird beim Rohstoff"),
    ("end_of_life", "Destillationsrückstand geht in die thermische Verwertung"),
    ("environmental_impacts", "Energiebedarf der Destillation"),
    ("environmental_benefits", "Rund 70 % weniger CO₂ je Liter als Neuware"),
    ("social_value", "Sichere Arbeitsplätze in der Aufbereitung am Standort"),
    ("employees", "Sechs neue Stellen in der Aufbereitung"),
    ("governance", "Kreislaufbeirat mit Vertretern der Kunden"),
    ("local_communities", "Weniger Gefahrguttransporte durch Wohngebiete"),
    ("societal_culture", "Vorbild für Kreislaufwirtschaft am Niederrhein"),
    ("scale_of_outreach", "Zunächst 40 Kunden in Nordrhein-Westfalen"),
    ("end_user", "Beschäftigte der Kunden haben weniger mit Abfällen zu tun"),
    ("social_impacts", "Schichtarbeit an der Anlage"),
    ("social_benefits", "Ausbildungsplätze für Chemikantinnen und Chemikanten"),
]
REVIEW_COMMENTS = [
    ("environmental_benefits",
     "Woher stammen die 70 %? Bitte ergänzen Sie die Quelle oder Ihre Rechnung, "
     "zum Beispiel nach dem GHG Protocol."),
    ("revenue_streams",
     "Wie verhält sich die Servicegebühr zu den heutigen Entsorgungskosten der Kunden? "
     "Ein Rechenbeispiel für eine typische Druckerei würde helfen."),
]  # fmt: skip

APPROVED_TITLE = "Sensorgestütztes Dosier-Abo"
APPROVED_FIRST_ROUND = [
    ("problem", "Kunden dosieren Additive nach Gefühl: bis zu 8 % Ausschuss"),
    ("problem", "Nachbestellt wird erst, wenn der Tank leer ist"),
    ("customer_segments", "Kunststoffverarbeiter mit 3 bis 20 Extrusionslinien"),
    ("unique_value_proposition", "Immer die richtige Menge Additiv, nie wieder leere Tanks"),
    ("solution", "Füllstands- und Durchflusssensoren am Dosiergerät"),
    ("solution", "Automatische Nachlieferung vor dem Engpass"),
    ("channels", "Außendienst bei Bestandskunden"),
    ("revenue_streams", "Monatliche Grundgebühr"),
    ("cost_structure", "Sensorik und Mobilfunk je Anlage"),
    ("key_metrics", "Anzahl angeschlossener Anlagen"),
    ("unfair_advantage", "Eigene Additiv-Rezepturen und Anwendungsdaten aus 200 Linien"),
]
APPROVED_CHANGES_ASKED = [
    ("key_metrics",
     "Die Zahl der Anlagen sagt wenig über den Nutzen. Welche Kennzahl zeigt dem Kunden "
     "den eingesparten Ausschuss?"),
    ("revenue_streams", "Nur eine Grundgebühr? Wie wird das Additiv selbst abgerechnet?"),
]  # fmt: skip
APPROVED_SECOND_ROUND = [
    ("key_metrics", "Ausschussquote je Linie vor und nach dem Einbau"),
    ("revenue_streams", "Additiv nach Verbrauch zum Listenpreis"),
]
REWORDED = {"Monatliche Grundgebühr": "Grundgebühr 290 € je Linie und Monat, Sensorik inklusive"}
DROPPED = {"Anzahl angeschlossener Anlagen"}


def seed_canvases() -> int:
    """Create Rheinchem's demo canvases and the consultation that brings one; return how
    many records were new (0 when all are present)."""
    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.name == ORGANISATION)
    )
    member, colleague = User.by_email(MEMBER), User.by_email(COLLEAGUE)
    reviewer = User.by_email(REVIEWER)
    if organisation is None or member is None or reviewer is None:
        return 0
    existing = set(
        db.session.scalars(sa.select(Canvas.title).where(Canvas.organisation_id == organisation.id))
    )
    created = 0
    if DRAFT_TITLE not in existing:
        canvas = _canvas(member, "bmc", DRAFT_TITLE)
        for number, (block, text, colour, kind) in enumerate(DRAFT_NOTES):
            author = colleague if colleague and number % 3 == 2 else member
            note_service.add_note(canvas, author, block, text, colour, kind)
        note_service.set_legend(canvas, LEGEND)
        created += 1 + len(DRAFT_NOTES)
    if REVIEW_TITLE not in existing:
        canvas = _canvas(member, "tlbmc", REVIEW_TITLE)
        _add(canvas, member, REVIEW_NOTES)
        version = service.submit(canvas, member)
        review.start_review(canvas, reviewer)
        for block, body in REVIEW_COMMENTS:
            review.add_comment(version, reviewer, body, block)
        created += 2 + len(REVIEW_NOTES) + len(REVIEW_COMMENTS)
    if APPROVED_TITLE not in existing:
        created += _approved_after_a_second_round(member, reviewer)
    db.session.flush()
    created += _consultation_bringing_the_approved_canvas(organisation, member)
    return created


def _canvas(member: User, template: str, title: str) -> Canvas:
    return service.create_canvas(member, template, title, "de")


def _add(canvas: Canvas, member: User, notes: list[tuple[str, str]]) -> None:
    for block, text in notes:
        note_service.add_note(canvas, member, block, text)


def _approved_after_a_second_round(member: User, reviewer: User) -> int:
    """v1 came back with changes (the comments since resolved), v2 was approved."""
    canvas = _canvas(member, "lean", APPROVED_TITLE)
    _add(canvas, member, APPROVED_FIRST_ROUND)
    first = service.submit(canvas, member)
    asked = [
        review.add_comment(first, reviewer, body, block) for block, body in APPROVED_CHANGES_ASKED
    ]
    review.decide(canvas, reviewer, Action.REQUEST_CHANGES)
    for note in service.live_notes(canvas):
        if note.text in REWORDED:
            note_service.update_note(
                canvas, member, note.id, note.version, text=REWORDED[note.text], kind="fact"
            )
        elif note.text in DROPPED:
            note_service.delete_note(canvas, member, note.id)
    _add(canvas, member, APPROVED_SECOND_ROUND)
    for comment in asked:
        review.set_resolved(comment, reviewer, True)
    service.submit(canvas, member)
    review.decide(canvas, reviewer, Action.APPROVE)
    return 3 + len(APPROVED_FIRST_ROUND) + len(APPROVED_SECOND_ROUND) + len(asked)


def _consultation_bringing_the_approved_canvas(organisation: Organisation, member: User) -> int:
    """An upcoming first consultation with the demo advisor that brings the approved
    canvas's newest version: the advisor's list links it."""
    canvas = db.session.scalar(
        sa.select(Canvas).where(
            Canvas.organisation_id == organisation.id, Canvas.title == APPROVED_TITLE
        )
    )
    now = utcnow()
    upcoming = db.session.scalar(
        sa.select(Booking.id).where(
            Booking.organisation_id == organisation.id,
            Booking.canvas_id == canvas.id,
            Booking.status == "confirmed",
            Booking.start > now,
        )
    )
    advisor = Advisor.of_user(User.by_email(ADVISOR))
    ctype = db.session.scalar(
        sa.select(ConsultationType).where(ConsultationType.slug == "erstgespraech")
    )
    topic = db.session.scalar(sa.select(Topic).where(Topic.slug == "industrie-4-0"))
    if upcoming or advisor is None or ctype is None or topic is None:
        return 0
    for start in _weekday_mornings(now):
        try:
            with db.session.begin_nested():
                booking = booking_service.book(
                    ctype=ctype,
                    topic=topic,
                    advisor=advisor,
                    start=start,
                    agenda="Wir möchten das Dosier-Abo für den Pilotkunden planen: "
                    "Sensorik, Datenfluss und Abrechnung. Das freigegebene Lean Canvas "
                    "bringen wir mit.",
                    booker=member,
                )
        except booking_service.BookingError:
            continue  # a holiday or a time already taken: the next morning
        attach.attach(booking, attach.choice_value(canvas.id, canvas.version_count))
        return 1
    return 0


def _weekday_mornings(now: datetime):
    """10:00 in Dormagen on the working days from three days on, for three weeks."""
    today = now.astimezone(BERLIN).date()
    for offset in range(3, 24):
        day = today + timedelta(days=offset)
        if day.weekday() < 5:
            yield datetime.combine(day, time(10), BERLIN).astimezone(UTC)
