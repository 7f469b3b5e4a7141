"""Demo data: a believable hub on the Lower Rhine, for ``flask seed-demo``.

Idempotent: every record is found by its natural key (slug, e-mail, name) before it is
created, so running the command again creates nothing.
"""

from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa

from app.database import begin_write
from app.demo_canvases import seed_canvases
from app.demo_workspace import seed_workspace
from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    ConsultationType,
    Organisation,
    OutboxMessage,
    Role,
    Topic,
    User,
)
from app.models.types import utcnow

DEMO_PASSWORD = "Sprechstunde-Demo-2026"  # noqa: S105 (demo data, printed by seed-demo)

TOPICS = [
    ("digitalisierung", "Digitalisierung", "Digitalisation",
     "Prozesse, Werkzeuge und Kompetenzen für den digitalen Wandel im Betrieb.",
     "Processes, tools and skills for the digital change in your business."),
    ("nachhaltige-geschaeftsmodelle", "Nachhaltige Geschäftsmodelle", "Sustainable business models",
     "Digitale und nachhaltige Geschäftsmodelle entwickeln – mit Canvas und Kennzahlen.",
     "Designing digital and sustainable business models, with canvases and metrics."),
    ("datenstrategie", "Datenstrategie", "Data strategy",
     "Welche Daten Sie haben, was sie wert sind und wie Sie sie nutzen.",
     "What data you have, what it is worth and how to use it."),
    ("industrie-4-0", "Industrie 4.0 / IoT", "Industry 4.0 / IoT",
     "Vernetzte Anlagen, Sensorik, Retrofit und vorausschauende Wartung.",
     "Connected plants, sensors, retrofitting and predictive maintenance."),
    ("foerdermittel", "Fördermittel", "Funding",
     "Förderprogramme von Land, Bund und EU finden und erfolgreich beantragen.",
     "Finding state, federal and EU funding programmes and applying successfully."),
    ("datenschutz", "Datenschutz", "Data protection",
     "DSGVO-konforme Digitalprojekte, von der Cloud bis zur KI.",
     "GDPR-compliant digital projects, from the cloud to AI."),
]  # fmt: skip

ADVISORS = [
    ("katharina.brandt@industryhub.example", "Dr. Katharina Brandt",
     "Digitalisierung & Industrie 4.0", "Digitalisation & Industry 4.0",
     "Chemieingenieurin, zehn Jahre Prozessdigitalisierung in der Spezialchemie.",
     "Chemical engineer, ten years of process digitalisation in speciality chemicals.",
     ["digitalisierung", "industrie-4-0"]),
    ("mehmet.yilmaz@industryhub.example", "Mehmet Yılmaz",
     "Daten & Datenschutz", "Data & data protection",
     "Data Engineer und zertifizierter Datenschutzbeauftragter.",
     "Data engineer and certified data protection officer.",
     ["datenstrategie", "datenschutz"]),
    ("julia.hoffmann@industryhub.example", "Julia Hoffmann",
     "Nachhaltige Geschäftsmodelle", "Sustainable business models",
     "Begleitet Mittelständler und Start-ups vom Canvas bis zum Förderantrag.",
     "Takes SMEs and start-ups from the canvas to the funding application.",
     ["nachhaltige-geschaeftsmodelle", "foerdermittel"]),
    ("thomas.becker@industryhub.example", "Thomas Becker",
     "Produktion & Retrofit", "Production & retrofitting",
     "Maschinenbaumeister; bringt Bestandsanlagen ins Netz.",
     "Master machinist; connects existing machines to the network.",
     ["industrie-4-0", "digitalisierung", "foerdermittel"]),
]  # fmt: skip

ORGANISATIONS = [
    ("Rheinchem Spezialchemie GmbH", "Chemie", "Dormagen", "250+",
     [("andreas.krueger@rheinchem.example", "Andreas Krüger"),
      ("sabine.wolf@rheinchem.example", "Sabine Wolf")]),
    ("Schreinerei Lehmann", "Handwerk", "Neuss", "1-9",
     [("markus@schreinerei-lehmann.example", "Markus Lehmann")]),
    ("Flowbit Sensorik GmbH", "Start-up / IoT", "Köln", "10-49",
     [("lea.schubert@flowbit.example", "Lea Schubert")]),
]  # fmt: skip

ADMIN = ("admin@industryhub.example", "Nina Albers")

CONSULTATION_TYPES = [
    {"slug": "erstgespraech", "name_de": "Erstgespräch Digitalisierung",
     "name_en": "First consultation: digitalisation", "duration_minutes": 30,
     "buffer_after_minutes": 10, "minimum_notice_minutes": 24 * 60, "horizon_days": 60,
     "location_kind": "video", "location_detail_de": "im Browser, ohne Installation",
     "location_detail_en": "in the browser, nothing to install"},
    {"slug": "workshop-geschaeftsmodell", "name_de": "Workshop Geschäftsmodell",
     "name_en": "Business model workshop", "duration_minutes": 90,
     "buffer_before_minutes": 15, "buffer_after_minutes": 15,
     "minimum_notice_minutes": 3 * 24 * 60, "horizon_days": 90, "max_per_day": 1,
     "location_kind": "on_site",
     "location_detail_de": "Industry Hub, Musterstraße 1, 41539 Dormagen"},
    {"slug": "foerdermittel-sprechstunde", "name_de": "Fördermittel-Sprechstunde",
     "name_en": "Funding consultation hour", "duration_minutes": 45,
     "buffer_after_minutes": 15, "minimum_notice_minutes": 24 * 60, "horizon_days": 60,
     "location_kind": "phone"},
]  # fmt: skip

# Mon–Fri, with a lunch break; local times in the advisor's zone.
WEEKLY_HOURS = [(day, time(9), time(12)) for day in range(5)] + [
    (day, time(13), time(17)) for day in range(5)
]
HOLIDAYS = [(date(2026, 12, 24), date(2026, 12, 26), "Weihnachten"),
            (date(2026, 12, 31), date(2027, 1, 1), "Jahreswechsel")]  # fmt: skip


def meeting_link(email: str) -> str:
    """A demo advisor's own video room, so every demo video booking has a link to show
    (a real hub sets ``VIDEO_ROOM_BASE_URL`` or each advisor's link instead)."""
    return f"https://meet.industryhub.example/{email.partition('@')[0].replace('.', '-')}"


def _user(
    email: str, name: str, role: Role, organisation: Organisation | None = None
) -> tuple[User, bool]:
    user = User.by_email(email)
    if user is not None:
        return user, False
    user = User(
        email=email,
        name=name,
        role=role.value,
        organisation=organisation,
        email_verified_at=utcnow(),
    )
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user, True


def seed() -> int:
    """Create what is missing; return how many records were new."""
    # The canvases' services lock rows; on SQLite that needs a writer from the start.
    begin_write(db.session())
    queued_before = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
    created = 0
    topics: dict[str, Topic] = {topic.slug: topic for topic in db.session.scalars(sa.select(Topic))}
    for position, (slug, name_de, name_en, text_de, text_en) in enumerate(TOPICS):
        if slug not in topics:
            topics[slug] = Topic(
                slug=slug, name_de=name_de, name_en=name_en,
                description_de=text_de, description_en=text_en, position=position,
            )  # fmt: skip
            db.session.add(topics[slug])
            created += 1

    _, new = _user(*ADMIN, Role.ADMIN)
    created += new
    for email, name, title_de, title_en, bio_de, bio_en, slugs in ADVISORS:
        user, new = _user(email, name, Role.ADVISOR)
        if new:
            db.session.add(
                Advisor(
                    user=user,
                    title_de=title_de,
                    title_en=title_en,
                    bio_de=bio_de,
                    bio_en=bio_en,
                    topics=[topics[slug] for slug in slugs],
                    meeting_link=meeting_link(email),
                )
            )
            created += 2

    for position, fields in enumerate(CONSULTATION_TYPES):
        slug = fields["slug"]
        if db.session.scalar(sa.select(ConsultationType.id).where(ConsultationType.slug == slug)):
            continue
        db.session.add(ConsultationType(**fields, position=position))
        created += 1
    db.session.flush()
    for advisor in db.session.scalars(sa.select(Advisor)):
        has_hours = db.session.scalar(
            sa.select(AvailabilityRule.id).where(AvailabilityRule.advisor_id == advisor.id).limit(1)
        )
        if has_hours:
            continue
        for weekday, start, end in WEEKLY_HOURS:
            db.session.add(
                AvailabilityRule(
                    advisor_id=advisor.id, weekday=weekday, start_time=start, end_time=end
                )
            )
        for first, last, reason in HOLIDAYS:
            db.session.add(
                AvailabilityException(
                    advisor_id=advisor.id, first_day=first, last_day=last, reason=reason
                )
            )
        created += len(WEEKLY_HOURS) + len(HOLIDAYS)

    for org_name, industry, city, size, members in ORGANISATIONS:
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == org_name)
        )
        if organisation is None:
            organisation = Organisation(name=org_name, industry=industry, city=city, size=size)
            db.session.add(organisation)
            created += 1
        for email, name in members:
            _, new = _user(email, name, Role.CLIENT, organisation)
            created += new
    db.session.flush()
    created += seed_canvases() + seed_workspace()
    # The services mail every step; the demo's made-up bookings and reviews are news to nobody.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id > queued_before))
    return created
