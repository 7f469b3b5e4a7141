"""The free times an advisor's settings produce: the next two weeks, as the public picker
computes them (``free_slots_by_advisor``), so what the advisor sees is what companies get."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking.availability import free_slots_by_advisor
from app.booking.choice import active_types, local_midnight
from app.booking.slots import Slot
from app.models import Advisor, ConsultationType

PREVIEW_DAYS = 14


@dataclass(frozen=True)
class Preview:
    """Free slots of one offered type, by local day of the advisor's zone (every day of the
    two weeks, empty ones too); ``types`` are what the advisor offers, to switch between."""

    ctype: ConsultationType | None
    types: list[ConsultationType]
    zone: ZoneInfo
    days: list[tuple[date, list[Slot]]]

    @property
    def total(self) -> int:
        return sum(len(slots) for _, slots in self.days)


def build(advisor: Advisor, now: datetime, type_slug: str | None = None) -> Preview:
    """The preview for the offered type named ``type_slug``, else the first offered one."""
    zone = ZoneInfo(advisor.timezone)
    types = [t for t in active_types() if advisor.offers(t)]
    ctype = next((t for t in types if t.slug == type_slug), types[0] if types else None)
    first = now.astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range(PREVIEW_DAYS)]
    by_day: dict[date, list[Slot]] = {day: [] for day in days}
    if ctype is not None and advisor.is_bookable:
        start, end = local_midnight(first, zone), local_midnight(days[-1] + timedelta(1), zone)
        for slot in free_slots_by_advisor([advisor], ctype, start, end, now)[advisor.id]:
            by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
    return Preview(ctype, types, zone, [(day, by_day[day]) for day in days])
