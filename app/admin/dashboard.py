"""The dashboard's figures, aggregated in SQL: a constant number of statements whatever the
number of bookings.

Every function takes the session, the date range (local dates of the hub's zone, both
included) and returns plain data; the views format it, the tests call these directly.

* bookings per ISO week by status, guest vs account, and the no-show and cancellation rates
  all come from one grouped query (``booking_counts``);
* advisor utilisation: booked hours (one grouped query) over offered hours, worked out from
  the same weekly hours and exceptions the picker uses (``availability.add_hours``: two
  queries for all advisors, then ``slots.working_periods`` per local day);
* demand by topic and by consultation type (one query each);
* canvases by status, and the median time from a submission to the reviewer's decision.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.booking.availability import AdvisorCalendar, add_hours
from app.booking.slots import working_periods
from app.canvas.workflow import Action, Status
from app.models import (
    Advisor,
    Booking,
    BookingStatus,
    Canvas,
    CanvasTransition,
    ConsultationType,
    Topic,
    User,
)

WEEK = timedelta(weeks=1)
DAY = timedelta(days=1)
LONGEST_RANGE_DAYS = 2 * 366  # "at most two years"
DEFAULT_PAST_WEEKS = 12  # up to and including the current week
DEFAULT_FUTURE_WEEKS = 4
# In the order of the stacked bars (bottom first) and the tables.
STATUSES = (
    BookingStatus.CONFIRMED.value,
    BookingStatus.PENDING.value,
    BookingStatus.COMPLETED.value,
    BookingStatus.NO_SHOW.value,
    BookingStatus.CANCELLED.value,
)
# Bookings that took (or take) the advisor's time: what utilisation counts as booked.
BOOKED_STATUSES = (
    BookingStatus.CONFIRMED.value,
    BookingStatus.COMPLETED.value,
    BookingStatus.NO_SHOW.value,
)
DECISIONS = (Action.REQUEST_CHANGES.value, Action.APPROVE.value)
CANVAS_STATUSES = tuple(status.value for status in Status)


class RangeError(ValueError):
    """Why a requested range was refused (a code the view translates)."""


@dataclass(frozen=True)
class DateRange:
    """Local dates ``first``..``last`` (both included) in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + DAY, self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def weeks(self) -> list[date]:
        """The Mondays of the ISO weeks the range touches."""
        monday = self.first - timedelta(days=self.first.weekday())
        mondays = []
        while monday <= self.last:
            mondays.append(monday)
            monday += WEEK
        return mondays


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def default_range(today: date, zone: ZoneInfo) -> DateRange:
    """The last 12 weeks up to and including the current one, and the next 4."""
    monday = today - timedelta(days=today.weekday())
    first = monday - (DEFAULT_PAST_WEEKS - 1) * WEEK
    last = monday + (DEFAULT_FUTURE_WEEKS + 1) * WEEK - DAY
    return DateRange(first, last, zone)


def parse_range(von: str | None, bis: str | None, today: date, zone: ZoneInfo) -> DateRange:
    """The range asked for by ``?von=YYYY-MM-DD&bis=YYYY-MM-DD``; a missing end defaults to
    the default range's. Raises ``RangeError`` ("format", "order", "span", "years")."""
    default = default_range(today, zone)
    if not von and not bis:
        return default
    first = _parse_day(von) if von else default.first
    last = _parse_day(bis) if bis else default.last
    if first > last:
        raise RangeError("order")
    if not (first.year >= 2000 and last.year <= today.year + 5):
        raise RangeError("years")
    if (last - first).days + 1 > LONGEST_RANGE_DAYS:
        raise RangeError("span")
    return DateRange(first, last, zone)


def _parse_day(text: str) -> date:
    text = text.strip()
    if len(text) != 10:
        raise RangeError("format")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RangeError("format") from None


# --- SQL helpers -------------------------------------------------------------------------


def epoch(session: Session, column):
    """Seconds since 1970 of a ``UTCDateTime`` column, as SQL on either database:
    PostgreSQL keeps ``timestamptz``, SQLite naive UTC text."""
    if is_postgres(session):
        return sa.func.date_part("epoch", column)  # double precision (extract is numeric)
    # Whole seconds exactly (julianday's floating days are off by microseconds), then the
    # milliseconds strftime knows.
    seconds = sa.cast(sa.func.strftime("%s", column), sa.Integer)
    fraction = sa.cast(sa.func.strftime("%f", column), sa.Float) - sa.cast(
        sa.func.strftime("%S", column), sa.Integer
    )
    return seconds + fraction


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def whole_seconds(session: Session, column):
    """Whole seconds since 1970 of a ``UTCDateTime`` column, as an SQL integer."""
    if is_postgres(session):
        return sa.cast(sa.func.date_part("epoch", column), sa.Integer)
    return sa.cast(sa.func.strftime("%s", column), sa.Integer)


def week_index(session: Session, column, span: DateRange):
    """Which week of ``span`` (0 = the week of its first day) the instant in ``column``
    falls in, by the local calendar of ``span.zone``: its epoch plus the zone's UTC offset
    at that instant (a CASE over the clock changes inside the range), counted in weeks from
    the first Monday's local midnight. Integer arithmetic only: on PostgreSQL much cheaper
    than converting every row with ``timezone()``."""
    zone = span.zone
    monday = span.first - timedelta(days=span.first.weekday())
    low = local_midnight(monday, zone)
    offsets = _offset_changes(low, span.end, zone)
    first_offset = offsets[0][1]
    if len(offsets) == 1:
        offset = sa.literal(first_offset)
    else:
        offset = sa.case(
            *((column >= moment, seconds) for moment, seconds in reversed(offsets[1:])),
            else_=first_offset,
        )
    origin = int(low.timestamp()) + first_offset  # the first Monday 00:00 as "local epoch"
    local_seconds = whole_seconds(session, column) + offset - origin  # ≥ 0 in the range
    return local_seconds // int(WEEK.total_seconds())


def _offset_changes(low: datetime, high: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) at ``low``, and each change up to ``high``, as
    (instant, new offset): found hour by hour on the days the offset differs."""

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds())

    changes = [(low, offset(low))]
    moment = low
    while moment < high:
        following = min(moment + WEEK, high)
        if offset(following) == changes[-1][1]:
            moment = following
            continue
        while offset(moment + DAY) == changes[-1][1]:  # the day of the change
            moment += DAY
        while offset(moment) == changes[-1][1]:  # its quarter hour
            moment += timedelta(minutes=15)
        changes.append((moment, offset(moment)))
    return changes


# --- bookings by week, status and kind of booker ------------------------------------------


@dataclass
class WeekRow:
    monday: date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class BookingFigures:
    weeks: list[WeekRow]
    guest: dict[str, int]  # status → count
    account: dict[str, int]

    def total(self, status: str) -> int:
        return sum(week.counts[status] for week in self.weeks)

    @property
    def all(self) -> int:
        return sum(week.total for week in self.weeks)

    @property
    def no_show_rate(self) -> float | None:
        """no-shows / (completed + no-shows): of the meetings that were due and recorded."""
        due = self.total("completed") + self.total("no_show")
        return self.total("no_show") / due if due else None

    @property
    def cancellation_rate(self) -> float | None:
        """cancelled / all bookings in the range."""
        return self.total("cancelled") / self.all if self.all else None

    def not_cancelled(self, counts: dict[str, int]) -> int:
        return sum(n for status, n in counts.items() if status != "cancelled")


@dataclass
class BookingRows:
    """What the one grouped statement over the range's bookings answers, by grouping set:
    (week, status, guest) counts, booked seconds per advisor, and counts per topic and per
    type by status."""

    weeks: list[tuple[int, str, bool, int]] = field(default_factory=list)
    booked_seconds: dict[int, float] = field(default_factory=dict)
    topics: dict[int, dict[str, int]] = field(default_factory=dict)
    types: dict[int, dict[str, int]] = field(default_factory=dict)


def booking_rows(session: Session, span: DateRange) -> BookingRows:
    """All booking figures of the range in one statement and one pass over the bookings:
    ``GROUPING SETS`` on PostgreSQL, the same four groupings as ``UNION ALL`` on SQLite."""
    week = week_index(session, Booking.start, span)
    guest = Booking.booked_by_id.is_(None)
    seconds = (
        sa.func.date_part("epoch", Booking.end - Booking.start)
        if is_postgres(session)
        else epoch(session, Booking.end) - epoch(session, Booking.start)
    )
    booked = sa.func.sum(sa.case((Booking.status.in_(BOOKED_STATUSES), seconds), else_=0))
    in_range = (Booking.start >= span.start, Booking.start < span.end)
    status, advisor = Booking.status, Booking.advisor_id
    topic, ctype = Booking.topic_id, Booking.consultation_type_id
    none = sa.null()
    if is_postgres(session):
        statement = (
            sa.select(week, status, guest, advisor, topic, ctype, sa.func.count(), booked)
            .where(*in_range)
            .group_by(
                sa.func.grouping_sets(
                    sa.tuple_(week, status, guest),
                    sa.tuple_(advisor),
                    sa.tuple_(topic, status),
                    sa.tuple_(ctype, status),
                )
            )
        )
    else:
        count = sa.func.count()
        statement = sa.union_all(
            sa.select(week, status, guest, none, none, none, count, sa.literal(0))
            .where(*in_range)
            .group_by(week, status, guest),
            sa.select(none, none, none, advisor, none, none, count, booked)
            .where(*in_range)
            .group_by(advisor),
            sa.select(none, status, none, none, topic, none, count, sa.literal(0))
            .where(*in_range)
            .group_by(topic, status),
            sa.select(none, status, none, none, none, ctype, count, sa.literal(0))
            .where(*in_range)
            .group_by(ctype, status),
        )
    found = BookingRows()
    for week_value, state, is_guest, advisor_id, topic_id, type_id, n, spent in session.execute(
        statement
    ):
        if week_value is not None:
            found.weeks.append((int(week_value), state, bool(is_guest), n))
        elif advisor_id is not None:
            found.booked_seconds[advisor_id] = float(spent or 0)
        elif topic_id is not None:
            found.topics.setdefault(topic_id, {})[state] = n
        elif type_id is not None:
            found.types.setdefault(type_id, {})[state] = n
    return found


def booking_counts(
    session: Session, span: DateRange, rows: BookingRows | None = None
) -> BookingFigures:
    """Bookings starting in the range by ISO week (of the hub's zone), status and booker
    (guest or account)."""
    rows = rows or booking_rows(session, span)
    weeks = [WeekRow(monday) for monday in span.weeks()]
    by_guest = {True: dict.fromkeys(STATUSES, 0), False: dict.fromkeys(STATUSES, 0)}
    for week, status, is_guest, count in rows.weeks:
        if status not in by_guest[True] or not 0 <= week < len(weeks):
            continue
        weeks[week].counts[status] += count
        by_guest[is_guest][status] += count
    return BookingFigures(weeks, guest=by_guest[True], account=by_guest[False])


# --- utilisation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Utilisation:
    advisor_id: int
    name: str
    offered_hours: float
    booked_hours: float

    @property
    def share(self) -> float | None:
        return self.booked_hours / self.offered_hours if self.offered_hours else None


def utilisation(
    session: Session, span: DateRange, rows: BookingRows | None = None
) -> list[Utilisation]:
    """Booked hours over offered hours per advisor in the range, by name. Offered: their
    working periods (weekly hours, exceptions, public holidays taken as days off) on each
    local date of the range, as the picker sees them; booked: the length of their
    confirmed, completed and no-show bookings starting in the range."""
    advisors = session.execute(
        sa.select(Advisor.id, User.name, Advisor.timezone)
        .join(User, User.id == Advisor.user_id)
        .order_by(User.name, Advisor.id)
    ).all()
    if not advisors:
        return []
    booked = (rows or booking_rows(session, span)).booked_seconds
    calendars = {a.id: AdvisorCalendar(zone=ZoneInfo(a.timezone)) for a in advisors}
    add_hours(calendars, span.first, span.last)
    result = []
    known: dict = {}
    for advisor_id, name, _zone in advisors:
        offered = offered_seconds(calendars[advisor_id], span.first, span.last, known)
        seconds = float(booked.get(advisor_id) or 0)
        if offered or seconds:
            result.append(Utilisation(advisor_id, name, offered / 3600, seconds / 3600))
    return result


def offered_seconds(
    calendar: AdvisorCalendar, first: date, last: date, known: dict | None = None
) -> float:
    """The length of the working periods on local dates ``first``..``last``. A day no
    exception touches has its weekday's hours: worked out once per weekday and pair of UTC
    offsets (its midnight's and the next), and counted, not once per day; ``known`` keeps
    those lengths across advisors with the same hours (most have)."""
    known = {} if known is None else known
    hours = (calendar.zone.key, tuple(sorted((w.weekday, w.start, w.end) for w in calendar.weekly)))
    touched = set()
    for override in calendar.overrides:
        day = max(override.first_day, first)
        while day <= min(override.last_day, last):
            touched.add(day)
            day += DAY
    total = sum(_length(day, calendar) for day in touched)
    kinds = day_kinds(calendar.zone, first, last)
    for day in touched:
        kinds[kind_of(day, calendar.zone)].remove(day)
    for kind, days in kinds.items():
        if days:
            if (hours, kind) not in known:
                known[hours, kind] = _length(days[0], calendar)
            total += len(days) * known[hours, kind]
    return total


def kind_of(day: date, zone: ZoneInfo) -> tuple:
    return (
        day.weekday(),
        datetime.combine(day, time(), tzinfo=zone).utcoffset(),
        datetime.combine(day + DAY, time(), tzinfo=zone).utcoffset(),
    )


@lru_cache(maxsize=32)
def _day_kinds(zone: ZoneInfo, first: date, last: date) -> dict[tuple, tuple[date, ...]]:
    kinds: dict[tuple, list[date]] = {}
    day = first
    while day <= last:
        kinds.setdefault(kind_of(day, zone), []).append(day)
        day += DAY
    return {kind: tuple(days) for kind, days in kinds.items()}


def day_kinds(zone: ZoneInfo, first: date, last: date) -> dict[tuple, list[date]]:
    """The local dates ``first``..``last`` by weekday and UTC offsets (a fresh copy)."""
    return {kind: list(days) for kind, days in _day_kinds(zone, first, last).items()}


def _length(day: date, calendar: AdvisorCalendar) -> float:
    return sum(
        (end - start).total_seconds()
        for start, end in working_periods(day, calendar.zone, calendar.weekly, calendar.overrides)
    )


# --- demand ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demand:
    id: int
    name_de: str
    name_en: str
    booked: int  # not cancelled
    cancelled: int


def _demand(names, counts: dict[int, dict[str, int]]) -> list[Demand]:
    found = []
    for id_, name_de, name_en in names:
        if id_ in counts:
            by_status = counts[id_]
            cancelled = by_status.get(BookingStatus.CANCELLED.value, 0)
            found.append(Demand(id_, name_de, name_en, sum(by_status.values()) - cancelled,
                                cancelled))  # fmt: skip
    return sorted(found, key=lambda d: (-d.booked, -d.cancelled, d.name_de))


def demand_by_topic(
    session: Session, span: DateRange, rows: BookingRows | None = None
) -> list[Demand]:
    """Bookings starting in the range per topic (not cancelled, cancelled apart), most
    booked first."""
    rows = rows or booking_rows(session, span)
    names = session.execute(sa.select(Topic.id, Topic.name_de, Topic.name_en)).all()
    return _demand(names, rows.topics)


def demand_by_type(
    session: Session, span: DateRange, rows: BookingRows | None = None
) -> list[Demand]:
    """The same per consultation type."""
    rows = rows or booking_rows(session, span)
    model = ConsultationType
    names = session.execute(sa.select(model.id, model.name_de, model.name_en)).all()
    return _demand(names, rows.types)


# --- canvases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CanvasFigures:
    by_status: dict[str, int]  # today's status of every canvas
    decisions: int  # decisions made in the range
    median_hours: float | None  # from the submission to the decision


def canvas_figures(session: Session, span: DateRange) -> CanvasFigures:
    """Every canvas by its current status (one query), and the median time from a
    submission to the reviewer's decision (changes requested or approved) for decisions in
    the range: each decision measured from the latest submission of its canvas before it,
    in SQL (PostgreSQL's ``percentile_cont``; on SQLite the sorted durations, one column of
    one query)."""
    counts = dict(
        session.execute(sa.select(Canvas.status, sa.func.count()).group_by(Canvas.status)).all()
    )
    by_status = {status: int(counts.get(status, 0)) for status in CANVAS_STATUSES}

    decision = aliased(CanvasTransition)
    submission = aliased(CanvasTransition)
    submitted = (
        sa.select(sa.func.max(submission.at))
        .where(
            submission.canvas_id == decision.canvas_id,
            submission.action == Action.SUBMIT.value,
            submission.at <= decision.at,
        )
        .scalar_subquery()
    )
    waited = (epoch(session, decision.at) - epoch(session, submitted)).label("waited")
    durations = (
        sa.select(waited)
        .where(
            decision.action.in_(DECISIONS),
            decision.at >= span.start,
            decision.at < span.end,
        )
        .subquery()
    )
    valid = durations.c.waited.is_not(None)
    if is_postgres(session):
        count, median = session.execute(
            sa.select(
                sa.func.count(durations.c.waited),
                sa.func.percentile_cont(0.5).within_group(durations.c.waited),
            ).where(valid)
        ).one()
        median = float(median) if median is not None else None
    else:
        values = session.scalars(
            sa.select(durations.c.waited).where(valid).order_by(durations.c.waited)
        ).all()
        count = len(values)
        median = statistics.median(values) if values else None
    return CanvasFigures(
        by_status,
        int(count or 0),
        median / 3600 if median is not None else None,
    )


# --- everything --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    span: DateRange
    bookings: BookingFigures
    utilisation: list[Utilisation]
    topics: list[Demand]
    types: list[Demand]
    canvases: CanvasFigures

    @property
    def booked_hours(self) -> float:
        return sum(u.booked_hours for u in self.utilisation)

    @property
    def offered_hours(self) -> float:
        return sum(u.offered_hours for u in self.utilisation)

    @property
    def overall_utilisation(self) -> float | None:
        return self.booked_hours / self.offered_hours if self.offered_hours else None


def build(session: Session, span: DateRange) -> Dashboard:
    rows = booking_rows(session, span)
    return Dashboard(
        span=span,
        bookings=booking_counts(session, span, rows),
        utilisation=utilisation(session, span, rows),
        topics=demand_by_topic(session, span, rows),
        types=demand_by_type(session, span, rows),
        canvases=canvas_figures(session, span),
    )


__all__ = [
    "DateRange",
    "RangeError",
    "booking_counts",
    "build",
    "canvas_figures",
    "default_range",
    "demand_by_topic",
    "demand_by_type",
    "parse_range",
    "utilisation",
]
