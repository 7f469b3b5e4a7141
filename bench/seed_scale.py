"""Scale data for the picker benchmark (DESIGN.md §9): 20 advisors, two years of bookings.

Creates the PostgreSQL database named by ``--database-url`` if it is missing (through a
connection to the ``postgres`` database), runs the migrations, seeds the demo data
(``app.demo.seed``), then scales it up:

* 20 advisors, all on the topic "digitalisierung" (each also on one other topic), all with the
  demo's Mon–Fri hours (09–12, 13–17 Europe/Berlin) and holidays;
* for every advisor, confirmed bookings on every working day from one year back to one year
  ahead, packed into the working hours with small random gaps (``random.Random(seed)``, so
  every run builds the same calendar) around the demo's own bookings. Types are mixed
  (mostly Erstgespräch), each booking's ``blocked_from``/``blocked_until`` is widened by its
  type's buffers, and no two bookings of an advisor overlap (PostgreSQL's exclusion
  constraint checks that on insert);
* the outcomes advisors record: bookings that ended more than ``OPEN_DAYS`` days ago are
  completed (every twentieth a no-show), the last days' still wait for one, as on an
  advisor's agenda;
* canvases (``bench/seed_scale_canvases.py``): the demo member's working canvas with
  ``--canvas-notes`` notes and review comments, and ``--queue`` canvases of other
  organisations waiting for review.

10,000 bookings per advisor do not fit: 7 working hours a day hold at most ten 40-minute
Erstgespräch blocks, about 5,200 in two years. The default packs about 7 a working day
(≈ 3,600 per advisor, ≈ 72,000 in all).

Idempotent: an advisor who already has scale bookings (``uid`` "bench-…") gets none added.
``--reset`` drops and recreates the database first. Run from the project root::

    .venv/bin/python bench/seed_scale.py [--reset] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_sprechstunde"
FORBIDDEN_DATABASES = {"test", "postgres", "template0", "template1"}
ADVISORS = 20
TOPIC = "digitalisierung"
ZONE = ZoneInfo("Europe/Berlin")
# (type slug, weight): mostly first consultations, some funding hours, a few workshops.
TYPE_MIX = [
    ("erstgespraech", 70),
    ("foerdermittel-sprechstunde", 25),
    ("workshop-geschaeftsmodell", 5),
]
GAPS_MINUTES = [0, 0, 0, 5, 10, 20]  # idle time before each booking's blocked range
BATCH = 5_000
SCALE_UID = "bench-%"
OPEN_DAYS = 7  # past bookings of the last week still wait for their outcome


def server_url(url: sa.URL) -> sa.URL:
    return url.set(database="postgres")


def prepare_database(url: str, reset: bool) -> str:
    """Create (or with ``reset`` drop and re-create) the database; return the app's URL."""
    from app.config import normalise_database_url

    app_url = normalise_database_url(url)
    parsed = sa.make_url(app_url)
    if parsed.get_backend_name() != "postgresql":
        sys.exit(f"need a PostgreSQL URL, got {parsed.render_as_string(hide_password=True)}")
    name = parsed.database or ""
    if name in FORBIDDEN_DATABASES:
        sys.exit(f"refusing to use the database {name!r}: it is not a benchmark database")
    engine = sa.create_engine(server_url(parsed), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            quoted = connection.dialect.identifier_preparer.quote(name)
            if exists and reset:
                connection.exec_driver_sql(f"DROP DATABASE {quoted} WITH (FORCE)")
                exists = False
                print(f"dropped database {name}")
            if not exists:
                connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
                print(f"created database {name}")
    finally:
        engine.dispose()
    return app_url


def make_app(database_url: str):
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "BASE_URL": "http://127.0.0.1:5000",
            "TESTING": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def scale_advisors() -> int:
    """Top the demo's advisors up to ``ADVISORS``, all on ``TOPIC``; return how many were new."""
    from app.demo import DEMO_PASSWORD
    from app.extensions import db
    from app.models import Advisor, Role, Topic, User

    topics = {topic.slug: topic for topic in db.session.scalars(sa.select(Topic))}
    others = [slug for slug in topics if slug != TOPIC]
    created = 0
    number = 0
    while db.session.scalar(sa.select(sa.func.count(Advisor.id))) < ADVISORS:
        number += 1
        email = f"beratung{number:02d}@bench.example"
        if User.by_email(email) is not None:
            continue
        user = User(
            email=email,
            name=f"Bench-Beratung {number:02d}",
            role=Role.ADVISOR.value,
            email_verified_at=datetime.now(UTC),
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(
            Advisor(
                user=user,
                title_de="Digitalisierung",
                title_en="Digitalisation",
                topics=[topics[TOPIC], topics[others[number % len(others)]]],
            )
        )
        db.session.flush()
        created += 1
    for advisor in db.session.scalars(sa.select(Advisor)):
        if topics[TOPIC] not in advisor.topics:
            advisor.topics.append(topics[TOPIC])
    db.session.flush()
    return created


def working_days(first: date, last: date, days_off: set[date]):
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in days_off:
            yield day
        day += timedelta(days=1)


def instant(day: date, wall: time) -> datetime:
    return datetime.combine(day, wall, tzinfo=ZONE).astimezone(UTC)


def bookings_for(advisor, context: dict, rng: random.Random) -> list[dict]:
    """One advisor's bookings: every working day's hours packed with non-overlapping ones."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for rule in context["rules"].get(advisor.id, []):
        hours.setdefault(rule.weekday, []).append((rule.start_time, rule.end_time))
    days_off: set[date] = set()
    for exception in context["exceptions"].get(advisor.id, []):
        day = exception.first_day
        while day <= exception.last_day:
            days_off.add(day)
            day += timedelta(days=1)

    taken = context["taken"].get(advisor.id, [])
    types, weights = context["types"], context["weights"]
    topic_ids = [topic.id for topic in advisor.topics]
    clients, now = context["clients"], context["now"]
    rows = []
    for day in working_days(context["first_day"], context["last_day"], days_off):
        for wall_start, wall_end in sorted(hours.get(day.weekday(), [])):
            cursor, period_end = instant(day, wall_start), instant(day, wall_end)
            while True:
                ctype = rng.choices(types, weights)[0]
                blocked_from = cursor + timedelta(minutes=rng.choice(GAPS_MINUTES))
                start = blocked_from + ctype.buffer_before
                end = start + ctype.duration
                blocked_until = end + ctype.buffer_after
                if blocked_until > period_end:
                    break
                cursor = blocked_until
                if any(a < blocked_until and blocked_from < b for a, b in taken):
                    continue  # a booking of the demo's: the next one starts after it
                number = context["next_uid"]
                context["next_uid"] += 1
                client = rng.choice(clients) if rng.random() < 0.5 else None
                created = min(start - timedelta(days=rng.randint(2, 30)), now)
                topic_id = topic_ids[0] if ctype.slug == "erstgespraech" else rng.choice(topic_ids)
                rows.append(
                    {
                        "uid": f"bench-{advisor.id}-{number}@sprechstunde.example",
                        "advisor_id": advisor.id,
                        "consultation_type_id": ctype.id,
                        "topic_id": topic_id,
                        "booked_by_id": client.id if client else None,
                        "organisation_id": client.organisation_id if client else None,
                        "guest_name": None if client else f"Gast {number}",
                        "guest_email": None if client else f"gast{number}@kunde.example",
                        "guest_company": None if client else "Muster GmbH",
                        "guest_consent_at": None if client else created,
                        "start": start,
                        "end": end,
                        "blocked_from": blocked_from,
                        "blocked_until": blocked_until,
                        "status": "confirmed",
                        "hold_expires_at": None,
                        "sequence": 0,
                        "agenda": "Benchmark: Fragen zur Digitalisierung unserer Prozesse.",
                        "advisor_notes": "",
                        "cancel_reason": "",
                        "locale": "de",
                        "timezone": "Europe/Berlin",
                        "created_at": created,
                        "updated_at": created,
                        "confirmed_at": created,
                        "cancelled_at": None,
                    }
                )
    return rows


def scale_bookings(seed: int) -> tuple[int, int]:
    """Fill the calendars of advisors without bookings; return (advisors filled, rows)."""
    from app.extensions import db
    from app.models import (
        Advisor,
        AvailabilityException,
        AvailabilityRule,
        Booking,
        ConsultationType,
        Role,
        User,
    )

    by_slug = {t.slug: t for t in db.session.scalars(sa.select(ConsultationType))}
    today = datetime.now(ZONE).date()
    context: dict = {
        "types": [by_slug[slug] for slug, _ in TYPE_MIX],
        "weights": [weight for _, weight in TYPE_MIX],
        "clients": list(db.session.scalars(sa.select(User).where(User.role == Role.CLIENT.value))),
        "now": datetime.now(UTC),
        "first_day": today - timedelta(days=365),
        "last_day": today + timedelta(days=365),
        "rules": {},
        "exceptions": {},
        "next_uid": (db.session.scalar(sa.select(sa.func.max(Booking.id))) or 0) + 1,
    }
    for rule in db.session.scalars(sa.select(AvailabilityRule)):
        context["rules"].setdefault(rule.advisor_id, []).append(rule)
    for exception in db.session.scalars(sa.select(AvailabilityException)):
        context["exceptions"].setdefault(exception.advisor_id, []).append(exception)
    has_bookings = set(
        db.session.scalars(
            sa.select(Booking.advisor_id).where(Booking.uid.like(SCALE_UID)).distinct()
        )
    )
    holding = Booking.status.in_(["pending", "confirmed", "completed", "no_show"])
    context["taken"] = {}
    for advisor_id, first, last in db.session.execute(
        sa.select(Booking.advisor_id, Booking.blocked_from, Booking.blocked_until).where(holding)
    ):
        context["taken"].setdefault(advisor_id, []).append((first, last))

    filled = inserted = 0
    for advisor in db.session.scalars(sa.select(Advisor).order_by(Advisor.id)).all():
        if advisor.id in has_bookings:
            continue
        rng = random.Random(seed * 1_000 + advisor.id)  # noqa: S311 (reproducible bench data)
        rows = bookings_for(advisor, context, rng)
        for offset in range(0, len(rows), BATCH):
            db.session.execute(sa.insert(Booking.__table__), rows[offset : offset + BATCH])
        db.session.commit()
        filled += 1
        inserted += len(rows)
        print(f"  advisor {advisor.id:>3}: {len(rows):>6} bookings")
    return filled, inserted


def record_outcomes() -> int:
    """Scale bookings that ended ``OPEN_DAYS`` days ago or earlier get their outcome:
    completed, every twentieth a no-show (idempotent: only confirmed ones change)."""
    from app.extensions import db
    from app.models import Booking

    ended = datetime.now(UTC) - timedelta(days=OPEN_DAYS)
    open_past = sa.and_(
        Booking.uid.like(SCALE_UID), Booking.status == "confirmed", Booking.end < ended
    )
    outcome = sa.case((Booking.id % 20 == 0, "no_show"), else_="completed")
    changed = db.session.execute(sa.update(Booking).where(open_past).values(status=outcome))
    db.session.commit()
    return changed.rowcount


def report(database_url: str) -> None:
    from app.extensions import db
    from app.models import Advisor, Booking, Topic, advisor_topic

    on_topic = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(advisor_topic)
        .join(Topic, Topic.id == advisor_topic.c.topic_id)
        .where(Topic.slug == TOPIC)
    )
    advisors = db.session.scalar(sa.select(sa.func.count(Advisor.id)))
    per_advisor = db.session.execute(
        sa.select(Booking.advisor_id, sa.func.count(Booking.id), sa.func.min(Booking.start),
                  sa.func.max(Booking.start))
        .where(Booking.status.in_(["confirmed", "completed", "no_show"]))
        .group_by(Booking.advisor_id)
    ).all()  # fmt: skip
    total = sum(row[1] for row in per_advisor)
    counts = [row[1] for row in per_advisor] or [0]
    first = min((row[2] for row in per_advisor), default=None)
    last = max((row[3] for row in per_advisor), default=None)
    today = datetime.now(ZONE).date()
    workdays = sum(
        1 for _ in working_days(today - timedelta(days=365), today + timedelta(days=365), set())
    )
    print(f"database:            {sa.make_url(database_url).database}")
    print(f"advisors:            {advisors} ({on_topic} on topic {TOPIC!r})")
    print(f"bookings:            {total} in all (confirmed or with an outcome)")
    print(f"per advisor:         min {min(counts)}, max {max(counts)}")
    print(f"per working day:     {min(counts) / workdays:.1f} (of {workdays} Mon–Fri days)")
    print(f"bookings span:       {first:%Y-%m-%d} … {last:%Y-%m-%d}" if first else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reset", action="store_true", help="drop and re-create the database")
    parser.add_argument("--seed", type=int, default=42, help="random seed for the bookings")
    parser.add_argument("--canvas-notes", type=int, default=60, help="the member's canvas")
    parser.add_argument("--queue", type=int, default=200, help="canvases waiting for review")
    args = parser.parse_args()

    started = clock.perf_counter()
    database_url = prepare_database(args.database_url, args.reset)
    app = make_app(database_url)
    from flask_migrate import upgrade
    from seed_scale_canvases import seed_canvases

    from app.demo import seed
    from app.extensions import db

    with app.app_context():
        upgrade()
        created = seed()
        created_advisors = scale_advisors()
        created += seed()  # weekly hours and holidays for the new advisors
        db.session.commit()
        print(f"demo records new: {created}, bench advisors new: {created_advisors}")
        filled, inserted = scale_bookings(args.seed)
        print(f"bookings new: {inserted} for {filled} advisors")
        print(f"outcomes recorded: {record_outcomes()}")
        notes, queued = seed_canvases(args.canvas_notes, args.queue)
        print(f"canvas notes new: {notes}, canvases queued for review new: {queued}")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        report(database_url)
    print(f"done in {clock.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
