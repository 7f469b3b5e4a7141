"""Agenda budget (issue 11): the advisor's week agenda with 200 bookings renders in ≤ 30 ms
server time, with the same number of SQL statements as an almost empty week.

Seeds one advisor with Mon–Fri hours 09–17 (Europe/Berlin) and two years of history
(``--history`` bookings before this week, mostly completed, ``--open`` of them still
confirmed and so waiting for an outcome), 20 organisations with a member each and some
canvases, and ``--bookings`` (default 200) bookings in the current week: every 30 minutes
from 05:00 on each of the seven days, from organisations or guests, a few unconfirmed guest
holds, a few cancelled, some outside the hours, every eighth with a canvas. Then, through
the Flask test client in-process (``app.test_client()``: the app's own time, without a
network), times ``GET /berater/`` (today, this week, the pending badge and the outcome
list: the page as the advisor opens it) and the preview panel of the next two weeks' free
times (``GET /berater/vorschau`` as HTMX fetches it after a save; budget 50 ms) as the
advisor, ``--runs`` times after a warm-up, and prints median and p95 in ms (wall-clock and
this process's CPU time), the median against the budget, plus the SQL statements of the
full week and of a week with two bookings. The heap is frozen first (``gc.freeze()``),
as ``wsgi.py`` does. Run for both databases:

    .venv/bin/python bench/bench_agenda.py                     # SQLite in a temporary file
    .venv/bin/python bench/bench_agenda.py --database-url postgresql://postgres@127.0.0.1:5432/bench_agenda

``--database-url`` defaults to ``TEST_DATABASE_URL`` when that is set, else SQLite; a
PostgreSQL database is emptied first (see ``bench_feed.reset_postgres``).
Exits 1 if the budget is missed or the statements grow with the bookings, 2 if the
benchmark itself failed.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
PREVIEW_BUDGET_MS = 50.0
PASSWORD = "Bench-Passwort-2026"  # noqa: S105  (a throwaway database)
ADVISOR = "katharina.brandt@hub.example"
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = timedelta(weeks=1)


def this_monday() -> date:
    today = datetime.now(BERLIN).date()
    return today - timedelta(days=today.weekday())


def week_rows(monday: date, count: int, now: datetime, base: dict, members, canvases):
    """``count`` bookings in the week of ``monday``, every 30 minutes from 05:00 (20 minutes
    each, so none overlap), the kinds mixed as an advisor's week mixes them."""
    rows = []
    for n in range(count):
        day, slot = divmod(n, 30)
        local = datetime.combine(monday + timedelta(days=day % 7), datetime.min.time())
        start = (local + timedelta(hours=5, minutes=30 * slot)).replace(tzinfo=BERLIN)
        start = start.astimezone(UTC)
        end = start + timedelta(minutes=20)
        row = {**base, "uid": f"bench-week-{n}", "start": start, "end": end}
        row |= {"blocked_from": start, "blocked_until": end, "status": "confirmed"}
        if n % 5 == 0:  # a guest: some still unconfirmed, holding their slot
            row |= {"guest_name": f"Gast {n}", "guest_email": f"gast{n}@firma.example"}
            row |= {"guest_company": f"Gastfirma {n} GmbH"}
            if n % 10 == 0:
                row |= {"status": "pending", "hold_expires_at": now + timedelta(minutes=20)}
        else:
            user_id, organisation_id = members[n % len(members)]
            row |= {"booked_by_id": user_id, "organisation_id": organisation_id}
            if n % 8 == 1:
                row["canvas_id"] = canvases[n % len(canvases)]
        if n % 13 == 0 and row["status"] == "confirmed":
            row["status"] = "cancelled"
        rows.append(row)
    return rows


def history_rows(monday: date, count: int, open_count: int, base: dict, members):
    """``count`` bookings before this week, one every working hour back from Friday."""
    rows = []
    for n in range(count):
        days_back, hour = divmod(n, 8)
        day = monday - timedelta(days=3 + days_back)
        local = datetime.combine(day, datetime.min.time()) + timedelta(hours=9 + hour)
        start = local.replace(tzinfo=BERLIN).astimezone(UTC)
        end = start + timedelta(minutes=30)
        user_id, organisation_id = members[n % len(members)]
        rows.append(
            {
                **base,
                "uid": f"bench-past-{n}",
                "start": start,
                "end": end,
                "blocked_from": start,
                "blocked_until": end,
                "status": "confirmed" if n < open_count else ("completed", "no_show")[n % 9 == 0],
                "booked_by_id": user_id,
                "organisation_id": organisation_id,
            }
        )
    return rows


def seed(app, bookings: int, history: int, open_count: int) -> None:
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import (
        Advisor,
        AvailabilityRule,
        Booking,
        Canvas,
        ConsultationType,
        Organisation,
        Topic,
        User,
    )

    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        topic = Topic(slug="digitalisierung", name_de="Digitalisierung", name_en="Digitalisation")
        ctype = ConsultationType(
            slug="erstgespraech", name_de="Erstgespräch", name_en="First consultation"
        )
        user = User(email=ADVISOR, name="Dr. Katharina Brandt", role="advisor")
        user.set_password(PASSWORD)
        user.email_verified_at = now
        advisor = Advisor(user=user, timezone="Europe/Berlin", topics=[topic])
        db.session.add_all([topic, ctype, advisor])
        db.session.flush()
        for weekday in range(5):
            db.session.add(
                AvailabilityRule(
                    advisor_id=advisor.id,
                    weekday=weekday,
                    start_time=datetime.min.time().replace(hour=9),
                    end_time=datetime.min.time().replace(hour=17),
                )
            )
        organisations = [Organisation(name=f"Chemiefirma {n} GmbH") for n in range(20)]
        db.session.add_all(organisations)
        db.session.flush()
        people = [
            User(
                email=f"kontakt{n}@firma.example",
                name=f"Kontakt {n}",
                organisation_id=o.id,
                password_hash="!",  # noqa: S106  (no login: they only book)
            )
            for n, o in enumerate(organisations)
        ]
        db.session.add_all(people)
        canvases = [
            Canvas(organisation_id=o.id, template_key="bmc", title=f"Geschäftsmodell {o.id}")
            for o in organisations[:5]
        ]
        db.session.add_all(canvases)
        db.session.flush()
        members = [(p.id, p.organisation_id) for p in people]
        # One executemany: every row names the same columns.
        optional = "booked_by_id organisation_id guest_name guest_email guest_company"
        base = dict.fromkeys(f"{optional} hold_expires_at canvas_id".split()) | {
            "advisor_id": advisor.id,
            "consultation_type_id": ctype.id,
            "topic_id": topic.id,
            "agenda": "Wie digitalisieren wir unsere Rezepturverwaltung?",
        }
        monday = this_monday()
        later = week_rows(monday + 2 * WEEK, 2, now, base, members, [c.id for c in canvases])
        for row in later:
            row["uid"] = row["uid"].replace("week", "sparse")
        db.session.execute(
            sa.insert(Booking),
            week_rows(monday, bookings, now, base, members, [c.id for c in canvases])
            + later
            + history_rows(monday, history, open_count, base, members),
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()


def main() -> int:
    parser = bench_arguments(__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=200)
    parser.add_argument("--history", type=int, default=3000)
    parser.add_argument("--open", type=int, default=40, help="past bookings without outcome")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        database_url = bench_database(args.database_url, scratch, "agenda")
        app = make_app(database_url)
        began = time.perf_counter()
        seed(app, args.bookings, args.history, args.open)
        seeded = time.perf_counter() - began
        advisor = logged_in(app, ADVISOR, PASSWORD)
        page = "/berater/"
        sparse = f"/berater/?woche={this_monday() + 2 * WEEK}"  # a week of two bookings

        gc.freeze()
        wall, cpu, response = timed(advisor, page, args.runs, args.warmup)
        if response.status_code != 200:
            raise RuntimeError(f"the agenda answered {response.status_code}")
        shown = response.get_data(as_text=True).count('href="/berater/termin/')
        # The preview panel as it refreshes itself after a save: an HTMX fragment.
        preview_wall, _, preview = timed(
            advisor, "/berater/vorschau", args.runs, args.warmup, **{"HX-Request": "true"}
        )
        if preview.status_code != 200:
            raise RuntimeError(f"the preview answered {preview.status_code}")
        full_queries = count_statements(app, advisor, page)
        sparse_queries = count_statements(app, advisor, sparse)

    name = sa.make_url(database_url).get_backend_name()
    print(
        f"{name}: {args.bookings} bookings this week, {args.history} before it "
        f"({args.open} waiting for an outcome), seeded in {seeded:.1f} s; {shown} links shown"
    )
    print(f"SQL statements: full week {full_queries}, a week of two bookings {sparse_queries}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    median, p95 = statistics.median(wall), percentile(wall, 0.95)
    met = median <= BUDGET_MS
    print(f"{args.runs} runs, ms; the budget is checked on the wall-clock median")
    print(f"{'':18} {'median':>8} {'p95':>8} {'CPU med':>8} {'CPU p95':>8} {'budget':>7}")
    print(
        f"{f'agenda, {args.bookings}':18} {median:8.2f} {p95:8.2f}"
        f" {statistics.median(cpu):8.2f} {percentile(cpu, 0.95):8.2f}"
        f" {BUDGET_MS:7.0f}  {'ok' if met else 'MISSED'}"
    )
    preview_median = statistics.median(preview_wall)
    preview_met = preview_median <= PREVIEW_BUDGET_MS
    print(
        f"{'preview, 2 weeks':18} {preview_median:8.2f} {percentile(preview_wall, 0.95):8.2f}"
        f" {'':8} {'':8} {PREVIEW_BUDGET_MS:7.0f}  {'ok' if preview_met else 'MISSED'}"
    )
    met = met and preview_met
    constant = full_queries == sparse_queries
    if not constant:
        print("statements MISSED: the full week needs more than a sparse one")
    print("all budgets met" if met and constant else "budgets MISSED")
    return 0 if met and constant else 1


if __name__ == "__main__":
    run(main)
