"""Busy times imported from an advisor's own calendar, end to end: real calendar files from
a real HTTP server on 127.0.0.1, stored as busy blocks, and gone from the slot picker.

The server is local, so these tests allow private addresses (the setting an on-premise
calendar would use), except where the refusal itself is tested.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.advisor.imports import SOURCE, claim, sync_calendar, sync_due_calendars
from app.advisor.service import connect_calendar
from app.booking import service
from app.extensions import db
from app.models import Advisor, BusyBlock, ConsultationType, ExternalCalendar
from tests.booking_support import at, detached, monday_in
from tests.calendar_server import running

# A Sunday before the fixtures' March 2027; the window reaches 61 days on (horizon 60).
NOW = datetime(2027, 2, 28, 12, tzinfo=UTC)
LATER = NOW + timedelta(minutes=20)
WEEKLY = [
    ("2027-03-01T09:00", "2027-03-01T10:00"),
    ("2027-03-16T13:00", "2027-03-16T14:00"),  # the moved occurrence
    ("2027-03-29T08:00", "2027-03-29T09:00"),  # 10:00 Berlin summer time
    ("2027-04-05T08:00", "2027-04-05T09:00"),
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def spans(pairs) -> list[tuple[datetime, datetime]]:
    return [(utc(start), utc(end)) for start, end in pairs]


@pytest.fixture
def server():
    yield from running()


@pytest.fixture
def local(app):
    """The calendar server is on 127.0.0.1, which production refuses."""
    app.config["CALENDAR_IMPORT_ALLOW_PRIVATE"] = True
    return app


def connect(app, advisor, url: str, **fields) -> None:
    with app.app_context():
        db.session.add(ExternalCalendar(advisor_id=advisor.id, url=url, **fields))
        db.session.commit()


def sync(app, advisor, now: datetime = NOW) -> None:
    with app.app_context():
        sync_calendar(db.session.get(ExternalCalendar, advisor.id), now)


def imported(app, advisor) -> list[tuple[datetime, datetime]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(BusyBlock.start, BusyBlock.end)
                .where(BusyBlock.advisor_id == advisor.id, BusyBlock.source == SOURCE)
                .order_by(BusyBlock.start)
            )
        ]


def status(app, advisor) -> ExternalCalendar:
    return detached(app, ExternalCalendar, advisor.id)


def version(app, advisor) -> int:
    return detached(app, Advisor, advisor.id).calendar_version


def test_an_import_stores_the_busy_times_and_says_so(local, server, world):
    app, brandt = local, world.brandt
    url = server.serve("/jour-fixe.ics", "weekly.ics", etag='"1"')
    connect(local, brandt, url, requested_at=NOW - timedelta(minutes=1))
    before = version(app, brandt)
    sync(app, brandt)
    assert imported(app, brandt) == spans(WEEKLY)
    calendar = status(app, brandt)
    assert (calendar.synced_at, calendar.checked_at, calendar.block_count) == (NOW, NOW, 4)
    assert (calendar.error, calendar.requested_at, calendar.etag) == (None, None, '"1"')
    assert version(app, brandt) > before, "cached pickers of this advisor are stale now"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("allday.ics", [("2027-03-02T23:00", "2027-03-03T23:00"),  # in the advisor's zone
                        ("2027-03-04T07:30", "2027-03-04T08:30"),
                        ("2027-03-09T23:00", "2027-03-11T23:00")]),
        ("transparent.ics", [("2027-03-02T09:00", "2027-03-02T10:00")]),
        ("google.ics", [("2027-03-22T09:00", "2027-03-22T10:00"),
                        ("2027-03-23T23:00", "2027-03-24T23:00"),
                        ("2027-03-29T08:00", "2027-03-29T09:00"),
                        ("2027-04-05T08:00", "2027-04-05T09:00")]),
        ("outlook.ics", [("2027-03-30T11:00", "2027-03-30T14:00")]),
    ],
)  # fmt: skip
def test_each_kind_of_calendar_blocks_the_right_times(local, server, world, fixture, expected):
    connect(local, world.brandt, server.serve(f"/{fixture}", fixture))
    sync(local, world.brandt)
    assert imported(local, world.brandt) == spans(expected)


def test_a_broken_calendar_keeps_the_last_good_busy_times(local, server, world):
    app, brandt = local, world.brandt
    url = server.serve("/cal.ics", "weekly.ics")
    connect(app, brandt, url)
    sync(app, brandt)
    for broken, code in [
        ("broken.ics", "not_calendar"),
        ("<html><body>Bitte melden Sie sich an</body></html>", "not_calendar"),
    ]:
        server.serve("/cal.ics", broken)
        sync(app, brandt, LATER)
        calendar = status(app, brandt)
        assert (calendar.error, calendar.checked_at, calendar.synced_at) == (code, LATER, NOW)
        assert imported(app, brandt) == spans(WEEKLY)
    server.serve("/cal.ics", "transparent.ics")
    sync(app, brandt, LATER)
    assert status(app, brandt).error is None
    assert imported(app, brandt) == spans([("2027-03-02T09:00", "2027-03-02T10:00")])


def test_a_huge_calendar_is_refused_and_the_old_times_stay(local, server, world):
    app, brandt = local, world.brandt
    url = server.serve("/cal.ics", "transparent.ics")
    connect(app, brandt, url)
    sync(app, brandt)
    app.config["CALENDAR_IMPORT_MAX_BYTES"] = 1000
    server.serve("/cal.ics", "weekly.ics")  # 1.5 kB
    sync(app, brandt, LATER)
    assert status(app, brandt).error == "too_large"
    assert imported(app, brandt) == spans([("2027-03-02T09:00", "2027-03-02T10:00")])


def test_a_calendar_server_that_hangs_is_a_timeout(local, server, world):
    local.config["CALENDAR_IMPORT_TIMEOUT"] = 0.3
    url = server.serve("/cal.ics", "weekly.ics", delay=2)
    connect(local, world.brandt, url, requested_at=NOW - timedelta(seconds=30))
    sync(local, world.brandt)
    calendar = status(local, world.brandt)
    assert (calendar.error, calendar.checked_at, calendar.synced_at) == ("timeout", NOW, None)
    assert calendar.requested_at is None, 'the "fetch now" is answered: with the error'
    assert imported(local, world.brandt) == []


def test_without_the_setting_the_hubs_own_network_is_off_limits(app, server, world):
    connect(app, world.brandt, server.serve("/cal.ics", "weekly.ics"))
    sync(app, world.brandt)
    assert status(app, world.brandt).error == "forbidden_address"
    assert server.seen == []


def test_an_unchanged_calendar_costs_a_304_and_no_new_version(local, server, world):
    app, brandt = local, world.brandt
    url = server.serve("/cal.ics", "weekly.ics", etag='"v7"')
    connect(app, brandt, url, error="timeout")
    sync(app, brandt)
    before = version(app, brandt)
    sync(app, brandt, LATER)
    assert server.seen[-1].headers["If-None-Match"] == '"v7"'
    calendar = status(app, brandt)
    assert (calendar.checked_at, calendar.synced_at, calendar.error) == (LATER, NOW, None)
    assert imported(app, brandt) == spans(WEEKLY)
    assert version(app, brandt) == before, "cached pickers stay valid"
    # A day on, the window has moved: the whole calendar is read again.
    sync(app, brandt, NOW + timedelta(days=1, minutes=1))
    assert "If-None-Match" not in server.seen[-1].headers
    assert status(app, brandt).synced_at == NOW + timedelta(days=1, minutes=1)


def test_the_same_busy_times_again_leave_the_pickers_cache_alone(local, server, world):
    connect(local, world.brandt, server.serve("/cal.ics", "weekly.ics"))  # no ETag
    sync(local, world.brandt)
    before = version(local, world.brandt)
    sync(local, world.brandt, LATER)
    assert version(local, world.brandt) == before
    assert status(local, world.brandt).synced_at == LATER


def test_due_calendars_are_synced_and_one_broken_stops_none(local, server, make, world):
    app = local
    interval = app.config["CALENDAR_IMPORT_INTERVAL"]
    advisors = [make.advisor(world.topic) for _ in range(5)]
    never, stale, fresh, asked, gone = advisors
    connect(app, never, server.serve("/never.ics", "weekly.ics"))
    connect(app, stale, server.url("/missing.ics"), checked_at=NOW - interval)  # a 404
    connect(app, fresh, server.serve("/fresh.ics", "weekly.ics"), checked_at=NOW)
    connect(
        app,
        asked,
        server.serve("/asked.ics", "weekly.ics"),
        checked_at=NOW - timedelta(minutes=5),
        requested_at=NOW - timedelta(minutes=1),
    )
    connect(app, gone, server.serve("/gone.ics", "weekly.ics"))
    with app.app_context():
        db.session.get(Advisor, gone.id).active = False
        db.session.commit()
        assert sync_due_calendars(NOW) == 3
    assert status(app, stale).error == "not_found"
    for advisor in (never, asked):
        assert imported(app, advisor) == spans(WEEKLY)
    assert status(app, asked).requested_at is None
    assert imported(app, fresh) == imported(app, gone) == []
    with app.app_context():
        assert sync_due_calendars(NOW + timedelta(minutes=1)) == 0, "nothing due any more"


def test_slow_calendars_leave_the_rest_of_the_round_to_the_mail(local, server, make, world):
    # The worker sends mail after the import: a round starts no fetch once its time is up,
    # and the calendars left over are fetched in the next round.
    advisors = [make.advisor(world.topic) for _ in range(3)]
    for number, advisor in enumerate(advisors):
        connect(local, advisor, server.serve(f"/slow{number}.ics", "weekly.ics", delay=0.3))
    with local.app_context():
        assert sync_due_calendars(NOW, budget=0.2) == 1
        assert sync_due_calendars(NOW, budget=10) == 2
    assert all(imported(local, advisor) == spans(WEEKLY) for advisor in advisors)


def test_fetch_now_does_not_take_a_calendar_from_the_worker_still_fetching_it(local, server, world):
    # A worker claimed it ten seconds ago; the advisor pressed "fetch now" since.
    url = server.serve("/cal.ics", "weekly.ics")
    claimed = NOW - timedelta(seconds=10)
    connect(local, world.brandt, url, checked_at=claimed, requested_at=NOW - timedelta(seconds=5))
    with local.app_context():
        assert sync_due_calendars(NOW) == 0
        assert sync_due_calendars(NOW + timedelta(minutes=2)) == 1, "the claim has run out"
    assert status(local, world.brandt).requested_at is None


def test_a_claim_is_taken_once(local, world):
    connect(local, world.brandt, "https://kalender.example/cal.ics")
    with local.app_context():
        assert claim(world.brandt.id, None, NOW) is True
        assert claim(world.brandt.id, None, NOW) is False, "a second worker saw the old state"


def test_two_workers_never_fetch_the_same_calendar(local, server, world):
    connect(local, world.brandt, server.serve("/slow.ics", "weekly.ics", delay=0.5))
    ready = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        with local.app_context():
            ready.wait()
            counts.append(sync_due_calendars(NOW))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert len(server.seen) == 1
    assert imported(local, world.brandt) == spans(WEEKLY)


def test_a_new_address_while_fetching_discards_the_old_calendar(local, server, world):
    slow = server.serve("/old.ics", "weekly.ics", delay=0.5)
    connect(local, world.brandt, slow)
    fetching = threading.Thread(target=sync, args=(local, world.brandt))
    fetching.start()
    while not server.seen:  # the old address is being fetched
        time.sleep(0.01)
    with local.app_context():
        db.session.get(ExternalCalendar, world.brandt.id).url = server.url("/new.ics")
        db.session.commit()
    fetching.join()
    assert imported(local, world.brandt) == []
    assert status(local, world.brandt).synced_at is None
    assert [seen.path for seen in server.seen] == ["/old.ics"]


def test_a_new_address_is_fetched_at_once_even_while_the_old_one_is_claimed(local, server, world):
    # A worker claimed the old address ten seconds ago; the advisor saves a new one.
    connect(local, world.brandt, server.url("/old.ics"), checked_at=NOW - timedelta(seconds=10))
    new = server.serve("/new.ics", "weekly.ics")
    with local.app_context():
        connect_calendar(db.session.get(Advisor, world.brandt.id), new, NOW)
        db.session.commit()
        assert sync_due_calendars(NOW) == 1
    assert [seen.path for seen in server.seen] == ["/new.ics"]
    assert imported(local, world.brandt) == spans(WEEKLY)


def busy_ics(start: datetime, end: datetime) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:a@test\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def test_imported_busy_times_disappear_from_the_slot_picker(local, server, htmx_client, world):
    day = monday_in(2)
    picker = (
        "/beratung/termine?type=erstgespraech&topic=digitalisierung"
        f"&advisor={world.brandt.id}&day={day}"
    )

    def offered(clock: str) -> bool:
        page = htmx_client.get(picker).get_data(as_text=True)
        return f"start={at(day, clock):%Y-%m-%dT%H:%MZ}" in page

    assert offered("10:00") and offered("10:30")  # and the week is in the cache now
    url = server.serve("/cal.ics", busy_ics(at(day, "10:00"), at(day, "11:00")))
    connect(local, world.brandt, url)
    now = datetime.now(UTC)
    sync(local, world.brandt, now)
    assert not offered("10:00") and not offered("10:30")
    assert offered("11:00") and offered("09:00")  # the 15-minute buffer ends before 10:00
    with local.test_request_context():
        advisor = db.session.get(Advisor, world.brandt.id)
        ctype = db.session.get(ConsultationType, world.ctype.id)
        assert not service.is_free(advisor, ctype, at(day, "10:30"), now)
        assert service.is_free(advisor, ctype, at(day, "11:00"), now)
