"""Canvas budgets (issue 10): a canvas with 300 notes renders in ≤ 30 ms, one note update
answers in ≤ 10 ms, the review queue with 1,000 canvases in ≤ 30 ms (server time, p95).

Seeds an organisation whose member has a Business Model Canvas with ``--notes`` notes
(default 300, spread over the nine blocks, added through ``app.canvas.notes`` as the page
adds them) that was submitted once and carries a few review comments, and ``--canvases``
(default 1,000) further submitted canvases of 50 other organisations, waiting for review or
in review. Then, through the Flask test client in-process (``app.test_client()``: the
app's own time, without a network), times

1. ``GET /canvas/<id>`` as the member (the whole page: board, comments, legend);
2. ``POST /canvas/<id>/notizen/<note>`` as htmx sends it (``HX-Request``), changing one
   note's text: the view, the optimistic version check, the write and the note's fragment;
3. ``GET /canvas/pruefung`` as an admin (the queue's first page of 1,000 waiting canvases);

``--runs`` times each after a warm-up, and prints median and p95 in ms (wall-clock and this
process's CPU time) against the budgets, plus the SQL statements of each. The heap is
frozen first (``gc.freeze()``), as ``wsgi.py`` does. Run for both databases:

    .venv/bin/python bench/bench_canvas.py                     # SQLite in a temporary file
    .venv/bin/python bench/bench_canvas.py --database-url postgresql://postgres@127.0.0.1:5432/bench_canvas

``--database-url`` defaults to ``TEST_DATABASE_URL`` when that is set, else SQLite; a
PostgreSQL database is emptied first (see ``bench_feed.reset_postgres``).
Exits 1 if a budget is missed, 2 if the benchmark itself failed.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
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
from seed_scale_canvases import queue_for_review

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGE_BUDGET_MS = 30.0
UPDATE_BUDGET_MS = 10.0
QUEUE_BUDGET_MS = 30.0
PASSWORD = "Bench-Passwort-2026"  # noqa: S105  (a throwaway database)


def seed(app, notes: int, canvases: int) -> tuple[int, int]:
    """The member's canvas with ``notes`` notes and ``canvases`` others waiting for review;
    returns the canvas's id and one note's id."""
    from flask_migrate import upgrade

    from app.canvas import notes as note_service
    from app.canvas import review, service
    from app.canvas.snapshot import snapshot
    from app.canvas.templates import get
    from app.database import begin_write
    from app.extensions import db
    from app.models import Organisation, User

    with app.app_context():
        upgrade()
        organisation = Organisation(name="Rheinchem Spezialchemie GmbH")
        member = User(email="andreas.krueger@rheinchem.example", name="Andreas Krüger")
        admin = User(email="admin@hub.example", name="Nina Albers", role="admin")
        for user in (member, admin):
            user.set_password(PASSWORD)
            user.email_verified_at = datetime.now(UTC)
        member.organisation = organisation
        db.session.add_all([organisation, member, admin])
        db.session.commit()

        begin_write(db.session())
        canvas = service.create_canvas(member, "bmc", "Digitaler Rezepturservice", "de")
        blocks = get("bmc").block_keys
        for n in range(notes):
            text = f"Notiz {n}: Rezepturen digital freigeben, Kleinmengen ab 25 kg, CO₂ je Charge"
            note_service.add_note(canvas, member, blocks[n % len(blocks)], text)
        version = service.submit(canvas, member)
        for block in blocks[:5]:
            review.add_comment(version, admin, "Bitte mit Zahlen belegen.", block)
        note_id = service.live_notes(canvas)[0].id
        db.session.commit()

        others = [Organisation(name=f"Firma {n} GmbH") for n in range(50)]
        db.session.add_all(others)
        db.session.flush()
        data = snapshot(canvas, get("bmc"), service.live_notes(canvas)[:12])
        queue_for_review(
            data, [o.id for o in others], canvases, templates=("bmc", "tlbmc", "lean"), spacing=1
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
        return canvas.id, note_id


def timed_updates(client, path: str, runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Each update changes the text and sends the version the previous one left."""
    wall: list[float] = []
    cpu: list[float] = []
    for n in range(runs + warmup):
        form = {"text": f"Rezepturen digital freigeben ({n})", "version": n + 1}
        began, began_cpu = time.perf_counter(), time.process_time()
        answer = client.post(path, data=form, headers={"HX-Request": "true"})
        if answer.status_code != 200:
            raise RuntimeError(f"note update answered {answer.status_code}")
        if n >= warmup:
            wall.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
    return wall, cpu


def main() -> int:
    parser = bench_arguments(__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--canvases", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        database_url = bench_database(args.database_url, scratch, "canvas")
        app = make_app(database_url)
        began = time.perf_counter()
        canvas_id, note_id = seed(app, args.notes, args.canvases)
        seeded = time.perf_counter() - began
        member = logged_in(app, "andreas.krueger@rheinchem.example", PASSWORD)
        admin = logged_in(app, "admin@hub.example", PASSWORD)
        page, update = f"/canvas/{canvas_id}", f"/canvas/{canvas_id}/notizen/{note_id}"
        queue = "/canvas/pruefung"

        gc.freeze()
        shown = timed(member, page, args.runs, args.warmup)
        if shown[2].status_code != 200:
            raise RuntimeError(f"the canvas page answered {shown[2].status_code}")
        updated = timed_updates(member, update, args.runs, args.warmup)
        listed = timed(admin, queue, args.runs, args.warmup)
        if listed[2].status_code != 200:
            raise RuntimeError(f"the review queue answered {listed[2].status_code}")
        page_queries = count_statements(app, member, page)
        queue_queries = count_statements(app, admin, queue)

    name = sa.make_url(database_url).get_backend_name()
    print(f"{name}: {args.notes} notes, {args.canvases} canvases seeded in {seeded:.1f} s")
    print(f"SQL statements: canvas page {page_queries}, review queue {queue_queries}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = [
        (f"page, {args.notes} notes", shown[:2], PAGE_BUDGET_MS),
        ("note update", updated, UPDATE_BUDGET_MS),
        (f"queue, {args.canvases}", listed[:2], QUEUE_BUDGET_MS),
    ]
    missed = []
    print(f"{args.runs} runs each, ms; the budget is checked on the wall-clock p95")
    print(f"{'':18} {'median':>8} {'p95':>8} {'CPU med':>8} {'CPU p95':>8} {'budget':>7}")
    for label, (wall, cpu), budget in results:
        p95 = percentile(wall, 0.95)
        missed += [] if p95 <= budget else [label]
        verdict = f"{budget:7.0f}  {'ok' if p95 <= budget else 'MISSED'}"
        print(
            f"{label:18} {statistics.median(wall):8.2f} {p95:8.2f} {statistics.median(cpu):8.2f}"
            f" {percentile(cpu, 0.95):8.2f} {verdict:>7}"
        )
    print("all budgets met" if not missed else f"budgets MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    run(main)
