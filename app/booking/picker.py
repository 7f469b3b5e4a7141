"""What the slot picker shows: a month with its free days, one day's times, a week of times.

Everything is in the viewer's zone: a "day" is a local date, so a visitor in New York and
one in Berlin see the same instants under different dates near midnight.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking.availability import OpenSlot, free_slots_by_advisor, merge
from app.booking.choice import Choice, local_midnight, usable_date


def free_times(
    choice: Choice,
    first: date,
    last: date,
    zone: ZoneInfo,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> dict[date, list[OpenSlot]]:
    """The free times of the local days ``first``..``last``, by day; only days with some."""
    start, end = local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
    by_advisor = free_slots_by_advisor(
        choice.advisors, choice.ctype, start, end, now, ignore_booking_id
    )
    days: dict[date, list[OpenSlot]] = defaultdict(list)
    for slot in merge(by_advisor):
        days[slot.start.astimezone(zone).date()].append(slot)
    return dict(days)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[date]]  # Monday to Sunday rows covering the month
    free: dict[date, list[OpenSlot]]
    today: date
    horizon: date  # the last local date the type can be booked on
    selected: date | None = None
    next_free: date | None = None  # the first free day after this month when it has none

    @property
    def previous(self) -> date | None:
        """The first of the previous month, or None when that is wholly past."""
        return None if self.first <= first_of_month(self.today) else previous_month(self.first)

    @property
    def next(self) -> date | None:
        """The first of the next month, or None when it is beyond the booking horizon."""
        following = next_month(self.first)
        return following if following <= self.horizon else None

    @property
    def times(self) -> list[OpenSlot]:
        return self.free.get(self.selected, []) if self.selected else []

    def later_free_day(self) -> date | None:
        """The next free day after the selected one: in this month, else ``next_free``."""
        after = self.selected or self.today
        return next((day for day in sorted(self.free) if day > after), self.next_free)

    def in_month(self, day: date) -> bool:
        return day.month == self.first.month


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def _weeks(first: date) -> list[list[date]]:
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday < next_month(first):
        weeks.append([monday + timedelta(days=n) for n in range(7)])
        monday += timedelta(days=7)
    return weeks


def month_view(
    choice: Choice,
    first: date,
    zone: ZoneInfo,
    now: datetime,
    selected: date | None = None,
    ignore_booking_id: int | None = None,
) -> Month:
    """The month starting ``first`` with its free days; ``selected`` defaults to the first
    free day. Only days from today to the horizon are computed: the rest cannot be booked."""
    today = now.astimezone(zone).date()
    horizon = (now + choice.ctype.horizon).astimezone(zone).date()
    begin, end = max(first, today), min(next_month(first) - timedelta(days=1), horizon)
    free = free_times(choice, begin, end, zone, now, ignore_booking_id) if begin <= end else {}
    if selected is None or not usable_date(selected) or first_of_month(selected) != first:
        selected = min(free) if free else None
    return Month(first, _weeks(first), free, today, horizon, selected)


def open_month(
    choice: Choice,
    zone: ZoneInfo,
    now: datetime,
    asked: date | None = None,
    ignore_booking_id: int | None = None,
) -> Month:
    """The month to show: the one holding the ``asked`` day, else the first with a free
    day (from this month up to the horizon), so nobody opens on an empty calendar.

    Where the month, or the asked day and the rest of its month, has nothing free, the
    month carries ``next_free``: the first free day after it (None: none until the horizon).
    """
    today = now.astimezone(zone).date()
    if asked is not None and (not usable_date(asked) or asked < first_of_month(today)):
        asked = None
    month = month_view(choice, first_of_month(asked or today), zone, now, asked, ignore_booking_id)
    if month.free and (month.selected in month.free or month.later_free_day()):
        return month
    later = month.first
    while (later := next_month(later)) <= month.horizon:
        candidate = month_view(choice, later, zone, now, None, ignore_booking_id)
        if candidate.free:
            return (
                candidate
                if asked is None and not month.free
                else replace(month, next_free=min(candidate.free))
            )
    return month


@dataclass(frozen=True)
class Week:
    """Seven days of free times: the choices offered again inside the booking form."""

    monday: date
    days: list[tuple[date, list[OpenSlot]]]


def week_view(
    choice: Choice,
    monday: date,
    zone: ZoneInfo,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> Week:
    """Free slots of the week starting ``monday`` (local to the viewer), day by day."""
    free = free_times(choice, monday, monday + timedelta(days=6), zone, now, ignore_booking_id)
    days = [
        (monday + timedelta(days=n), free.get(monday + timedelta(days=n), [])) for n in range(7)
    ]
    return Week(monday, days)
