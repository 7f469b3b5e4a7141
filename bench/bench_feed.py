"""Advisor feed budgets (issue 9): an advisor with 3,000 bookings; the feed ≤ 50 ms, a 304 ≤ 5 ms.

Seeds one advisor with ``--bookings`` bookings (default 3,000) that all fall into the feed's
window (from 85 days back to about a year ahead): confirmed, completed, no-show and
confirmed-then-cancelled ones, a fifth of them guests, video ones with a room. Then, through
the Flask test client in-process (``app.test_client()``, as a calendar app's request reaches
the view, without a network), times

1. ``GET /kalender/<token>.ics`` (200, the whole feed) in three situations: "after
   restart" (no event written in this process yet, no feed stored; for information: it
   happens once per process and advisor), "after a change" (a booking changed, so the
   stored feed is out of date and is written again, its unchanged events from
   ``app.calendar.feed``'s cache) and "unchanged" (the stored feed, as every poll between
   two changes gets it, asked without ``If-None-Match`` as Google does; once more with
   ``Accept-Encoding: gzip``);
2. the same with ``If-None-Match`` (304),

``--runs`` times each after a warm-up, and prints median and p95 in ms against the budgets
(wall-clock, and this process's CPU time, which a busy machine disturbs less; on PostgreSQL
the server's work is in the wall-clock figure only), plus the SQL statements of each (1 and
2) and the feed's size. The heap the app loaded is frozen first (``gc.freeze()``), as
``wsgi.py`` does in production; "after restart" is repeated with the collector paused ("no
gc", for information), to show what collections of the many new objects cost.
Run for both databases:

    .venv/bin/python bench/bench_feed.py                       # SQLite in a temporary file
    .venv/bin/python bench/bench_feed.py --database-url postgresql://postgres@127.0.0.1:5432/bench_feed

``--database-url`` defaults to ``TEST_DATABASE_URL`` when that is set, else SQLite. A
PostgreSQL database is emptied first (``DROP SCHEMA public CASCADE``) and migrated, so the
script refuses the databases ``postgres`` and ``test`` and any host but 127.0.0.1.
Exits 1 if a budget is missed, 2 if the benchmark itself failed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FEED_BUDGET_MS = 50.0
NOT_MODIFIED_BUDGET_MS = 5.0
REFUSED_DATABASES = {"postgres", "test", "template0", "template1"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def make_app(database_url: str):
    """The site for an in-process bench (the agenda and canvas benches use it too)."""
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "BASE_URL": "https://sprechstunde.hub.example",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,  # the benches log in and post without reading forms
        }
    )


def logged_in(app, email: str, password: str):
    """A test client signed in as ``email`` (the benches time pages behind the login)."""
    client = app.test_client()
    answer = client.post("/konto/anmelden", data={"email": email, "password": password})
    if answer.status_code != 302:
        raise RuntimeError(f"login as {email} answered {answer.status_code}")
    return client


def run(main) -> None:
    """Exit with ``main()``'s status: 0 when every budget held, 1 when one was missed, 2
    (with the reason, not a traceback) when the bench could not run at all."""
    try:
        sys.exit(main())
    except (RuntimeError, OSError, sa.exc.SQLAlchemyError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(2)


def bench_arguments(description: str) -> argparse.ArgumentParser:
    """The options every in-process bench takes; each adds its own sizes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    return parser


def bench_database(database_url: str, scratch: str, name: str) -> str:
    """The PostgreSQL database given, emptied first; else a fresh SQLite file in ``scratch``."""
    from app.config import normalise_database_url

    if database_url:
        database_url = normalise_database_url(database_url)
        reset_postgres(database_url)
        return database_url
    return f"sqlite:///{Path(scratch) / f'{name}.sqlite'}"


def reset_postgres(database_url: str) -> None:
    url = sa.make_url(database_url)
    if url.host not in {"127.0.0.1", "localhost"}:
        raise SystemExit("the benchmark only talks to a database on 127.0.0.1")
    if url.database in REFUSED_DATABASES:
        raise SystemExit(f"refusing to empty the database {url.database!r}: name another one")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def seed(app, bookings: int) -> str:
    """One advisor with ``bookings`` bookings in the feed's window; returns the feed token."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import Advisor, Booking, ConsultationType, Organisation, Topic, User

    rng = random.Random(9)  # noqa: S311  (test data, not secrets)
    with app.app_context():
        upgrade()
        topic = Topic(slug="digitalisierung", name_de="Digitalisierung", name_en="Digitalisation")
        types = [
            ConsultationType(
                slug="erstgespraech",
                name_de="Erstgespräch Digitalisierung",
                name_en="First consultation on digitalisation",
                duration_minutes=30,
                location_kind="video",
            ),
            ConsultationType(
                slug="foerdermittel",
                name_de="Fördermittelberatung",
                name_en="Funding advice",
                duration_minutes=60,
                location_kind="on_site",
                location_detail_de="Industriestraße 12, 41460 Neuss, Raum 2.14",
            ),
            ConsultationType(
                slug="telefon",
                name_de="Kurzberatung am Telefon",
                name_en="Short advice by phone",
                duration_minutes=15,
                location_kind="phone",
                location_detail_de="+49 2131 123456",
            ),
        ]
        organisation = Organisation(name="Rheinchem Spezialchemie GmbH")
        db.session.add_all([topic, *types, organisation])
        db.session.flush()
        client = User(
            email="andreas.krueger@rheinchem.example",
            name="Andreas Krüger",
            password_hash="-",  # noqa: S106  (nobody logs in)
            organisation_id=organisation.id,
        )
        person = User(
            email="katharina.brandt@hub.example",
            name="Dr. Katharina Brandt",
            password_hash="-",  # noqa: S106  (nobody logs in)
            role="advisor",
        )
        db.session.add_all([client, person])
        db.session.flush()
        token = secrets.token_urlsafe(32)
        advisor = Advisor(user_id=person.id, feed_token=token)
        db.session.add(advisor)
        db.session.flush()

        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        first = now - timedelta(days=85)
        rows = []
        moment = first.replace(hour=8)
        for _ in range(bookings):
            ctype = rng.choice(types)
            moment += timedelta(minutes=rng.choice((60, 90, 120, 180, 1440 - 480)))
            if moment.hour >= 17:
                moment = (moment + timedelta(days=1)).replace(hour=8)
            start, end = moment, moment + timedelta(minutes=ctype.duration_minutes)
            past = start < now
            status = rng.choices(
                [
                    "completed" if past else "confirmed",
                    "cancelled",
                    "no_show" if past else "confirmed",
                ],
                weights=(85, 10, 5),
            )[0]
            guest = rng.random() < 0.2
            rows.append(
                {
                    "uid": f"{secrets.token_hex(16)}@hub.example",
                    "advisor_id": advisor.id,
                    "consultation_type_id": ctype.id,
                    "topic_id": topic.id,
                    "booked_by_id": None if guest else client.id,
                    "organisation_id": None if guest else organisation.id,
                    "guest_name": "Eva Gast; Büro, Köln" if guest else None,
                    "guest_email": "eva@gast.example" if guest else None,
                    "guest_company": "Gast GmbH & Co. KG" if guest else None,
                    "start": start,
                    "end": end,
                    "blocked_from": start,
                    "blocked_until": end,
                    "status": status,
                    "sequence": rng.choice((0, 0, 0, 1, 2)),
                    "meeting_url": (
                        f"https://meet.hub.example/sprechstunde-{secrets.token_hex(16)}"
                        if ctype.location_kind == "video"
                        else None
                    ),
                    "agenda": "Wie digitalisieren wir unser Labor? " * 5,
                    "confirmed_at": start - timedelta(days=7),
                    "created_at": start - timedelta(days=8),
                    "updated_at": start - timedelta(days=7),
                }
            )
        db.session.execute(sa.insert(Booking), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    return token


def forget_written_events() -> None:
    """As after a restart: no event written yet in this process (and no feed stored)."""
    from app.advisor import feed as feed_view
    from app.calendar import feed

    feed._written.cache_clear()
    feed._text_line.cache_clear()
    feed_view._ENTRIES.clear()
    forget_stored_feeds()


def forget_stored_feeds() -> None:
    """As after a booking change: the stored feed is out of date (its ETag changed)."""
    from app.extensions import cache

    cache.clear()


def timed(
    client, path: str, runs: int, warmup: int, forget=None, collect: bool = True, **headers
) -> tuple[list[float], list[float], object]:
    """Wall-clock and this process's CPU time (ms) of each request after the warm-up, each
    after ``forget()`` if given; ``collect=False`` pauses Python's garbage collector during
    each request."""
    wall: list[float] = []
    cpu: list[float] = []
    response = None
    for n in range(runs + warmup):
        if forget is not None:
            with client.application.app_context():
                forget()
        if not collect:
            gc.disable()
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        gc.enable()
        if n >= warmup:
            wall.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
    return wall, cpu, response


def count_statements(app, client, path: str, **headers) -> int:
    from app.extensions import db

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def main() -> int:
    parser = bench_arguments(__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=3000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        database_url = bench_database(args.database_url, scratch, "feed")
        app = make_app(database_url)
        began = time.perf_counter()
        token = seed(app, args.bookings)
        seeded = time.perf_counter() - began
        client = app.test_client()
        path = f"/kalender/{token}.ics"

        # As wsgi.py does in production: what loading the app made is out of the collector's
        # sight (the bench's app is made here, not by importing wsgi).
        gc.freeze()
        cold = timed(client, path, args.runs, args.warmup, forget=forget_written_events)
        cold_no_gc = timed(
            client, path, args.runs, args.warmup, forget=forget_written_events, collect=False
        )
        changed = timed(client, path, args.runs, args.warmup, forget=forget_stored_feeds)
        feed = timed(client, path, args.runs, args.warmup)
        packed = timed(client, path, args.runs, args.warmup, **{"Accept-Encoding": "gzip"})
        response = feed[2]
        if response.status_code != 200:
            raise RuntimeError(f"feed answered {response.status_code}")
        body = response.get_data()
        etag = response.headers["ETag"]
        not_modified = timed(client, path, args.runs, args.warmup, **{"If-None-Match": etag})
        if not_modified[2].status_code != 304:
            raise RuntimeError(f"the conditional request answered {not_modified[2].status_code}")
        with app.app_context():
            forget_stored_feeds()  # count the statements of writing it
        queries = count_statements(app, client, path)
        queries_304 = count_statements(app, client, path, **{"If-None-Match": etag})

    events = body.count(b"BEGIN:VEVENT")
    name = sa.make_url(database_url).get_backend_name()
    print(f"{name}: {args.bookings} bookings seeded in {seeded:.1f} s; now {time.ctime()}")
    print(f"feed: {events} events, {len(body) / 1024:.0f} KiB, {queries} SQL statements")
    print(f"304: {queries_304} SQL statement(s)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = [
        ("after restart", cold, None),
        ("  (no gc)", cold_no_gc, None),
        ("after a change", changed, FEED_BUDGET_MS),
        ("unchanged", feed, FEED_BUDGET_MS),
        ("  gzip", packed, FEED_BUDGET_MS),
        ("feed 304", not_modified, NOT_MODIFIED_BUDGET_MS),
    ]
    missed = []
    print(f"{args.runs} runs each, ms; the budget is checked on the wall-clock p95")
    print(f"{'':15} {'median':>8} {'p95':>8} {'CPU med':>8} {'CPU p95':>8} {'budget':>7}")
    for label, (wall, cpu, _response), budget in results:
        p95 = percentile(wall, 0.95)
        ok = budget is None or p95 <= budget
        missed += [] if ok else [label]
        verdict = "info" if budget is None else f"{budget:7.0f}  {'ok' if ok else 'MISSED'}"
        print(
            f"{label:15} {statistics.median(wall):8.2f} {p95:8.2f} {statistics.median(cpu):8.2f}"
            f" {percentile(cpu, 0.95):8.2f} {verdict:>7}"
        )
    print("all budgets met" if not missed else f"budgets MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    run(main)
