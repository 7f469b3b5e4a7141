"""Advisor utilisation for the dashboard: booked hours (from the one grouped statement of
``booking_figures``) over offered hours, worked out from the same weekly hours and
exceptions the picker uses (``availability.add_hours``: one statement for all advisors, then
``slots.working_periods`` per local day, counted once per kind of day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.booking_figures import BookingRows, booking_rows
from app.admin.date_range import DAY, DateRange
from app.booking.availability import AdvisorCalendar, add_hours
from app.booking.slots import working_periods
from app.models import Advisor, User


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


__all__ = ["utilisation"]
