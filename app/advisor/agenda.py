"""The advisor's agenda, the workspace's home: today, one week, and past meetings that still
need an outcome.

Rules, each a test in tests/test_advisor_agenda.py:

- Days are the viewer's local days (``app.i18n.select_timezone``; for an advisor their own
  setting); a booking belongs to the day it starts on.
- Shown are confirmed, completed, no-show and cancelled bookings, and a guest's unconfirmed
  booking while its hold lasts (it is marked "unbestätigt"); an expired hold held nothing
  and is left out. Cancelled ones stay visible, struck through, so a freed hour explains
  itself; they are never marked as conflicts and the printout leaves them out.
- A booking that still holds its time and has not ended is marked when it lies outside the
  advisor's current hours (``app.advisor.conflicts.WorkingTime``).
- "Needs an outcome": confirmed bookings that have ended, newest first, the first
  ``OUTCOME_LIMIT`` of them with the total.
- The number of statements is the same for 2 or 200 bookings: one for the shown bookings
  with their companies and contacts, one for both counts, one for the outcome list, one
  for the names of the types, topics, canvases and versions they name, and two for the
  hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.advisor.conflicts import working_time
from app.booking.availability import LONGEST_BOOKING, holds_time
from app.booking.choice import local_midnight, usable_date
from app.extensions import db
from app.models import (
    Advisor,
    Booking,
    BookingStatus,
    Canvas,
    CanvasVersion,
    ConsultationType,
    Organisation,
    Topic,
    User,
)

ONE_DAY, ONE_WEEK = timedelta(days=1), timedelta(days=7)
OUTCOME_LIMIT = 20
PENDING, CONFIRMED, CANCELLED = (
    BookingStatus.PENDING.value,
    BookingStatus.CONFIRMED.value,
    BookingStatus.CANCELLED.value,
)


@dataclass(frozen=True)
class Named:
    """A consultation type or topic as a row names it (``localised(named, "name")``)."""

    name_de: str
    name_en: str


@dataclass(frozen=True)
class Titled:
    title: str


@dataclass(frozen=True)
class Numbered:
    number: int


@dataclass(slots=True)
class Row:
    """One booking as the agenda lists it: plain values read in one statement. Building
    ORM objects for 200 bookings with their companies, contacts and types cost a third of
    the page's time. ``canvas_id``, ``canvas`` and ``canvas_version`` are shaped as on a
    Booking, so the canvas link macro (templates/booking/_canvas.html) reads a row too."""

    id: int
    start: datetime
    end: datetime
    status: str
    company: str  # the organisation's name, or the guest's company; may be empty
    contact: str
    kind: Named
    topic: Named
    canvas_id: int | None
    canvas: Titled | None
    canvas_version: Numbered | None
    outside_hours: bool = False  # holds its time, has not ended, and lies outside the hours
    # Its words in the reader's language and zone, written by the view (agenda_routes).
    when: str = ""
    meta: str = ""

    @property
    def pending(self) -> bool:
        """A guest's booking waiting for their confirmation."""
        return self.status == PENDING

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


@dataclass(frozen=True)
class Day:
    day: date
    rows: list[Row]


@dataclass(frozen=True)
class Agenda:
    zone: ZoneInfo
    today: Day
    monday: date
    week: list[Day]
    previous_week: date | None  # None: outside the years a link may name
    next_week: date | None
    is_this_week: bool
    pending_count: int  # upcoming guest bookings waiting for confirmation, any week
    needs_outcome: list[Row]
    needs_outcome_total: int

    @property
    def week_is_empty(self) -> bool:
        return not any(day.rows for day in self.week)


# A booking as the queries below read it, before its names are looked up.
Found = tuple[int, datetime, datetime, str, str, str, int, int, int | None, int | None]


def _found(*conditions, newest_first: bool = False) -> list[Found]:
    """The bookings that meet ``conditions`` by start, with their company and contact.

    Types, topics and canvases are looked up apart (``_rows``): joined into this statement
    too, PostgreSQL took 3 ms to plan its seven tables, more than running it."""
    order = (Booking.start, Booking.id)
    query = (
        sa.select(
            Booking.id,
            Booking.start,
            Booking.end,
            Booking.status,
            sa.func.coalesce(Organisation.name, Booking.guest_company, ""),
            sa.func.coalesce(User.name, Booking.guest_name, ""),
            Booking.consultation_type_id,
            Booking.topic_id,
            Booking.canvas_id,
            Booking.canvas_version_id,
        )
        .outerjoin(Organisation, Organisation.id == Booking.organisation_id)
        .outerjoin(User, User.id == Booking.booked_by_id)
        .where(*conditions)
        .order_by(*(column.desc() for column in order) if newest_first else order)
    )
    return [tuple(values) for values in db.session.execute(query)]


def _rows(*lists: list[Found]) -> list[list[Row]]:
    """Each list of found bookings as rows, the names of their types, topics, canvases and
    versions looked up together in one statement (a round trip to PostgreSQL costs more
    than the few rows it reads; none at all when nothing was found)."""
    found = [values for listed in lists for values in listed]
    no_text, no_number = sa.null().cast(sa.String), sa.null().cast(sa.Integer)
    # (position of the id in Found, the columns: id, two texts, a number, how to keep them)
    named = {
        "kind": (6, ConsultationType.id, ConsultationType.name_de, ConsultationType.name_en,
                 no_number, lambda de, en, _: Named(de, en)),
        "topic": (7, Topic.id, Topic.name_de, Topic.name_en, no_number,
                  lambda de, en, _: Named(de, en)),
        "canvas": (8, Canvas.id, Canvas.title, no_text, no_number,
                   lambda title, _, __: Titled(title)),
        "version": (9, CanvasVersion.id, no_text, no_text, CanvasVersion.number,
                    lambda _, __, number: Numbered(number)),
    }  # fmt: skip
    selects = []
    for tag, (position, *columns, _make) in named.items():
        ids = {f[position] for f in found if f[position] is not None}
        if ids:
            selects.append(sa.select(sa.literal(tag), *columns).where(columns[0].in_(ids)))
    names: dict[str, dict] = {tag: {} for tag in named}
    for tag, id_, first, second, number in (
        db.session.execute(sa.union_all(*selects)) if selects else ()
    ):
        names[tag][id_] = named[tag][-1](first, second, number)
    kinds, topics, canvases, versions = names.values()

    def row(id_, start, end, status, company, contact, kind, topic, canvas, version) -> Row:
        return Row(
            id=id_,
            start=start,
            end=end,
            status=status,
            company=company,
            contact=contact,
            kind=kinds[kind],
            topic=topics[topic],
            canvas_id=canvas,
            canvas=canvases.get(canvas),
            canvas_version=versions.get(version),
        )

    return [[row(*values) for values in listed] for listed in lists]


def _starting_within(ranges: list[tuple[datetime, datetime]]):
    """Bookings starting in any of ``ranges``; also bounded on the blocked range, which the
    advisor's time index covers (a booking blocks at least its own time, never a day)."""
    return sa.or_(
        *(
            sa.and_(
                Booking.blocked_until > low,
                Booking.blocked_until < high + LONGEST_BOOKING,
                Booking.start >= low,
                Booking.start < high,
            )
            for low, high in ranges
        )
    )


def _shown(advisor: Advisor, now: datetime, ranges: list[tuple[datetime, datetime]]):
    return _found(
        Booking.advisor_id == advisor.id,
        _starting_within(ranges),
        sa.or_(Booking.status != PENDING, Booking.hold_expires_at > now),
    )


def _outside_hours(advisor: Advisor, rows: list[Row], now: datetime) -> set[int]:
    """The ids of the rows that still hold their time, have not ended and lie outside the
    advisor's hours. Loads the hours (two statements) only if a row needs them."""
    checked = [r for r in rows if r.end > now and r.status in (CONFIRMED, PENDING)]
    if not checked:
        return set()
    zone = ZoneInfo(advisor.timezone)
    hours = working_time(
        advisor,
        min(r.start for r in checked).astimezone(zone).date(),
        max(r.end for r in checked).astimezone(zone).date(),
    )
    return {r.id for r in checked if not hours.covers(r.start, r.end)}


def _counts(advisor: Advisor, now: datetime) -> tuple[int, int]:
    """Upcoming guest bookings waiting for confirmation, and ended confirmed bookings
    without an outcome: one statement for both."""
    pending = sa.and_(Booking.status == PENDING, holds_time(now), Booking.end > now)
    ended = sa.and_(Booking.status == CONFIRMED, Booking.end <= now)
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(pending),
            sa.func.count().filter(ended),
        ).where(Booking.advisor_id == advisor.id, Booking.status.in_((PENDING, CONFIRMED)))
    ).one()
    return row[0], row[1]


def _needs_outcome(advisor: Advisor, now: datetime) -> list[Found]:
    # "start < now" follows from the end (a booking starts before it ends), and says where
    # the newest ones are: without it PostgreSQL walked the start index back from the last
    # booking a year ahead, through every advisor's future bookings (58 ms instead of 1).
    newest = (
        sa.select(Booking.id)
        .where(
            Booking.advisor_id == advisor.id,
            Booking.status == CONFIRMED,
            Booking.start < now,
            Booking.end <= now,
        )
        .order_by(Booking.start.desc(), Booking.id.desc())
        .limit(OUTCOME_LIMIT)
    )
    return _found(Booking.id.in_(newest.scalar_subquery()), newest_first=True)


def build(advisor: Advisor, now: datetime, zone: ZoneInfo, monday: date) -> Agenda:
    """The agenda of ``advisor`` at ``now``: today and the week of ``monday`` as local days
    of ``zone``, the pending count and the meetings that need an outcome."""
    today = now.astimezone(zone).date()
    week_range = (local_midnight(monday, zone), local_midnight(monday + ONE_WEEK, zone))
    today_range = (local_midnight(today, zone), local_midnight(today + ONE_DAY, zone))
    this_week = monday <= today < monday + ONE_WEEK
    shown = _shown(advisor, now, [week_range] if this_week else [week_range, today_range])
    pending_count, outcome_total = _counts(advisor, now)
    rows, needs_outcome = _rows(shown, _needs_outcome(advisor, now) if outcome_total else [])
    outside = _outside_hours(advisor, rows, now)

    days: dict[date, list[Row]] = {}
    for row in rows:
        row.outside_hours = row.id in outside
        days.setdefault(row.start.astimezone(zone).date(), []).append(row)

    previous_week, next_week = monday - ONE_WEEK, monday + ONE_WEEK
    return Agenda(
        zone=zone,
        today=Day(today, days.get(today, [])),
        monday=monday,
        week=[Day(day, days.get(day, [])) for day in (monday + n * ONE_DAY for n in range(7))],
        previous_week=previous_week if usable_date(previous_week) else None,
        next_week=next_week if usable_date(next_week) else None,
        is_this_week=this_week,
        pending_count=pending_count,
        needs_outcome=needs_outcome,
        needs_outcome_total=outcome_total,
    )
