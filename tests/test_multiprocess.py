"""The production shape under load: two gunicorn app processes and two ``flask worker``
processes on one PostgreSQL database and one Redis, driven over HTTP like browsers do.

What several servers must never do, each checked from outside: book one advisor twice at
the same time, send a mail or a reminder twice, import one calendar twice at once, or show
a slot another process has just booked as free.

PostgreSQL only (SQLite has one writer and is for one server): the database is a scratch
one on the server of ``TEST_DATABASE_URL``, Redis the one at ``TEST_REDIS_URL`` (default
``redis://127.0.0.1:6379``, a database number of this test's own).
"""

from __future__ import annotations

import html
import itertools
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.booking.choice import parse_start
from app.extensions import db
from app.models import Booking, ExternalCalendar, OutboxMessage
from app.models.types import utcnow
from tests import calendar_server
from tests.booking_support import at, book, monday_in
from tests.conftest import PASSWORD, Factory, app_config, free_port, needs_service
from tests.process_support import HX, Browser, Processes, scratch_database
from tests.smtp import SMTPServer

pytestmark = pytest.mark.postgres

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
WORKER_INTERVAL = 0.2  # seconds between a worker's rounds
JUST_TAKEN = "Dieser Termin wurde gerade vergeben"
SLOT_LINK = re.compile(r'<a class="slot" href="([^"]+)"')


def _redis_url() -> str:
    """A Redis database of this xdist worker's own (9, 10, …: clear of the developers')."""
    index = int(XDIST_WORKER[2:]) if XDIST_WORKER.startswith("gw") else 0
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    return f"{base}/{9 + index}"


@dataclass
class Cluster:
    a: str  # base URL of app process A
    b: str  # … and of B
    app: Flask  # the test's own view of the database and the cache
    make: Factory
    world: SimpleNamespace
    smtp: SMTPServer
    calendars: calendar_server.CalendarServer
    processes: Processes

    def picker(self, day, advisor) -> str:
        return f"/beratung/termine?{urlencode(self.params(advisor) | {'day': day.isoformat()})}"

    def booking(self, start, advisor) -> str:
        return f"/beratung/buchen?{urlencode(self.params(advisor) | {'start': stamp(start)})}"

    def params(self, advisor) -> dict:
        return {"type": self.world.ctype.slug, "topic": self.world.topic.slug, "advisor": advisor}

    def wait_for(self, done: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.processes.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout} s: {what}")
            time.sleep(0.1)


def stamp(moment) -> str:
    return f"{moment:%Y-%m-%dT%H:%MZ}"


def daily_meeting() -> bytes:
    """An advisor's calendar: a lunch meeting every day from yesterday on, for ever."""
    yesterday = utcnow() - timedelta(days=1)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:lunch@test.example\r\nDTSTAMP:{yesterday:%Y%m%dT%H%M%SZ}\r\n"
        f"DTSTART:{yesterday:%Y%m%d}T110000Z\r\nDTEND:{yesterday:%Y%m%d}T120000Z\r\n"
        "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def offered_starts(page_html: str) -> set[str]:
    """The start times a picker fragment offers as links."""
    return {
        parse_qs(urlsplit(html.unescape(link)).query)["start"][0]
        for link in SLOT_LINK.findall(page_html)
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    server_url = os.environ.get("TEST_DATABASE_URL", "")
    if not server_url:
        needs_service(
            "multi-process tests skipped: set "
            "TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run them"
        )
    redis_url = _redis_url()
    try:
        redis.Redis.from_url(redis_url).flushdb()
    except redis.exceptions.ConnectionError as error:
        needs_service(f"Redis at {redis_url} is unreachable ({error}); set TEST_REDIS_URL")
    scratch = tmp_path_factory.mktemp("multiprocess")
    try:
        with scratch_database(server_url, f"sprechstunde_mp_{XDIST_WORKER}") as url:
            yield from _running_cluster(url, redis_url, scratch)
    finally:
        redis.Redis.from_url(redis_url).flushdb()


def _running_cluster(url: str, redis_url: str, scratch: Path) -> Iterator[Cluster]:
    shared_cache = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    app = create_app(app_config(url, **shared_cache))
    with app.app_context():
        upgrade()
    make = Factory(app)
    topic = make.topic()
    world = SimpleNamespace(
        topic=topic,
        ctype=make.consultation_type(buffer_after_minutes=15),
        brandt=make.advisor(topic, name="Dr. Katharina Brandt"),
    )
    smtp = SMTPServer(port=free_port())
    smtp.start()
    ports = free_port(), free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "multi-process-test",
        "BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "TRUSTED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "FLASK_DEBUG": "0",
        "INSTANCE_PATH": str(scratch / "instance"),
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "BOOKING_RATE_LIMIT": "10000 per minute",
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
        "MAIL_TIMEOUT": "5",
        "CALENDAR_IMPORT_ALLOW_PRIVATE": "1",  # the calendar server is on 127.0.0.1
        "CALENDAR_IMPORT_TIMEOUT": "5",
        "CALENDAR_IMPORT_INTERVAL_MINUTES": "0.01",  # 0.6 s, shorter than a slow fetch
    }
    processes = Processes(env, scratch)
    try:
        with calendar_server.CalendarServer() as calendars:
            bases = [processes.app(name, port) for name, port in zip("AB", ports, strict=True)]
            processes.worker("worker-1", WORKER_INTERVAL)
            processes.worker("worker-2", WORKER_INTERVAL)
            for base in bases:
                processes.wait_until_serving(base)
            yield Cluster(*bases, app, make, world, smtp, calendars, processes)
            processes.check_alive()
    finally:
        processes.stop_all()
        smtp.stop()
        with app.app_context():
            db.engine.dispose()


def logged_in(cluster: Cluster, people: int) -> list[tuple[Browser, int]]:
    """``people`` new clients, each logged in through A or B in turn, with their user ids."""
    users = [cluster.make.user() for _ in range(people)]

    def log_in(number: int) -> tuple[Browser, int]:
        browser = Browser()
        browser.login((cluster.a, cluster.b)[number % 2], users[number].email, PASSWORD)
        return browser, users[number].id

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(log_in, range(people)))


def test_bookings_through_both_app_processes_never_overlap(cluster):
    """16 clients press "book" at once on six overlapping times of one advisor, half of them
    through each app process: the winners' meetings do not overlap, the others are told
    "just taken" with fresh times, and nobody sees an error page."""
    day = monday_in(2)
    starts = [at(day, f"{hour}:{minute:02d}") for hour in (10, 11) for minute in (0, 15, 30)]
    clients = logged_in(cluster, 16)
    ready = threading.Barrier(len(clients))

    def press_book(number: int):
        browser, user_id = clients[number]
        base = (cluster.a, cluster.b)[number % 2]
        url = base + cluster.booking(starts[number % len(starts)], cluster.world.brandt.id)
        token = browser.csrf_token(base)
        ready.wait(timeout=30)
        page = browser.open(url, {"csrf_token": token, "agenda": f"Anfrage {number}"})
        return user_id, page

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(press_book, range(len(clients))))

    statuses = Counter(page.status for _, page in answers)
    assert set(statuses) <= {302, 409}, statuses
    assert statuses[302] >= 1
    for _, page in answers:
        if page.status == 409:
            assert JUST_TAKEN in page.text
            assert 'name="start"' in page.text  # fresh times to choose from
    winners = {user_id for user_id, page in answers if page.status == 302}
    with cluster.app.app_context():
        booked = db.session.scalars(
            sa.select(Booking)
            .where(Booking.advisor_id == cluster.world.brandt.id, Booking.status == "confirmed")
            .order_by(Booking.blocked_from)
        ).all()
        assert {booking.booked_by_id for booking in booked} == winners
        assert len(booked) == len(winners)
        for earlier, later in itertools.pairwise(booked):
            assert earlier.blocked_until <= later.blocked_from, "two meetings overlap"
        db.session.remove()


def _reminder_bookings(cluster: Cluster, people: int) -> dict[int, str]:
    """Confirmed meetings of ``people`` clients whose reminders are due now, all made due
    in one commit so both workers find them in the same round; {booking id: address}."""
    day = monday_in(2) + timedelta(days=1)
    due: dict[int, str] = {}
    for number in range(people):
        client = cluster.make.user()
        start = at(day + timedelta(days=number // 8), f"{9 + number % 8}:00")
        world = SimpleNamespace(**vars(cluster.world), client=client)
        due[book(cluster.app, world, start)] = client.email
    with cluster.app.app_context():
        db.session.execute(
            sa.update(Booking).where(Booking.id.in_(due)).values(reminder_due_at=utcnow())
        )
        db.session.commit()
    return due


def _outbox(cluster: Cluster) -> list[OutboxMessage]:
    with cluster.app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        db.session.expunge_all()
        return messages


def test_both_workers_send_every_mail_and_every_reminder_exactly_once(cluster):
    """Ten meetings' reminders fall due at once, beside the confirmations of every booking
    so far: the SMTP server receives each outbox message once (by its Message-ID) and one
    reminder per meeting, and both workers did part of the sending."""
    reminded = _reminder_bookings(cluster, 10)

    def all_sent() -> bool:
        messages = _outbox(cluster)
        reminders = [m for m in messages if m.subject.startswith("Erinnerung")]
        return len(reminders) == len(reminded) and all(m.sent_at for m in messages)

    cluster.wait_for(all_sent, "every reminder queued and every mail sent")
    time.sleep(5 * WORKER_INTERVAL)  # a few more rounds of both workers: nothing more comes
    outbox = _outbox(cluster)
    assert not [m for m in outbox if m.failed_at or m.attempts != 1]
    received = Counter(message["Message-ID"] for message in cluster.smtp.messages)
    assert set(received.values()) == {1}, [mid for mid, n in received.items() if n > 1]
    assert {int(re.search(r"outbox-(\d+)@", mid).group(1)) for mid in received} == {
        message.id for message in outbox
    }
    reminders = Counter(
        message["To"]
        for message in cluster.smtp.messages
        if message["Subject"].startswith("Erinnerung")
    )
    assert reminders == Counter(reminded.values())  # one per meeting, to its contact
    for worker in ("worker-1", "worker-2"):
        assert re.search(r"outbox: [1-9]\d* sent", cluster.processes.log(worker)), worker


def test_one_calendar_is_never_imported_by_both_workers_at_once(cluster):
    """Six advisors' calendars become due at once, one of them slower to answer than the
    import interval (0.6 s here): both workers round many times meanwhile, and each
    calendar is fetched by one of them, once, never by both at the same moment."""
    advisors = [cluster.make.advisor(cluster.world.topic) for _ in range(6)]
    lunch = daily_meeting()
    with cluster.app.app_context():
        for number, advisor in enumerate(advisors):
            delay = 0.1 + 0.05 * number if number else 3.0
            url = cluster.calendars.serve(f"/cal/{advisor.id}.ics", lunch, delay=delay)
            db.session.add(ExternalCalendar(advisor_id=advisor.id, url=url))
        db.session.commit()

    def imported() -> list[ExternalCalendar]:
        with cluster.app.app_context():
            calendars = db.session.scalars(sa.select(ExternalCalendar)).all()
            db.session.expunge_all()
            return calendars

    cluster.wait_for(lambda: all(c.synced_at for c in imported()), "every calendar imported")
    time.sleep(5 * WORKER_INTERVAL)  # more rounds of both workers: none fetches again
    assert cluster.calendars.overlapping == []
    fetched = Counter(seen.path for seen in cluster.calendars.seen)
    assert fetched == {f"/cal/{advisor.id}.ics": 1 for advisor in advisors}
    for calendar in imported():
        assert calendar.error is None
        assert calendar.block_count > 60  # a lunch every day of the 60-day horizon


def test_a_slot_booked_through_one_process_is_never_offered_by_the_other(cluster):
    """B's picker fragment comes from the shared cache; while others keep reading it, a
    client books through A, and B's very next answer no longer offers that time."""
    advisor = cluster.world.brandt.id
    day = monday_in(2) + timedelta(days=3)
    picker = cluster.picker(day, advisor)
    reader = Browser()
    [(client, _)] = logged_in(cluster, 1)
    stop = threading.Event()

    def keep_reading() -> None:  # other visitors, filling B's cache all the time
        browser = Browser()
        while not stop.is_set():
            assert browser.get(cluster.b + picker, HX).status == 200

    with ThreadPoolExecutor(2) as pool:
        readers = [pool.submit(keep_reading) for _ in range(2)]
        try:
            for _ in range(5):
                offered = offered_starts(reader.get(cluster.b + picker, HX).text)
                slot = min(offered)
                # Asked again, B answers from the cache: the fragment is warm.
                assert offered_starts(reader.get(cluster.b + picker, HX).text) == offered
                booked = client.submit(
                    cluster.a + cluster.booking(parse_start(slot), advisor),
                    {"agenda": "Cache-Probe"},
                    cluster.a,
                )
                assert booked.status == 302, booked.text
                assert slot not in offered_starts(reader.get(cluster.b + picker, HX).text)
        finally:
            stop.set()
        for done in readers:
            done.result()
