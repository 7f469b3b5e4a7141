"""The slot picker's week: free times grouped by day in the viewer's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking.availability import OpenSlot, free_slots_by_advisor, merge
from app.booking.choice import Choice, local_midnight


@dataclass(frozen=True)
class Week:
    monday: date
    days: list[tuple[date, list[OpenSlot]]]
    previous: date | None  # None: that week is already past
    next: date | None  # None: beyond the booking horizon

    @property
    def has_slots(self) -> bool:
        return any(slots for _, slots in self.days)


def week_view(
    choice: Choice,
    monday: date,
    zone: ZoneInfo,
    now: datetime,
    ignore_booking_id: int | None = None,
) -> Week:
    """Free slots of the week starting ``monday`` (local to the viewer), day by day."""
    start, end = local_midnight(monday, zone), local_midnight(monday + timedelta(days=7), zone)
    by_advisor = free_slots_by_advisor(
        choice.advisors, choice.ctype, start, end, now, ignore_booking_id
    )
    days: dict[date, list[OpenSlot]] = {monday + timedelta(days=n): [] for n in range(7)}
    for slot in merge(by_advisor):
        days[slot.start.astimezone(zone).date()].append(slot)
    this_monday = now.astimezone(zone).date()
    this_monday -= timedelta(days=this_monday.weekday())
    horizon = (now + choice.ctype.horizon).astimezone(zone).date()
    next_monday = monday + timedelta(days=7)
    return Week(
        monday=monday,
        days=sorted(days.items()),
        previous=monday - timedelta(days=7) if monday > this_monday else None,
        next=next_monday if next_monday <= horizon else None,
    )
