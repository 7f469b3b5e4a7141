"""Instants as numbers in SQL on either database, for the dashboard's figures: seconds
since 1970 of a ``UTCDateTime`` column, and the week of a date range an instant falls in
by the local calendar (integer arithmetic, clock changes included)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.date_range import DAY, WEEK, DateRange, local_midnight


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
