"""The dashboard's booking figures, aggregated in SQL: one grouped statement over the
range's bookings (``booking_rows``) answers bookings per ISO week by status, guest vs
account, and the no-show and cancellation rates (``booking_counts``), the booked seconds
per advisor that utilisation needs, and the demand by topic and by consultation type.

Every function takes the session and the date range (local dates of the hub's zone, both
included) and returns plain data; the views format it, the tests call these directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.date_range import DateRange
from app.admin.sql_time import epoch, is_postgres, week_index
from app.models import Booking, BookingStatus, ConsultationType, Topic

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


__all__ = ["booking_counts", "booking_rows", "demand_by_topic", "demand_by_type"]
