"""Dashboard budget (issue 12): the admin dashboard for one year of 20 advisors' bookings in
≤ 100 ms server time on PostgreSQL, with as many SQL statements as for a week.

Runs against the scaled data of ``bench/seed_scale.py`` (20 advisors, two years of
bookings around today; the demo admin), which it reads and never changes. Through the Flask
test client in-process (``app.test_client()``: the app's own time, without a network), signs
in as the demo admin and times ``GET /admin/?von=<a year ago>&bis=<today>`` ``--runs`` times
after a warm-up: median and p95 in ms (wall-clock and this process's CPU time), the median
against the budget, and the SQL statements of the year's page and of one week's. Also the
CSV of the weekly figure for the same year (for information). The heap is frozen first
(``gc.freeze()``), as ``wsgi.py`` does. Run from the project root after seeding::

    .venv/bin/python bench/seed_scale.py --database-url postgresql://postgres@127.0.0.1:5432/bench_dashboard
    .venv/bin/python bench/bench_dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/bench_dashboard

Exits 1 if the budget is missed or the statements grow with the range, 2 if the benchmark
itself failed.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from bench_feed import (
    bench_arguments,
    count_statements,
    logged_in,
    make_app,
    percentile,
    run,
    timed,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_MS = 100.0
ADMIN = "admin@industryhub.example"
PASSWORD = "Sprechstunde-Demo-2026"  # noqa: S105  (the demo's published password)
BERLIN = ZoneInfo("Europe/Berlin")


def scale(app) -> tuple[int, int]:
    """Advisors and bookings in the database, to print beside the figures."""
    from app.extensions import db
    from app.models import Advisor, Booking

    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count(Advisor.id))),
            db.session.scalar(sa.select(sa.func.count(Booking.id))),
        )


def main() -> int:
    parser = bench_arguments(__doc__.splitlines()[0])
    parser.set_defaults(runs=30)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("give --database-url of a PostgreSQL database seeded by seed_scale.py")
    from app.config import normalise_database_url

    app = make_app(normalise_database_url(args.database_url))
    advisors, bookings = scale(app)
    admin = logged_in(app, ADMIN, PASSWORD)
    today = datetime.now(BERLIN).date()
    first = today - timedelta(days=364)
    year = f"/admin/?von={first.isoformat()}&bis={today.isoformat()}"
    week = f"/admin/?von={today.isoformat()}&bis={(today + timedelta(days=6)).isoformat()}"
    csv = f"/admin/statistik/buchungen.csv?von={first.isoformat()}&bis={today.isoformat()}"

    gc.freeze()
    began = time.perf_counter()
    wall, cpu, response = timed(admin, year, args.runs, args.warmup)
    if response.status_code != 200 or 'role="img"' not in response.get_data(as_text=True):
        raise RuntimeError(f"the dashboard answered {response.status_code}")
    csv_wall, _, download = timed(admin, csv, args.runs, args.warmup)
    if download.status_code != 200:
        raise RuntimeError(f"the CSV answered {download.status_code}")
    elapsed = time.perf_counter() - began
    year_queries = count_statements(app, admin, year)
    week_queries = count_statements(app, admin, week)

    print(f"postgresql: {advisors} advisors, {bookings} bookings; range {first} … {today}")
    print(f"SQL statements: a year {year_queries}, a week {week_queries}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {elapsed:.1f} s")
    median, p95 = statistics.median(wall), percentile(wall, 0.95)
    met = median <= BUDGET_MS
    print(f"{args.runs} runs, ms; the budget is checked on the wall-clock median")
    print(f"{'':18} {'median':>8} {'p95':>8} {'CPU med':>8} {'CPU p95':>8} {'budget':>7}")
    print(
        f"{'dashboard, a year':18} {median:8.2f} {p95:8.2f}"
        f" {statistics.median(cpu):8.2f} {percentile(cpu, 0.95):8.2f}"
        f" {BUDGET_MS:7.0f}  {'ok' if met else 'MISSED'}"
    )
    print(
        f"{'CSV, a year':18} {statistics.median(csv_wall):8.2f} {percentile(csv_wall, 0.95):8.2f}"
    )
    constant = year_queries == week_queries
    if not constant:
        print("statements MISSED: a year needs more than a week")
    print("all budgets met" if met and constant else "budgets MISSED")
    return 0 if met and constant else 1


if __name__ == "__main__":
    run(main)
