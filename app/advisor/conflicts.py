"""Upcoming bookings that changed hours or a new exception leave outside working time.

Changing hours never cancels or moves anything: the workspace lists these bookings with a
warning, and the advisor decides to keep each one or to cancel it with a message (which
sends the CANCEL invite).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.booking.availability import AdvisorCalendar, add_hours, holds_time
from app.booking.slots import working_periods
from app.extensions import db
from app.models import Advisor, Booking

ONE_DAY = timedelta(days=1)


def within_hours(start: datetime, end: datetime, calendar: AdvisorCalendar) -> bool:
    """Whether ``[start, end)`` lies inside one working period: of its local start date, or
    of the date before (hours may run past midnight where clocks go back)."""
    day = start.astimezone(calendar.zone).date()
    return any(
        period_start <= start and end <= period_end
        for local_day in (day - ONE_DAY, day)
        for period_start, period_end in working_periods(
            local_day, calendar.zone, calendar.weekly, calendar.overrides
        )
    )


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
    calendar = AdvisorCalendar(zone=ZoneInfo(advisor.timezone))
    first = bookings[0].start.astimezone(calendar.zone).date() - ONE_DAY
    last = max(b.end for b in bookings).astimezone(calendar.zone).date()
    add_hours({advisor.id: calendar}, first, last)
    return [b for b in bookings if not within_hours(b.start, b.end, calendar)]
