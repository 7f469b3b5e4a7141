"""The dashboard's date range: local dates of the hub's zone, both included, parsed from
``?von=…&bis=…`` or the default (the last 12 weeks and the next 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(weeks=1)
DAY = timedelta(days=1)
LONGEST_RANGE_DAYS = 2 * 366  # "at most two years"
DEFAULT_PAST_WEEKS = 12  # up to and including the current week
DEFAULT_FUTURE_WEEKS = 4


class RangeError(ValueError):
    """Why a requested range was refused (a code the view translates)."""


@dataclass(frozen=True)
class DateRange:
    """Local dates ``first``..``last`` (both included) in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + DAY, self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def weeks(self) -> list[date]:
        """The Mondays of the ISO weeks the range touches."""
        monday = self.first - timedelta(days=self.first.weekday())
        mondays = []
        while monday <= self.last:
            mondays.append(monday)
            monday += WEEK
        return mondays


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def default_range(today: date, zone: ZoneInfo) -> DateRange:
    """The last 12 weeks up to and including the current one, and the next 4."""
    monday = today - timedelta(days=today.weekday())
    first = monday - (DEFAULT_PAST_WEEKS - 1) * WEEK
    last = monday + (DEFAULT_FUTURE_WEEKS + 1) * WEEK - DAY
    return DateRange(first, last, zone)


def parse_range(von: str | None, bis: str | None, today: date, zone: ZoneInfo) -> DateRange:
    """The range asked for by ``?von=YYYY-MM-DD&bis=YYYY-MM-DD``; a missing end defaults to
    the default range's. Raises ``RangeError`` ("format", "order", "span", "years")."""
    default = default_range(today, zone)
    if not von and not bis:
        return default
    first = _parse_day(von) if von else default.first
    last = _parse_day(bis) if bis else default.last
    if first > last:
        raise RangeError("order")
    if not (first.year >= 2000 and last.year <= today.year + 5):
        raise RangeError("years")
    if (last - first).days + 1 > LONGEST_RANGE_DAYS:
        raise RangeError("span")
    return DateRange(first, last, zone)


def _parse_day(text: str) -> date:
    text = text.strip()
    if len(text) != 10:
        raise RangeError("format")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RangeError("format") from None


__all__ = ["DateRange", "RangeError", "default_range", "parse_range"]
