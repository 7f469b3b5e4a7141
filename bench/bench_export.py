"""Export budget (issue 12): a client with 500 bookings downloads their data (the ZIP of
``POST /konto/datenschutz/export``) in ≤ 1 s, with as many SQL statements as a client with
three bookings.

Seeds one organisation with a client who booked ``--bookings`` (default 500) meetings over
two years (mostly completed, some cancelled, some upcoming) with two advisors, wrote notes
on two canvases and invited colleagues; a second client with three bookings. Then, through
the Flask test client in-process, times the export as that client, ``--runs`` times after a
warm-up, and prints median and p95 in ms (wall-clock and CPU) and the statements of both
exports. Run for both databases:

    .venv/bin/python bench/bench_export.py                     # SQLite in a temporary file
    .venv/bin/python bench/bench_export.py --database-url postgresql://postgres@127.0.0.1:5432/bench_h4

Exits 1 if the budget is missed or the statements grow with the bookings.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from bench_feed import bench_arguments, bench_database, logged_in, make_app, percentile, run

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_MS = 1000.0
PASSWORD = "Bench-Passwort-2026"  # noqa: S105  (a throwaway database)


def seed(app, bookings: int) -> tuple[str, str]:
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import (
        Advisor,
        Booking,
        Canvas,
        CanvasNote,
        ConsultationType,
        Invitation,
        Organisation,
        Topic,
        User,
    )

    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        upgrade()
        topic = Topic(slug="digitalisierung", name_de="Digitalisierung", name_en="Digitalisation")
        ctype = ConsultationType(slug="erst", name_de="Erstgespräch", name_en="First meeting")
        org = Organisation(name="Rheinchem Spezialchemie GmbH")
        db.session.add_all([topic, ctype, org])
        advisors = []
        for n in range(2):
            user = User(email=f"berater{n}@hub.example", name=f"Beraterin {n}", role="advisor")
            user.set_password(PASSWORD)
            advisors.append(Advisor(user=user))
        clients = []
        for email in ("viel@rheinchem.example", "wenig@rheinchem.example"):
            client = User(
                email=email, name="Andreas Krüger", organisation=org, email_verified_at=now
            )
            client.set_password(PASSWORD)
            clients.append(client)
        db.session.add_all(advisors + clients)
        db.session.flush()
        for client, count in zip(clients, (bookings, 3), strict=True):
            for n in range(count):
                start = now - timedelta(days=700) + timedelta(hours=30 * n)
                status = (
                    "cancelled" if n % 9 == 0 else ("completed" if start < now else "confirmed")
                )
                db.session.add(
                    Booking(
                        uid=f"{secrets.token_hex(16)}@hub.example",
                        advisor_id=advisors[n % 2].id,
                        consultation_type_id=ctype.id,
                        topic_id=topic.id,
                        booked_by_id=client.id,
                        organisation_id=org.id,
                        start=start,
                        end=start + timedelta(minutes=30),
                        blocked_from=start,
                        blocked_until=start + timedelta(minutes=30),
                        status=status,
                        confirmed_at=start - timedelta(days=2),
                        agenda=f"Agenda {n}: Wie digitalisieren wir das Labor?",
                    )
                )
            for c in range(2):
                canvas = Canvas(
                    organisation_id=org.id,
                    template_key="bmc",
                    title=f"Canvas {c}",
                    created_by_id=client.id,
                )
                db.session.add(canvas)
                db.session.flush()
                for k in range(20):
                    db.session.add(
                        CanvasNote(
                            canvas_id=canvas.id,
                            block_key="channels",
                            text=f"Notiz {k}",
                            position=k,
                            created_by_id=client.id,
                        )
                    )
            for k in range(5):
                db.session.add(
                    Invitation(
                        organisation_id=org.id,
                        invited_by_id=client.id,
                        email=f"kollege{k}.{client.id}@rheinchem.example",
                        token_hash=secrets.token_hex(32),
                        expires_at=now + timedelta(days=7),
                    )
                )
        emails = clients[0].email, clients[1].email
        db.session.commit()
    return emails


def statements_of(app, client) -> int:
    from app.extensions import db

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.post("/konto/datenschutz/export")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise SystemExit(f"export failed: {response.status_code}")
    return len(statements)


def main() -> int:
    parser = bench_arguments(__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=500)
    parser.set_defaults(runs=20, warmup=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database_url = bench_database(args.database_url, scratch, "export")
        app = make_app(database_url)
        many, few = seed(app, args.bookings)
        client = logged_in(app, many, PASSWORD)
        wall, cpu = [], []
        size = 0
        for n in range(args.runs + args.warmup):
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.post("/konto/datenschutz/export")
            elapsed, elapsed_cpu = time.perf_counter() - began, time.process_time() - began_cpu
            if response.status_code != 200:
                raise SystemExit(f"export failed: {response.status_code}")
            size = len(response.data)
            if n >= args.warmup:
                wall.append(elapsed * 1000)
                cpu.append(elapsed_cpu * 1000)
        statements_many = statements_of(app, client)
        statements_few = statements_of(app, logged_in(app, few, PASSWORD))
    median = statistics.median(wall)
    print(f"database: {sa.make_url(database_url).get_backend_name()}")
    print(f"export of {args.bookings} bookings: {size / 1024:.0f} KB ZIP")
    print(
        f"  wall median {median:.1f} ms, p95 {percentile(wall, 0.95):.1f} ms; "
        f"CPU median {statistics.median(cpu):.1f} ms (budget {BUDGET_MS:.0f} ms)"
    )
    print(f"  statements: {statements_many} ({args.bookings} bookings) vs {statements_few} (3)")
    failed = median > BUDGET_MS or statements_many != statements_few
    print("FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    run(main)
