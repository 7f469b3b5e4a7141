"""Busy-time import budget (issue 9): a 5,000-event calendar with recurrences, imported in
at most 2 s — fetched, parsed, expanded and stored.

The calendar is generated here, reproducibly (seeded), the way a long-used work calendar
looks: three years of events (two past, one ahead) in Europe/Berlin with a VTIMEZONE;
4,300 single events (all-day, free and cancelled ones among them), 500 series (weekly,
every weekday, monthly; some ending, some open; with EXDATEs) and 200 moved occurrences.
Each event carries what Outlook or Google write: title, a folded description, location,
organizer, attendees, timestamps, an alarm. A second file has the same events with only
their times ("bare"), for comparison.

Measured, each repeated ``--runs`` times (median and maximum, wall-clock and CPU seconds):

1. ``fetch`` alone, from a local HTTP server in this process (where the wall time of the
   whole import goes that its CPU time does not show);
2. ``busy_times`` alone (parse + expand + merge), pure Python;
3. ``sync_calendar`` end to end: fetched from a local HTTP server (127.0.0.1, private
   addresses allowed for the run), expanded, and stored in the database — SQLite in a
   temporary file, and PostgreSQL if ``--database-url`` is given (an existing database;
   the schema is migrated to head, and the rows this script creates are deleted after).
   Every run stores all blocks anew (the stored blocks and validators are reset first).

Prints a table and exits 1 if an import's CPU time exceeds the budget: on a machine shared
with other work the wall time grows with the load (printed with the table), the CPU time
is what the import itself costs.
Run from the project root::

    .venv/bin/python bench/bench_import.py [--database-url postgresql://…] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.advisor.imports import sync_calendar  # noqa: E402
from app.calendar.busy import busy_times  # noqa: E402
from app.calendar.fetch import fetch  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Advisor,
    BusyBlock,
    ConsultationType,
    ExternalCalendar,
    Role,
    User,
)

BUDGET_S = 2.0
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Berlin")
SINGLE, SERIES, MOVED = 4300, 500, 200
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""".splitlines()
TIME_PROPERTIES = ("BEGIN", "END", "UID", "DTSTART", "DTEND", "RRULE", "EXDATE", "RECURRENCE-ID")
TIME_PROPERTIES += ("STATUS", "TRANSP")


# ------------------------------------------------------------------------------ the calendar


def fold(line: str) -> list[str]:
    """RFC 5545 folding at 75 characters (ASCII here, so characters are octets)."""
    return [line[:75]] + [" " + line[i : i + 74] for i in range(75, len(line), 74)]


def local(moment: datetime) -> str:
    return f"TZID=Europe/Berlin:{moment:%Y%m%dT%H%M%S}"


def make_calendar(rng: random.Random) -> tuple[bytes, bytes, int]:
    """The realistic file, the bare one, and the number of VEVENTs."""
    first_day = NOW.date() - timedelta(days=730)
    days = 1095

    def working_time() -> datetime:
        day = first_day + timedelta(days=rng.randrange(days))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime(day.year, day.month, day.day, rng.randrange(8, 18), rng.choice((0, 30)))

    def details(number: int) -> list[str]:
        people = [f"person{rng.randrange(400)}@firma{rng.randrange(40)}.example" for _ in "abc"]
        return [
            "DTSTAMP:20270301T080000Z",
            "CREATED:20250101T080000Z",
            "LAST-MODIFIED:20260101T080000Z",
            f"SUMMARY:Termin {number}: Abstimmung Digitalisierungsprojekt",
            "DESCRIPTION:"
            + "Agenda\\n1. Stand der Umsetzung\\n2. Nächste Schritte\\n3. Sonstiges\\n" * 3,
            f"LOCATION:Besprechungsraum {rng.randrange(1, 9)}.{rng.randrange(10, 30)}",
            "ORGANIZER;CN=Dr. Katharina Brandt:mailto:k.brandt@industryhub.example",
            *[
                f"ATTENDEE;CN=Teilnehmer;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{p}"
                for p in people
            ],
            f"SEQUENCE:{rng.randrange(3)}",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Erinnerung",
            "TRIGGER:-PT15M",
            "END:VALARM",
        ]

    events: list[list[str]] = []
    for number in range(SINGLE):
        start = working_time()
        if number % 20 == 0:  # all-day
            times = [f"DTSTART;VALUE=DATE:{start:%Y%m%d}"]
        else:
            end = start + timedelta(minutes=rng.choice((30, 60, 90, 120)))
            times = [f"DTSTART;{local(start)}", f"DTEND;{local(end)}"]
        if number % 15 == 0:
            times.append("TRANSP:TRANSPARENT")
        if number % 25 == 0:
            times.append("STATUS:CANCELLED")
        events.append([f"UID:single-{number}@bench", *times, *details(number)])
    series_starts: list[tuple[int, datetime]] = []
    for number in range(SERIES):
        start = working_time()
        end = start + timedelta(minutes=rng.choice((30, 60)))
        kind = rng.random()
        if kind < 0.6:
            rule, step = "FREQ=WEEKLY", timedelta(weeks=1)
        elif kind < 0.8:
            rule, step = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", timedelta(days=7)
        else:
            rule, step = "FREQ=MONTHLY", timedelta(weeks=8)
        if rng.random() < 0.5:
            until = start + timedelta(days=rng.randrange(30, 700))
            rule += f";UNTIL={until.replace(tzinfo=ZONE).astimezone(UTC):%Y%m%dT%H%M%SZ}"
        exdates = [f"EXDATE;{local(start + step * rng.randrange(1, 6))}" for _ in "ab"]
        events.append(
            [
                f"UID:series-{number}@bench",
                f"DTSTART;{local(start)}",
                f"DTEND;{local(end)}",
                f"RRULE:{rule}",
                *exdates,
                *details(SINGLE + number),
            ]
        )
        if rule.startswith("FREQ=WEEKLY"):
            series_starts.append((number, start))
    for number in range(MOVED):
        series, start = series_starts[number % len(series_starts)]
        original = start + timedelta(weeks=rng.randrange(6, 60))
        moved = original + timedelta(hours=rng.choice((-2, 1, 3, 24)))
        events.append(
            [
                f"UID:series-{series}@bench",
                f"RECURRENCE-ID;{local(original)}",
                f"DTSTART;{local(moved)}",
                f"DTEND;{local(moved + timedelta(hours=1))}",
                *details(SINGLE + SERIES + number),
            ]
        )
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//Sprechstunde//DE", *VTIMEZONE]
    realistic, bare = list(head), list(head)
    for event in events:
        lines = ["BEGIN:VEVENT", *event, "END:VEVENT"]
        for line in lines:
            realistic += fold(line)
        in_alarm = False
        for line in lines:
            in_alarm = (in_alarm or line == "BEGIN:VALARM") and line != "END:VALARM"
            name = line.split(":", 1)[0].split(";", 1)[0]
            if not in_alarm and line != "END:VALARM" and name in TIME_PROPERTIES:
                bare.append(line)
    realistic.append("END:VCALENDAR")
    bare.append("END:VCALENDAR")
    encode = lambda lines: ("\r\n".join(lines) + "\r\n").encode()  # noqa: E731
    return encode(realistic), encode(bare), len(events)


# ---------------------------------------------------------------------------- measurements


@dataclass
class Timing:
    """Wall-clock and CPU seconds of each run. The CPU time is this process's (all its
    threads, the local HTTP server's too): on a machine shared with other work, wall
    time grows with the load while CPU time stays what the import itself costs."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    note: str = ""

    def measure(self, action: Callable[[], object]) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    def row(self) -> str:
        wall, cpu = self.wall, self.cpu
        return (
            f"  {self.name:<42} wall median {statistics.median(wall):5.3f} max {max(wall):5.3f}"
            f"  cpu median {statistics.median(cpu):5.3f} max {max(cpu):5.3f}"
            f"  ratio {max(cpu) / BUDGET_S:.2f}  {self.note}"
        )


def serve(files: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            body = files[self.path.lstrip("/")]
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench_database(url: str, label: str, files: dict[str, bytes], runs: int) -> list[Timing]:
    """``sync_calendar`` of each file into the database at ``url``."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-import",
            "BASE_URL": "http://127.0.0.1",
            "CALENDAR_IMPORT_ALLOW_PRIVATE": True,
            "CALENDAR_IMPORT_MAX_BYTES": 20 * 1024 * 1024,
            "CALENDAR_IMPORT_TIMEOUT": 30.0,
        }
    )
    server = serve(files)
    timings: list[Timing] = []
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        user = User(
            email=f"bench-import-{time.time_ns()}@bench.example",
            name="Bench",
            password_hash="!",  # noqa: S106 - no password: this account cannot log in
            role=Role.ADVISOR.value,
        )
        db.session.add(user)
        db.session.flush()
        advisor = Advisor(user_id=user.id, timezone="Europe/Berlin")
        ctype = ConsultationType(
            slug=f"bench-import-{time.time_ns()}",
            name_de="Bench",
            name_en="Bench",
            duration_minutes=30,
            horizon_days=60,
        )
        db.session.add_all([advisor, ctype])
        db.session.flush()
        db.session.add(ExternalCalendar(advisor_id=advisor.id, url=""))
        db.session.commit()
        advisor_id = advisor.id
        try:
            for name in files:
                url_of_file = f"http://127.0.0.1:{server.server_address[1]}/{name}"

                timing = Timing(f"{label}, {name}: whole import")
                for _ in range(runs):
                    db.session.execute(
                        sa.delete(BusyBlock).where(BusyBlock.advisor_id == advisor_id)
                    )
                    external = db.session.get(ExternalCalendar, advisor_id)
                    external.url, external.etag, external.synced_at = url_of_file, None, None
                    db.session.commit()
                    external = db.session.get(ExternalCalendar, advisor_id)
                    timing.measure(lambda external=external: sync_calendar(external, NOW))
                    external = db.session.get(ExternalCalendar, advisor_id)
                    if external.error:
                        raise RuntimeError(f"import failed: {external.error}")
                timing.note = f"({external.block_count} blocks stored)"
                timings.append(timing)
        finally:
            db.session.rollback()
            db.session.execute(sa.delete(BusyBlock).where(BusyBlock.advisor_id == advisor_id))
            db.session.execute(
                sa.delete(ExternalCalendar).where(ExternalCalendar.advisor_id == advisor_id)
            )
            db.session.execute(sa.delete(Advisor).where(Advisor.id == advisor_id))
            db.session.execute(sa.delete(User).where(User.id == user.id))
            db.session.execute(sa.delete(ConsultationType).where(ConsultationType.id == ctype.id))
            db.session.commit()
            db.engine.dispose()
    server.shutdown()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="also measure on this PostgreSQL database")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    realistic, bare, count = make_calendar(random.Random(9))  # noqa: S311 - test data
    files = {"realistic.ics": realistic, "bare.ics": bare}
    print(f"Calendar: {count:,} events (4,300 single, 500 series, 200 moved occurrences)")
    for name, data in files.items():
        print(f"  {name:<14} {len(data) / 1024:8.0f} KiB")

    # As app.advisor.imports.import_window draws it for a longest horizon of 60 days.
    window = (NOW - timedelta(days=1), NOW + timedelta(days=61))
    timings: list[Timing] = []
    server = serve(files)
    for name in files:
        url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
        timing = Timing(f"fetch alone (local server), {name}")
        for _ in range(args.runs):
            timing.measure(
                lambda url=url: fetch(url, timeout=30, max_bytes=2**25, allow_private=True)
            )
        timings.append(timing)
    server.shutdown()
    for name, data in files.items():
        timing = Timing(f"busy_times, {name}")
        for _ in range(args.runs):
            blocks = timing.measure(lambda data=data: busy_times(data, *window, ZONE))
        timing.note = f"({len(blocks)} blocks)"
        timings.append(timing)
    with tempfile.TemporaryDirectory() as folder:
        imports = bench_database(f"sqlite:///{folder}/bench.sqlite", "SQLite", files, args.runs)
    if args.database_url:
        imports += bench_database(args.database_url, "PostgreSQL", files, args.runs)
    print(f"Import window: {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d} (horizon 60 days)")
    print(f"Load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"Budget: {BUDGET_S} s for the whole import (checked on the CPU maximum, {args.runs} runs)"
    )
    for timing in timings + imports:
        print(timing.row())
    if max(max(timing.cpu) for timing in imports) > BUDGET_S:
        print("OVER BUDGET", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
