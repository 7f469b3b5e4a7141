"""Admin lists budget (issue 12): the account and organisation lists answer in ≤ 30 ms
server time with 2,000 accounts in 400 organisations, in a constant number of statements.

Seeds ``--clients`` (default 2,000) client accounts in ``--organisations`` (default 400)
organisations (a few unconfirmed, deactivated or erased), 40 advisors (some reviewers) and
5 admins, and 3,000 bookings spread over the organisations. Then, through the Flask test
client in-process, times each page of ``--page`` (default: the account list, a search, the
organisation list; give ``--page`` several times for others) as the admin, ``--runs``
times after a warm-up, and prints median and p95 in ms (wall-clock, and the median of this
process's CPU time) with each page's SQL statements.
Run for both databases:

    .venv/bin/python bench/bench_admin_lists.py
    .venv/bin/python bench/bench_admin_lists.py --database-url postgresql://postgres@127.0.0.1:5432/bench_h2

Exits 1 if a budget is missed, 2 if the benchmark itself failed.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from bench_feed import (
    bench_arguments,
    bench_database,
    count_statements,
    logged_in,
    make_app,
    percentile,
    run,
    timed,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_MS = 30.0
PASSWORD = "Bench-Passwort-2026"  # noqa: S105  (a throwaway database)
ADMIN = "admin@hub.example"
PAGES = ("/admin/nutzer", "/admin/nutzer?q=m%C3%BCller", "/admin/organisationen")
CITIES = ("Köln", "Düsseldorf", "Dormagen", "Leverkusen", "Neuss", "Bonn")
SURNAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker")


def seed(app, clients: int, organisations: int) -> None:
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import Advisor, Booking, ConsultationType, Organisation, Topic, User
    from app.models.users import password_hasher

    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        hashed = password_hasher.hash(PASSWORD)
        topic = Topic(slug="digitalisierung", name_de="Digitalisierung", name_en="Digitalisation")
        ctype = ConsultationType(
            slug="erstgespraech", name_de="Erstgespräch", name_en="First consultation"
        )
        db.session.add_all([topic, ctype])
        db.session.flush()
        db.session.execute(
            sa.insert(Organisation),
            [
                {
                    "name": f"Firma {n:03d} {SURNAMES[n % len(SURNAMES)]} GmbH",
                    "industry": ("Chemie", "Handwerk", "Software")[n % 3],
                    "city": CITIES[n % len(CITIES)],
                    "size": "10-49",
                }
                for n in range(organisations)
            ],
        )
        org_ids = list(db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)))
        people = [
            {
                "email": f"person{n}@firma{n % organisations}.example",
                "name": f"{('Anna', 'Jürgen', 'Sabine', 'Thomas')[n % 4]} {SURNAMES[n % 8]} {n}",
                "password_hash": hashed,
                "role": "client",
                "organisation_id": org_ids[n % organisations],
                "active": n % 97 != 0,
                "email_verified_at": None if n % 53 == 0 else now,
                "erased_at": now if n % 211 == 0 else None,
            }
            for n in range(clients)
        ]
        people += [
            {"email": f"berater{n}@hub.example", "name": f"Beraterin {n}", "password_hash": hashed,
             "role": "advisor", "email_verified_at": now}
            for n in range(40)
        ]  # fmt: skip
        people += [
            {"email": ADMIN if n == 0 else f"admin{n}@hub.example", "name": f"Admin {n}",
             "password_hash": hashed, "role": "admin", "email_verified_at": now}
            for n in range(5)
        ]  # fmt: skip
        db.session.execute(sa.insert(User), people)
        advisor_users = db.session.scalars(sa.select(User.id).where(User.role == "advisor"))
        db.session.execute(
            sa.insert(Advisor),
            [{"user_id": uid, "is_reviewer": uid % 3 == 0} for uid in advisor_users],
        )
        advisor_id = db.session.scalar(sa.select(sa.func.min(Advisor.id)))
        booker = dict(db.session.execute(sa.select(User.organisation_id, User.id)).all())
        rows = []
        for n in range(3000):
            start = now + timedelta(minutes=30 * (n - 1500))
            end = start + timedelta(minutes=20)
            org = org_ids[n % organisations]
            rows.append(
                {
                    "uid": f"bench-admin-{n}", "advisor_id": advisor_id,
                    "consultation_type_id": ctype.id, "topic_id": topic.id,
                    "booked_by_id": booker[org], "organisation_id": org, "start": start,
                    "end": end, "blocked_from": start, "blocked_until": end,
                    "status": "confirmed" if n >= 1500 else "completed",
                }
            )  # fmt: skip
        db.session.execute(sa.insert(Booking), rows)
        db.session.commit()


def main() -> int:
    parser = bench_arguments(__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--page", action="append", help="a path to time (repeatable)")
    args = parser.parse_args()
    pages = args.page or list(PAGES)

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        database_url = bench_database(args.database_url, scratch, "admin_lists")
        app = make_app(database_url)
        began = time.perf_counter()
        seed(app, args.clients, args.organisations)
        seeded = time.perf_counter() - began
        admin = logged_in(app, ADMIN, PASSWORD)
        gc.freeze()
        for page in pages:
            wall, cpu, response = timed(admin, page, args.runs, args.warmup)
            if response.status_code != 200:
                raise RuntimeError(f"{page} answered {response.status_code}")
            results.append((page, wall, cpu, count_statements(app, admin, page)))

    name = sa.make_url(database_url).get_backend_name()
    print(
        f"{name}: {args.clients} clients in {args.organisations} organisations, "
        f"seeded in {seeded:.1f} s; {args.runs} runs, ms"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'page':30} {'median':>8} {'p95':>8} {'CPU med':>8} {'SQL':>4} {'budget':>7}")
    met = True
    for page, wall, cpu, statements in results:
        median = statistics.median(wall)
        ok = median <= BUDGET_MS
        met = met and ok
        print(
            f"{page:30} {median:8.2f} {percentile(wall, 0.95):8.2f}"
            f" {statistics.median(cpu):8.2f} {statements:4d}"
            f" {BUDGET_MS:7.0f}  {'ok' if ok else 'MISSED'}"
        )
    print("all budgets met" if met else "budgets MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    run(main)
