"""Slot picker budgets (DESIGN.md §9), measured in one run against ``bench/seed_scale.py``'s data.

1. Slot computation, 4-week window, one advisor at a time (round robin over the 20 advisors
   of "digitalisierung", type "erstgespraech"): ``free_slots_by_advisor`` for one advisor
   (its calendar loaded from PostgreSQL: two statements, then the computation), and the pure
   ``free_slots`` call alone on calendars loaded beforehand. Median and p95 in ms, and as a
   ratio to the 5 ms budget (the budget is checked on the pure computation's p95).
2. SQL statements of one picker request, in-process (``app.test_client()`` and an SQLAlchemy
   ``before_cursor_execute`` listener): one advisor vs "any" (20 advisors) must be equal.
3. Where an "any" picker request spends its time, in-process (for information), and a
   realistic mix of picker requests (``bench/picker_mix.py``: every advisor and "any" × 8
   weeks × two types, the other topics, a calendar version bumped every 25 requests as
   bookings do) in ms per request, with the fragment cache off beside on.
4. The picker fragment ``GET /beratung/termine?type=erstgespraech&topic=digitalisierung&
   advisor=any&week=<Monday about 3 weeks ahead>`` as a day link asks for it (HTMX, target
   the calendar: the month of that day with its free days, and the day's times), served by
   gunicorn (``-w 2``, sync workers) on 127.0.0.1: p50/p95 over sequential requests after a
   warm-up (budget: p95 ≤ 50 ms), and throughput under a bounded concurrent load (client
   threads with http.client connections, fixed request count, time cap).
5. The same throughput for ``bench/hello_app.py`` under the same gunicorn settings; the
   picker must reach at least 1/3 of it. For information also the app's ``/healthz``.

Prints a table and exits 1 if a budget is missed (2 if the benchmark itself failed).
Only 127.0.0.1 is contacted; gunicorn is stopped at the end, also after an error.
Run from the project root after ``bench/seed_scale.py``::

    .venv/bin/python bench/bench_picker.py [--database-url URL]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_sprechstunde"
HOST = "127.0.0.1"
TYPE, TOPIC = "erstgespraech", "digitalisierung"
EXPECTED_ADVISORS = 20

SLOT_BUDGET_MS = 5.0
PICKER_P95_BUDGET_MS = 50.0
THROUGHPUT_RATIO_BUDGET = 1 / 3


# ---------------------------------------------------------------------------------- helpers


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Row:
    what: str
    value: str
    budget: str = ""
    ratio: str = ""
    ok: bool | None = None  # None: for information, no budget


def make_app(database_url: str, cache_type: str = "NullCache"):
    """The app in-process, by default without the fragment cache: the uncached work."""
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "BASE_URL": "http://127.0.0.1:5000",
            "RATELIMIT_ENABLED": False,
            "CACHE_TYPE": cache_type,
            "LOG_LEVEL": "WARNING",  # no request log line per in-process request
        }
    )


def picker_monday(zone_name: str) -> str:
    """The Monday of the week three weeks from today, in the viewer's zone."""
    day = datetime.now(ZoneInfo(zone_name)).date() + timedelta(days=21)
    return (day - timedelta(days=day.weekday())).isoformat()


# What a day or month link of the picker sends: HTMX swapping the calendar part only.
NAVIGATION = {"HX-Request": "true", "HX-Target": "slot-picker"}


def picker_path(advisor: str, week: str) -> str:
    query = urlencode({"type": TYPE, "topic": TOPIC, "advisor": advisor, "week": week})
    return f"/beratung/termine?{query}"


# ---------------------------------------------------------------- 1. slot computation


def bench_slot_computation(app, samples: int) -> tuple[list[Row], list[int]]:
    from app.booking.availability import free_slots_by_advisor, load_calendars, rules_for
    from app.booking.choice import local_midnight
    from app.extensions import db
    from app.models import Advisor, Booking, ConsultationType, Topic
    from app.models.types import utcnow

    with app.app_context():
        ctype = db.session.scalar(sa.select(ConsultationType).where(ConsultationType.slug == TYPE))
        topic = db.session.scalar(sa.select(Topic).where(Topic.slug == TOPIC))
        if ctype is None or topic is None:
            raise SystemExit("no demo data: run bench/seed_scale.py first")
        advisors = list(
            db.session.scalars(
                sa.select(Advisor).where(Advisor.topics.contains(topic)).order_by(Advisor.id)
            )
        )
        advisor_ids = [advisor.id for advisor in advisors]
        if len(advisors) != EXPECTED_ADVISORS:
            raise SystemExit(f"expected {EXPECTED_ADVISORS} advisors on {TOPIC}: run seed_scale")
        bookings = db.session.execute(
            sa.select(Booking.advisor_id, sa.func.count(Booking.id))
            .where(Booking.advisor_id.in_(advisor_ids))
            .group_by(Booking.advisor_id)
        ).all()
        per_advisor = sorted(count for _, count in bookings) or [0]

        zone = advisors[0].timezone
        now = utcnow()
        # A 4-week window from next week's Monday: inside the type's 60-day horizon.
        monday = date.fromisoformat(picker_monday(zone)) - timedelta(days=14)
        start = local_midnight(monday, ZoneInfo(zone))
        end = local_midnight(monday + timedelta(days=28), ZoneInfo(zone))

        # With the calendar loaded from the database: what one advisor's picker costs.
        with_db: list[float] = []
        for n in range(samples + 20):
            advisor = advisors[n % len(advisors)]
            began = time.perf_counter()
            free_slots_by_advisor([advisor], ctype, start, end, now)
            if n >= 20:  # warm-up
                with_db.append((time.perf_counter() - began) * 1000)
            db.session.rollback()

        # The pure computation on calendars loaded beforehand.
        calendars = load_calendars(advisors, ctype, start, end, now)
        rules = rules_for(ctype)
        pure: list[float] = []
        slot_counts = []
        gc.disable()  # as timeit (and bench_slots.py) do: the computation, not the collector
        try:
            for n in range(samples * 5 + 50):
                calendar = calendars[advisors[n % len(advisors)].id]
                began = time.perf_counter()
                slots = calendar.free_slots(rules, now, start, end)
                if n >= 50:
                    pure.append((time.perf_counter() - began) * 1000)
                    slot_counts.append(len(slots))
        finally:
            gc.enable()
        in_window = [len(calendar.booked) for calendar in calendars.values()]

    window = f"{monday:%Y-%m-%d} +28 d"
    rows = [
        Row(
            "bookings per advisor (2 years) / in window",
            f"{per_advisor[0]}–{per_advisor[-1]} / {min(in_window)}–{max(in_window)}",
        ),
        Row(
            f"free_slots_by_advisor, 1 advisor + DB, {window}: p50 / p95",
            f"{statistics.median(with_db):.2f} / {percentile(with_db, 0.95):.2f} ms",
            f"info ({SLOT_BUDGET_MS:g} ms)",
            f"{percentile(with_db, 0.95) / SLOT_BUDGET_MS:.2f}",
        ),
        Row(
            f"free_slots (pure), {window}: p50 / p95",
            f"{statistics.median(pure):.2f} / {percentile(pure, 0.95):.2f} ms",
            f"p95 ≤ {SLOT_BUDGET_MS:g} ms",
            f"{percentile(pure, 0.95) / SLOT_BUDGET_MS:.2f}",
            percentile(pure, 0.95) <= SLOT_BUDGET_MS,
        ),
        Row("free slots found per advisor and window", f"{min(slot_counts)}–{max(slot_counts)}"),
    ]
    return rows, advisor_ids


# ------------------------------------------------------------------ 2. SQL statements


def bench_query_count(app, one_advisor_id: int, week: str) -> list[Row]:
    from app.extensions import db

    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    client = app.test_client()
    headers = NAVIGATION
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for label, advisor in (("1 advisor", str(one_advisor_id)), ("any (20)", "any")):
            client.get(picker_path(advisor, week), headers=headers)  # warm-up
            statements.clear()
            response = client.get(picker_path(advisor, week), headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"picker answered {response.status_code} in-process")
            counts[label] = len(statements)
            sizes[label] = response.data.count(b'class="slot"')
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    same = len(set(counts.values())) == 1
    return [
        Row(
            "SQL statements per picker request: 1 advisor / any",
            f"{counts['1 advisor']} / {counts['any (20)']}",
            "equal",
            "",
            same,
        ),
        Row(
            "slots in the fragment: 1 advisor / any",
            f"{sizes['1 advisor']} / {sizes['any (20)']}",
        ),
    ]


def bench_breakdown(app, week: str, count: int) -> list[Row]:
    """Where one "any" picker request spends its time, in-process (for finding bottlenecks).

    Wraps the view's steps in timers for this process only (the app is not changed) and
    times the SQL statements with ``before``/``after_cursor_execute``.
    """
    import app.booking.availability as availability
    import app.booking.routes as routes
    from app.extensions import db

    spent: dict[str, float] = collections.defaultdict(float)
    sql = "SQL execute, all statements (server + transfer)"

    def timed(label: str, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - began

        return wrapper

    def before(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def after(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
        spent[sql] += time.perf_counter() - conn.info["bench_began"]

    patches = [
        (routes, "current_offer", "current_offer (types, topics, advisors)"),
        (routes, "open_month", "open_month (the month's free days)"),
        (
            availability,
            "load_calendars",
            "  of which load_calendars (2 statements, rows → slot inputs)",
        ),
        (availability, "free_slots", "  of which free_slots × 20 advisors"),
        (routes, "render", "render (Jinja fragment)"),
    ]
    originals = [(module, name, getattr(module, name)) for module, name, _ in patches]
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    path, headers = picker_path("any", week), NAVIGATION
    for _ in range(10):
        client.get(path, headers=headers)  # warm-up
    totals: list[float] = []
    for module, name, label in patches:
        setattr(module, name, timed(label, getattr(module, name)))
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        for _ in range(count):
            began = time.perf_counter()
            if client.get(path, headers=headers).status_code != 200:
                raise RuntimeError("picker failed in-process")
            totals.append(time.perf_counter() - began)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        for module, name, original in originals:
            setattr(module, name, original)
    mean = sum(totals) / count
    rows = [
        Row(
            f"in-process picker (any), {count} requests: p50 / mean",
            f"{statistics.median(totals) * 1000:.1f} / {mean * 1000:.1f} ms",
        )
    ]
    for label in [*(label for _, _, label in patches), sql]:
        share = spent[label] / count
        rows.append(Row(f"  mean {label}", f"{share * 1000:.1f} ms ({share / mean:.0%})"))
    return rows


def bench_mix(database_url: str, advisor_ids: list[int], week: str, bump_every: int) -> list[Row]:
    """The realistic mix (``picker_mix``), in-process: cache off, then on."""
    import picker_mix

    first = date.fromisoformat(week) - timedelta(weeks=2)  # next week's Monday
    rows = []
    for label, cache_type in (("off", "NullCache"), ("on", "SimpleCache")):
        app = make_app(database_url, cache_type)
        paths = picker_mix.mix_paths(app, TOPIC, advisor_ids, first)
        if cache_type != "NullCache":
            picker_mix.run(app, paths, advisor_ids, 0)  # the first pass fills the cache
        spent = picker_mix.run(app, paths, advisor_ids, bump_every)
        rows.append(
            Row(
                f"mix of {len(paths)} picker requests, cache {label}: p50 / p95 / mean",
                picker_mix.summary(spent),
            )
        )
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    return rows


# -------------------------------------------------------------------------- 3. gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn -w WORKERS -b 127.0.0.1:PORT APP``, stopped on exit whatever happens."""

    def __init__(self, target: str, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.target = target
        self.env = {**os.environ, **env}
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log: collections.deque[str] = collections.deque(maxlen=40)

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers),
            "--bind", f"{HOST}:{self.port}",
            "--log-level", "warning",
            self.target,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv: our own gunicorn, no shell)
            command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stderr is not None  # noqa: S101
        for line in self.process.stderr:
            self.log.append(line.rstrip())

    def wait_ready(self, path: str, headers: dict[str, str], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    return
                time.sleep(0.2)  # let the error's log lines arrive
                raise RuntimeError(
                    f"{self.target} answered {response.status} to {path}:\n" + "\n".join(self.log)
                )
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.target} did not start:\n" + "\n".join(self.log))

    def __exit__(self, *_exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM to the master (our own child): graceful shutdown
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def get(connection: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    """One GET; http.client reconnects by itself after a ``Connection: close`` answer."""
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return len(body)


def sequential(port: int, path: str, headers: dict, count: int, warmup: int, cap: float):
    """Latencies in ms of ``count`` requests one after another (after ``warmup``)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies: list[float] = []
    size = 0
    deadline = time.monotonic() + cap
    try:
        for n in range(warmup + count):
            if time.monotonic() > deadline:
                break
            began = time.perf_counter()
            size = get(connection, path, headers)
            if n >= warmup:
                latencies.append((time.perf_counter() - began) * 1000)
    finally:
        connection.close()
    if len(latencies) < count // 2:
        raise RuntimeError(f"only {len(latencies)} of {count} requests within {cap:g} s")
    return latencies, size


def concurrent(port: int, path: str, headers: dict, threads: int, per_thread: int, cap: float):
    """Requests per second with ``threads`` clients sending ``per_thread`` requests each."""
    start = threading.Barrier(threads + 1)
    done = [0] * threads
    errors: list[BaseException] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            get(connection, path, headers)  # connect and warm up outside the measurement
            start.wait(timeout=60)
            deadline = time.monotonic() + cap
            for _ in range(per_thread):
                if time.monotonic() > deadline:
                    break
                get(connection, path, headers)
                done[index] += 1
        except BaseException as error:  # reported below: the run fails
            errors.append(error)
            start.abort()
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(timeout=60)
    began = time.perf_counter()
    for worker in workers:
        worker.join(timeout=cap + 60)
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"load client failed: {errors[0]!r}")
    total = sum(done)
    return total / elapsed, total, elapsed


def bench_http(args, database_url: str, week: str) -> list[Row]:
    headers = NAVIGATION
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "BASE_URL": f"http://{HOST}",
        "TRUSTED_HOSTS": HOST,
        "RATELIMIT_ENABLED": "0",
        "FLASK_DEBUG": "0",
    }
    path = picker_path("any", week)
    total = args.threads * args.per_thread

    # Cold: no fragment cache, so every request loads the calendars and computes the week.
    with Gunicorn("wsgi:app", {**env, "CACHE_TYPE": "NullCache"}, args.workers) as server:
        server.wait_ready(path, headers)
        cold, size = sequential(
            server.port, path, headers, args.requests, args.warmup, args.sequential_cap
        )
    # Warm: the app as configured (in-process fragment cache keyed by the calendar version).
    with Gunicorn("wsgi:app", env, args.workers) as server:
        server.wait_ready(path, headers)
        latencies, size = sequential(
            server.port, path, headers, args.requests, args.warmup, args.sequential_cap
        )
        picker_rps, picker_done, picker_secs = concurrent(
            server.port, path, headers, args.threads, args.per_thread, args.time_cap
        )
        # The app's cheapest page (one SELECT 1 and every request hook), for comparison.
        health_rps, health_done, health_secs = concurrent(
            server.port, "/healthz", {}, args.threads, args.per_thread, args.time_cap
        )
    with Gunicorn("bench.hello_app:app", env, args.workers) as server:
        server.wait_ready("/", {})
        hello_latencies, _ = sequential(
            server.port, "/", {}, args.requests, args.warmup, args.sequential_cap
        )
        hello_rps, hello_done, hello_secs = concurrent(
            server.port, "/", {}, args.threads, args.per_thread, args.time_cap
        )

    p95 = percentile(cold, 0.95)
    ratio = picker_rps / hello_rps
    setting = f"gunicorn -w {args.workers}, {args.threads} threads"
    return [
        Row(
            f"picker fragment, uncached, {len(cold)} sequential: p50 / p95",
            f"{statistics.median(cold):.1f} / {p95:.1f} ms",
            f"p95 ≤ {PICKER_P95_BUDGET_MS:g} ms",
            f"{p95 / PICKER_P95_BUDGET_MS:.2f}",
            p95 <= PICKER_P95_BUDGET_MS,
        ),
        Row(
            f"picker fragment, cached, {len(latencies)} sequential: p50 / p95",
            f"{statistics.median(latencies):.1f} / {percentile(latencies, 0.95):.1f} ms",
        ),
        Row("picker fragment size", f"{size} bytes (uncompressed)"),
        Row(
            f"hello page, {len(hello_latencies)} sequential: p50 / p95",
            f"{statistics.median(hello_latencies):.2f} / "
            f"{percentile(hello_latencies, 0.95):.2f} ms",
        ),
        Row(
            f"picker throughput ({setting})",
            f"{picker_rps:.0f} req/s ({picker_done}/{total} in {picker_secs:.1f} s)",
        ),
        Row(
            f"app /healthz throughput ({setting})",
            f"{health_rps:.0f} req/s ({health_done}/{total} in {health_secs:.1f} s), "
            f"{health_rps / hello_rps:.2f} × hello",
        ),
        Row(
            f"hello throughput ({setting})",
            f"{hello_rps:.0f} req/s ({hello_done}/{total} in {hello_secs:.1f} s)",
        ),
        Row(
            "throughput picker / hello",
            f"{ratio:.3f}",
            f"≥ {THROUGHPUT_RATIO_BUDGET:.3f}",
            f"{ratio / THROUGHPUT_RATIO_BUDGET:.2f}",
            ratio >= THROUGHPUT_RATIO_BUDGET,
        ),
    ]


# ------------------------------------------------------------------------------ main


def print_table(rows: list[Row]) -> None:
    headers = ("measure", "value", "budget", "ratio", "ok")
    cells = [
        (r.what, r.value, r.budget, r.ratio, "" if r.ok is None else ("yes" if r.ok else "NO"))
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [headers, *cells]) for i in range(len(headers))]
    line = "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031 (a format of formats)
    print(line.format(*headers))
    print("  ".join("-" * w for w in widths))
    for cell in cells:
        print(line.format(*cell))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--samples", type=int, default=200, help="slot computation samples")
    parser.add_argument("--requests", type=int, default=500, help="sequential requests")
    parser.add_argument("--warmup", type=int, default=50, help="sequential warm-up requests")
    parser.add_argument("--breakdown", type=int, default=100, help="in-process requests")
    parser.add_argument(
        "--bump-every", type=int, default=25, help="mix: a calendar version bump every N requests"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--per-thread", type=int, default=500, help="requests per client thread")
    parser.add_argument("--time-cap", type=float, default=30.0, help="seconds per load phase")
    parser.add_argument("--sequential-cap", type=float, default=120.0, help="seconds, sequential")
    args = parser.parse_args()

    from app.config import normalise_database_url

    database_url = normalise_database_url(args.database_url)
    if sa.make_url(database_url).host not in {HOST, "localhost"}:
        raise SystemExit("the benchmark only talks to a database on 127.0.0.1")
    app = make_app(database_url)
    week = picker_monday(app.config["DEFAULT_TIMEZONE"])
    print(f"database {sa.make_url(database_url).database}, picker week {week}, now {time.ctime()}")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    rows, advisor_ids = bench_slot_computation(app, args.samples)
    rows += bench_query_count(app, advisor_ids[0], week)
    rows += bench_breakdown(app, week, args.breakdown)
    rows += bench_mix(database_url, advisor_ids, week, args.bump_every)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()  # no idle connections held while gunicorn runs
    rows += bench_http(args, database_url, week)

    print()
    print_table(rows)
    missed = [row.what for row in rows if row.ok is False]
    print()
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("all budgets met" if not missed else f"budgets MISSED: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(2)
