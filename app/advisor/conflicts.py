"""Upcoming bookings that changed hours or a new exception leave outside working time.

Changing hours never cancels or moves anything: the workspace lists these bookings with a
warning, and the advisor decides to keep each one or to cancel it with a message (which
sends the CANCEL invite).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.booking.availability import AdvisorCalendar, add_hours, holds_time
from app.booking.slots import working_periods
from app.extensions import db
from app.models import Advisor, Booking

ONE_DAY = timedelta(days=1)


class WorkingTime:
    """An advisor's working periods (``slots.working_periods``), each local date worked
    out once however many meetings fall on it: the agenda asks for a week of them."""

    def __init__(self, calendar: AdvisorCalendar) -> None:
        self.calendar = calendar
        self._periods: dict[date, list[tuple[datetime, datetime]]] = {}

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if day not in self._periods:
            calendar = self.calendar
            self._periods[day] = working_periods(
                day, calendar.zone, calendar.weekly, calendar.overrides
            )
        return self._periods[day]

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` lies inside one working period: of its local start
        date, or of the date before (hours may run past midnight where clocks go back)."""
        day = start.astimezone(self.calendar.zone).date()
        return any(
            period_start <= start and end <= period_end
            for local_day in (day - ONE_DAY, day)
            for period_start, period_end in self.periods(local_day)
        )


def working_time(advisor: Advisor, first: date, last: date) -> WorkingTime:
    """The advisor's hours and the exceptions touching local dates ``first``..``last``."""
    calendar = AdvisorCalendar(zone=ZoneInfo(advisor.timezone))
    add_hours({advisor.id: calendar}, first - ONE_DAY, last)
    return WorkingTime(calendar)


def outside_hours(advisor: Advisor, now: datetime) -> list[Booking]:
    """The advisor's upcoming bookings that hold their time outside their hours, by start."""
    bookings = db.session.scalars(
        sa.select(Booking)
        .where(Booking.advisor_id == advisor.id, holds_time(now), Booking.start > now)
        .options(
            selectinload(Booking.consultation_type),
            selectinload(Booking.organisation),
            selectinload(Booking.booked_by),
        )
        .order_by(Booking.start)
    ).all()
    if not bookings:
        return []
    zone = ZoneInfo(advisor.timezone)
    hours = working_time(
        advisor,
        bookings[0].start.astimezone(zone).date(),
        max(b.end for b in bookings).astimezone(zone).date(),
    )
    return [b for b in bookings if not hours.covers(b.start, b.end)]
