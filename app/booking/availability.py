"""Loading what slot computation needs, for any number of advisors in four queries.

The number of statements never grows with advisors or bookings (tests pin it), so the slot
picker stays fast on a hub with years of history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.booking.slots import (
    Booked,
    DayOverride,
    Interval,
    Slot,
    SlotRules,
    WeeklyHours,
    free_slots,
)
from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    BusyBlock,
    ConsultationType,
)

# Bookings and busy blocks reach into the window by at most this much: buffers, and whole
# local days for the per-day maximum (a 25-hour day in October needs more than one).
MARGIN = timedelta(days=2)
# No booking lasts a day, buffers included (the type form caps 480 + 2 × 120 minutes): this
# bounds the index scan on blocked_until instead of reading every future booking.
LONGEST_BOOKING = timedelta(days=1)


@dataclass
class AdvisorCalendar:
    zone: ZoneInfo
    weekly: list[WeeklyHours] = field(default_factory=list)
    overrides: list[DayOverride] = field(default_factory=list)
    busy: list[Interval] = field(default_factory=list)
    booked: list[Booked] = field(default_factory=list)

    def free_slots(
        self, rules: SlotRules, now: datetime, window_start: datetime, window_end: datetime
    ) -> list[Slot]:
        return free_slots(
            zone=self.zone,
            weekly=self.weekly,
            overrides=self.overrides,
            busy=self.busy,
            booked=self.booked,
            rules=rules,
            now=now,
            window_start=window_start,
            window_end=window_end,
        )


def rules_for(ctype: ConsultationType, advisor: Advisor | None = None) -> SlotRules:
    """The type's rules, made stricter by the advisor's own settings (never looser): the
    longer buffer and notice, and their daily limit on top of the type's. Slots start
    every 30 minutes, or every duration if shorter."""
    own_buffer = timedelta(minutes=advisor.buffer_minutes if advisor else 0)
    own_notice = timedelta(minutes=(advisor.minimum_notice_minutes or 0) if advisor else 0)
    return SlotRules(
        duration=ctype.duration,
        buffer_before=max(ctype.buffer_before, own_buffer),
        buffer_after=max(ctype.buffer_after, own_buffer),
        minimum_notice=max(ctype.minimum_notice, own_notice),
        horizon=ctype.horizon,
        max_per_day=ctype.max_per_day,
        max_meetings_per_day=advisor.max_per_day if advisor else None,
        step=timedelta(minutes=min(ctype.duration_minutes, 30)),
    )


def holds_time(now: datetime):
    """Bookings that keep their time: confirmed ones, and pending ones whose hold is alive."""
    return sa.or_(
        Booking.status == BookingStatus.CONFIRMED.value,
        sa.and_(Booking.status == BookingStatus.PENDING.value, Booking.hold_expires_at > now),
    )


def _naive_utc(column: sa.ColumnElement, postgres: bool) -> sa.ColumnElement:
    """An instant column read as a plain naive-UTC ``datetime``: no type decorator and no
    zone conversion per value (PostgreSQL converts in the statement, SQLite stores UTC)."""
    value = sa.func.timezone("UTC", column) if postgres else column
    return sa.type_coerce(value, sa.DateTime()).label(column.key)


def add_hours(calendars: dict[int, AdvisorCalendar], first_day: date, last_day: date) -> None:
    """Fill in the weekly hours of the ``calendars``' advisors and their exceptions that
    touch the local dates ``first_day``..``last_day``: one statement for any number (weekly
    hours and exceptions as one list of plain rows: nothing here is changed)."""
    ids = list(calendars)
    rules = sa.select(
        AvailabilityRule.advisor_id,
        AvailabilityRule.weekday,
        sa.cast(sa.null(), sa.Date).label("first_day"),
        sa.cast(sa.null(), sa.Date).label("last_day"),
        AvailabilityRule.start_time,
        AvailabilityRule.end_time,
        sa.literal_column("0").label("id"),
    ).where(AvailabilityRule.advisor_id.in_(ids))
    exceptions = sa.select(
        AvailabilityException.advisor_id,
        sa.cast(sa.null(), sa.Integer).label("weekday"),
        AvailabilityException.first_day,
        AvailabilityException.last_day,
        AvailabilityException.start_time,
        AvailabilityException.end_time,
        AvailabilityException.id,
    ).where(
        AvailabilityException.advisor_id.in_(ids),
        AvailabilityException.last_day >= first_day,
        AvailabilityException.first_day <= last_day,
    )
    rows = db.session.connection().execute(
        sa.union_all(rules, exceptions).order_by(sa.literal_column("id"))
    )
    # Special hours for the same dates are one override with several periods. A day off stays
    # an override of its own: free_slots lets it win over any hours for its dates (rule 1).
    grouped: dict[tuple, list] = defaultdict(list)
    for advisor_id, weekday, first, last, start, end, _id in rows:
        if weekday is not None:
            calendars[advisor_id].weekly.append(WeeklyHours(weekday, start, end))
        elif start and end:
            grouped[(advisor_id, first, last)].append((start, end))
        else:
            calendars[advisor_id].overrides.append(DayOverride(first, last))
    for (advisor_id, first, last), hours in grouped.items():
        calendars[advisor_id].overrides.append(DayOverride(first, last, tuple(hours)))


def load_calendars(
    advisors: Sequence[Advisor],
    ctype: ConsultationType,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> dict[int, AdvisorCalendar]:
    """Hours, exceptions, busy time and bookings of ``advisors`` around the window, in two
    statements whatever their number.

    ``advisors`` need only ``id`` and ``timezone`` (an ``Advisor``, or the picker's
    ``offer.OfferedAdvisor``). A month of "any advisor" is thousands of booking rows: they
    are read through Core as plain naive-UTC values (no ORM objects, no type decorator),
    made aware once, and given to ``Booked`` already in UTC. Each statement is a round trip
    to a database that the other requests keep busy too, so busy time and bookings come as
    one list, as do weekly hours and exceptions.
    """
    calendars = {a.id: AdvisorCalendar(zone=ZoneInfo(a.timezone)) for a in advisors}
    ids = list(calendars)
    if not ids:
        return calendars
    low, high = window_start - MARGIN, window_end + MARGIN

    add_hours(calendars, low.date(), high.date())

    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    busy = sa.select(
        BusyBlock.advisor_id,
        _naive_utc(BusyBlock.start, postgres),
        _naive_utc(BusyBlock.end, postgres),
        _naive_utc(BusyBlock.start, postgres).label("blocked_from"),
        _naive_utc(BusyBlock.end, postgres).label("blocked_until"),
        sa.cast(sa.null(), sa.Integer).label("consultation_type_id"),
    ).where(BusyBlock.advisor_id.in_(ids), BusyBlock.end > low, BusyBlock.start < high)
    booked = sa.select(
        Booking.advisor_id,
        *(
            _naive_utc(column, postgres)
            for column in (Booking.start, Booking.end, Booking.blocked_from, Booking.blocked_until)
        ),
        Booking.consultation_type_id,
    ).where(
        Booking.advisor_id.in_(ids),
        holds_time(now),
        Booking.blocked_until > low,
        Booking.blocked_until < high + LONGEST_BOOKING,
        Booking.blocked_from < high,
    )
    if ignore_booking_id is not None:
        booked = booked.where(Booking.id != ignore_booking_id)
    type_id = ctype.id
    for advisor_id, start, end, blocked_from, blocked_until, booked_type in connection.execute(
        sa.union_all(busy, booked)
    ):
        if booked_type is None:  # busy time (every booking has a type)
            calendars[advisor_id].busy.append(
                Interval(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
            )
            continue
        calendars[advisor_id].booked.append(
            Booked(
                start.replace(tzinfo=UTC),
                end.replace(tzinfo=UTC),
                start - blocked_from,
                blocked_until - end,
                booked_type == type_id,
            )
        )
    return calendars


def free_slots_by_advisor(
    advisors: list[Advisor],
    ctype: ConsultationType,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> dict[int, list[Slot]]:
    """Each advisor's free slots for ``ctype`` starting inside the window."""
    calendars = load_calendars(advisors, ctype, window_start, window_end, now, ignore_booking_id)
    return {
        advisor.id: calendars[advisor.id].free_slots(
            rules_for(ctype, advisor), now, window_start, window_end
        )
        for advisor in advisors
    }


@dataclass(frozen=True)
class OpenSlot:
    """A start time and the advisors free then (one, or several for "any advisor")."""

    start: datetime
    end: datetime
    advisor_ids: tuple[int, ...]


def merge(by_advisor: dict[int, list[Slot]]) -> list[OpenSlot]:
    starts: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for advisor_id, slots in by_advisor.items():
        for slot in slots:
            starts[(slot.start, slot.end)].append(advisor_id)
    return [
        OpenSlot(start, end, tuple(sorted(ids))) for (start, end), ids in sorted(starts.items())
    ]
