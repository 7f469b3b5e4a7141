"""An advisor's absences and special hours (``AvailabilityException``), and adding the
public holidays of their Bundesland in one step.

Rules a user notices:
- A day off wins over any hours on its dates; special hours replace that weekday's hours.
- Special hours for the same dates are one entry with one or more ranges; two entries of
  special hours may not share a date (which one would count?): delete the old one first.
- Nothing that ended before today is stored, nothing longer than a year, nothing that ends
  more than two years ahead (no booking horizon reaches that far; year 9999 is a typo).
- Adding holidays is idempotent: a holiday already inside a day off is "already there",
  one before today is skipped.
- Nothing here cancels a booking: the page lists bookings outside the hours afterwards.

Services flush; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.advisor.public_holidays import holidays_of
from app.extensions import db
from app.models import Advisor, AvailabilityException

MAX_DAYS = 366  # one entry covers at most a year (a leap year's too)
HORIZON_DAYS = 2 * 365  # and ends at most about two years ahead
REASON_MAX = 200


def range_problem(first: date, last: date, today: date) -> str | None:
    """Why ``first``..``last`` (inclusive) cannot be an exception, or None if it can."""
    if last < first:
        return _l("Der letzte Tag liegt vor dem ersten. Bitte prüfen Sie die Daten.")
    if last < today:
        return _l("Dieser Zeitraum liegt in der Vergangenheit. Bitte wählen Sie heute oder später.")
    if (last - first).days + 1 > MAX_DAYS:
        return _l("Bitte höchstens ein Jahr auf einmal eintragen.")
    if last > today + timedelta(days=HORIZON_DAYS):
        return _l("Bitte höchstens zwei Jahre im Voraus eintragen.")
    return None


def hours_problem(ranges: list[tuple[time, time]]) -> str | None:
    """Why these special hours cannot be one day's hours: reversed or overlapping ranges."""
    if not ranges:
        return _l("Bitte geben Sie mindestens einen Zeitraum an.")
    if any(end <= start for start, end in ranges):
        return _l("Das Ende eines Zeitraums muss nach seinem Beginn liegen.")
    ordered = sorted(ranges)
    if any(later[0] < earlier[1] for earlier, later in pairwise(ordered)):
        return _l("Die Zeiträume überschneiden sich. Bitte fassen Sie sie zusammen.")
    return None


@dataclass
class Entry:
    """One absence or one set of special hours as the page lists it: the rows of the same
    dates with special hours belong together (``ids``), a day off is one row."""

    ids: list[int]
    first_day: date
    last_day: date
    reason: str
    hours: list[tuple[time, time]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.ids[0]

    @property
    def day_off(self) -> bool:
        return not self.hours


def _rows(advisor: Advisor, today: date) -> list[AvailabilityException]:
    return list(
        db.session.scalars(
            sa.select(AvailabilityException)
            .where(
                AvailabilityException.advisor_id == advisor.id,
                AvailabilityException.last_day >= today,
            )
            .order_by(
                AvailabilityException.first_day,
                AvailabilityException.last_day,
                AvailabilityException.start_time,
                AvailabilityException.id,
            )
        )
    )


def upcoming(advisor: Advisor, today: date) -> list[Entry]:
    """The advisor's exceptions that last until today or later, by date (past ones go)."""
    entries: list[Entry] = []
    grouped: dict[tuple[date, date], Entry] = {}
    for row in _rows(advisor, today):
        if row.start_time is None or row.end_time is None:
            entries.append(Entry([row.id], row.first_day, row.last_day, row.reason))
            continue
        key = (row.first_day, row.last_day)
        if key not in grouped:
            grouped[key] = Entry([], row.first_day, row.last_day, row.reason)
            entries.append(grouped[key])
        grouped[key].ids.append(row.id)
        grouped[key].hours.append((row.start_time, row.end_time))
    return entries


def is_off(advisor: Advisor, first: date, last: date) -> bool:
    """Whether one day off already covers all of ``first``..``last`` (a form posted twice,
    a holiday inside a vacation): adding it again would change nothing."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    AvailabilityException.advisor_id == advisor.id,
                    AvailabilityException.start_time.is_(None),
                    AvailabilityException.first_day <= first,
                    AvailabilityException.last_day >= last,
                )
            )
        )
    )


def add_absence(advisor: Advisor, first: date, last: date, reason: str) -> AvailabilityException:
    """A day off (or several): no bookable time on ``first``..``last``."""
    row = AvailabilityException(
        advisor_id=advisor.id, first_day=first, last_day=last, reason=reason
    )
    db.session.add(row)
    db.session.flush()
    return row


def special_hours_clash(advisor: Advisor, first: date, last: date, today: date) -> Entry | None:
    """Special hours already set on one of ``first``..``last``, if any."""
    return next(
        (
            entry
            for entry in upcoming(advisor, today)
            if not entry.day_off and entry.first_day <= last and first <= entry.last_day
        ),
        None,
    )


def add_special_hours(
    advisor: Advisor, first: date, last: date, ranges: list[tuple[time, time]], reason: str
) -> list[AvailabilityException]:
    """Hours that replace the weekly ones on ``first``..``last``: one row per range."""
    rows = [
        AvailabilityException(
            advisor_id=advisor.id,
            first_day=first,
            last_day=last,
            start_time=start,
            end_time=end,
            reason=reason,
        )
        for start, end in sorted(ranges)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def delete(advisor: Advisor, exception_id: int) -> Entry | None:
    """Remove the advisor's entry containing row ``exception_id`` (special hours: all its
    ranges); None when the advisor has no such row, so another's id reveals nothing."""
    row = db.session.scalar(
        sa.select(AvailabilityException).where(
            AvailabilityException.id == exception_id,
            AvailabilityException.advisor_id == advisor.id,
        )
    )
    if row is None:
        return None
    rows = [row]
    if row.start_time is not None:
        rows = list(
            db.session.scalars(
                sa.select(AvailabilityException).where(
                    AvailabilityException.advisor_id == advisor.id,
                    AvailabilityException.first_day == row.first_day,
                    AvailabilityException.last_day == row.last_day,
                    AvailabilityException.start_time.is_not(None),
                )
            )
        )
    entry = Entry(
        [r.id for r in rows],
        row.first_day,
        row.last_day,
        row.reason,
        sorted((r.start_time, r.end_time) for r in rows if r.start_time and r.end_time),
    )
    for each in rows:  # through the ORM, so the calendar version moves (freshness.py)
        db.session.delete(each)
    db.session.flush()
    return entry


NEW, THERE, PAST = "new", "there", "past"


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    status: str  # NEW: would be added; THERE: inside a day off already; PAST: before today


def holiday_plan(
    advisor: Advisor, region: str, year: int, today: date, locale: str
) -> list[Holiday]:
    """The holidays of ``region`` in ``year``, each with what adding them would do."""
    found = holidays_of(region, year, locale)
    days_off = [
        (row.first_day, row.last_day)
        for row in _rows(advisor, today)
        if row.start_time is None or row.end_time is None
    ]

    def status(day: date) -> str:
        if day < today:
            return PAST
        if any(first <= day <= last for first, last in days_off):
            return THERE
        return NEW

    return [Holiday(day, name, status(day)) for day, name in found]


def add_holidays(
    advisor: Advisor, region: str, year: int, today: date, locale: str
) -> list[Holiday]:
    """Add the holidays of ``region`` in ``year`` not yet covered as days off, with their
    names as reasons; remember the region. Returns the plan it carried out."""
    plan = holiday_plan(advisor, region, year, today, locale)
    for holiday in plan:
        if holiday.status == NEW:
            add_absence(advisor, holiday.day, holiday.day, holiday.name[:REASON_MAX])
    advisor.holiday_region = region
    db.session.flush()
    return plan


def local_today(advisor: Advisor, now: datetime) -> date:
    """The advisor's today: exceptions are dates of their own zone."""
    return now.astimezone(ZoneInfo(advisor.timezone)).date()
