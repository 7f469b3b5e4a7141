"""Busy times from an advisor's own calendar: an iCalendar file in, UTC intervals out.

Pure (no Flask, no database, no network): ``app.advisor.imports`` fetches the file and
stores what ``busy_times`` returns as the advisor's imported busy blocks.

The libraries do the hard parts: ``icalendar`` parses (including Outlook's Windows zone
names), ``x-wr-timezone`` turns Google's "X-WR-TIMEZONE only" files into standard ones, and
``recurring-ical-events`` expands RRULE, RDATE, EXDATE and RECURRENCE-ID overrides. What is
left here is deciding what counts as busy:

- free time is not busy: ``TRANSP:TRANSPARENT`` events, Outlook's
  ``X-MICROSOFT-CDO-BUSYSTATUS:FREE``, and ``STATUS:CANCELLED`` events (a cancelled
  occurrence of a series is an override with that status) are skipped;
- an all-day event blocks its whole local day(s), and a floating time (no zone, no "Z")
  means wall-clock time. Both in the calendar owner's zone: the zone the calendar names
  (``X-WR-TIMEZONE``, as Google writes), else the advisor's zone from their profile, which
  is what the advisor sees when they look at their own calendar;
- an event without duration blocks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.prop import vDDDTypes

Interval = tuple[datetime, datetime]

# What busy time needs; everything else (titles, descriptions, attendees, alarms) is dropped
# before parsing. It is the advisor's private data we have no use for, and parsing it was
# most of the time a large calendar took.
CALENDAR_PROPERTIES = frozenset({"VERSION", "PRODID", "CALSCALE", "X-WR-TIMEZONE"})
EVENT_PROPERTIES = frozenset(
    {
        "UID",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "SEQUENCE",
        "STATUS",
        "TRANSP",
        "X-MICROSOFT-CDO-BUSYSTATUS",
    }
)
KEPT_PROPERTIES = {"VCALENDAR": CALENDAR_PROPERTIES, "VEVENT": EVENT_PROPERTIES}
# A line break followed by a space or tab continues the line before (RFC 5545 §3.1).
FOLD = re.compile(r"\r?\n[ \t]")
# Occurrences are asked for in whole days around the window: all-day and floating times
# become instants only once we know their zone, which lies within ±1 day of UTC.
MARGIN = timedelta(days=1)


class NotACalendar(ValueError):
    """The data is not an iCalendar file (an HTML login page, an error text, garbage)."""


def busy_times(
    data: bytes, window_start: datetime, window_end: datetime, zone: ZoneInfo
) -> list[Interval]:
    """The busy intervals of ``data`` that overlap the window, in UTC, sorted, with
    overlapping and touching ones merged.

    Intervals are not cut at the window's edges, so importing the same calendar later
    (with a later window) gives the same intervals for the same events. ``zone`` is the
    advisor's zone, for all-day and floating times when the calendar names none.
    """
    days = ((window_start - MARGIN).date(), (window_end + MARGIN).date())
    calendar = parse(data, days)
    named = _named_zone(calendar)
    if named is not None:
        zone = named
        calendar = x_wr_timezone.to_standard(calendar, timezone=named)
    # Applied, or no zone at all: recurring_ical_events.of must not apply it (again).
    calendar.pop("X-WR-TIMEZONE", None)
    try:
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        occurrences = query.between(days[0], days[1] + timedelta(days=1))
    except recurring_ical_events.InvalidCalendar as error:
        raise NotACalendar(_first_line(error)) from error
    spans = (_span(event, zone) for event in occurrences if _is_busy(event))
    return merge(
        (start, end)
        for start, end in filter(None, spans)
        if start < window_end and end > window_start
    )


def parse(data: bytes, days: tuple[date, date] | None = None) -> icalendar.Calendar:
    """The calendar in ``data``, reduced to what busy time needs; ``NotACalendar`` if the
    data is no iCalendar file. With ``days`` (the first and last), events that do not
    repeat and lie wholly outside them are left out before parsing."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text[:15].upper().startswith("BEGIN:VCALENDAR"):
        raise NotACalendar("The data does not start with BEGIN:VCALENDAR.")
    try:
        calendar = icalendar.Calendar.from_ical(_lean(text, days))
    except ValueError as error:  # icalendar's parse errors are ValueErrors
        raise NotACalendar(_first_line(error)) from error
    # An event without a (readable) start is broken; skip it rather than the calendar.
    calendar.subcomponents = [
        component
        for component in calendar.subcomponents
        if component.name != "VEVENT" or isinstance(component.get("DTSTART"), vDDDTypes)
    ]
    return calendar


def _lean(text: str, days: tuple[date, date] | None) -> str:
    """The content lines of ``text`` that busy time needs (unfolded, CRLF-ended).

    Most of a long-used calendar is its past, and parsing was most of the time a large
    calendar took: so events that cannot touch ``days`` are dropped here, unparsed.
    """
    kept: list[str] = []
    stack: list[str] = []  # the components we are in, outermost first
    event: list[str] = []  # the kept lines of the event being read
    allowed, in_event = _allowed(stack), False  # what is kept where we are
    for line in FOLD.sub("", text).splitlines():
        name = _name(line)
        if name in ("BEGIN", "END"):
            if name == "BEGIN":
                stack.append(line.partition(":")[2].strip().upper())
            keep, in_event = _wanted(stack), stack[1:] == ["VEVENT"]
            if name == "END" and stack:
                stack.pop()
            allowed = _allowed(stack)
        else:
            keep = allowed is None or name in allowed
        if not keep:
            continue
        if not in_event:
            kept.append(line)
            continue
        event.append(line)
        if name == "END":
            if days is None or _may_touch(event, days):
                kept += event
            event, in_event = [], False
    return "\r\n".join(kept) + "\r\n"


def _name(line: str) -> str:
    """A content line's property name (it ends at the parameters or the value)."""
    return line.split(":", 1)[0].split(";", 1)[0].upper()


def _allowed(stack: list[str]) -> frozenset[str] | None:
    """The properties kept inside the components ``stack``; ``None``: all of them."""
    if not _wanted(stack):
        return frozenset()
    return None if _in_zone(stack) else KEPT_PROPERTIES[stack[-1]]


def _wanted(stack: list[str]) -> bool:
    """The calendar itself, its events, and its zone definitions; not alarms, to-dos,
    journal entries or free/busy components."""
    if stack[:1] != ["VCALENDAR"]:
        return False
    return len(stack) == 1 or _in_zone(stack) or stack[1:] == ["VEVENT"]


def _in_zone(stack: list[str]) -> bool:
    return stack[1:2] == ["VTIMEZONE"]


def _may_touch(event: list[str], days: tuple[date, date]) -> bool:
    """Whether the event (its content lines) may have time on ``days``. Only the dates of
    DTSTART and DTEND are read; whatever repeats, moves an occurrence, or cannot be read
    this simply is kept for the libraries to decide. ``days`` has a day's margin, so a
    local or all-day date is on the right side whatever the zone."""
    lines: dict[str, str] = {}
    for line in event:
        lines.setdefault(_name(line), line)
    if lines.keys() & {"RRULE", "RDATE", "RECURRENCE-ID", "DURATION"}:
        return True
    start = _date_of(lines.get("DTSTART"))
    end = _date_of(lines["DTEND"]) if "DTEND" in lines else start
    if start is None or end is None:
        return True
    return start <= days[1] and end >= days[0]


def _date_of(line: str | None) -> date | None:
    """The date a DATE or DATE-TIME content line starts with (its value is after the last
    colon: values of these types hold none)."""
    value = line.rpartition(":")[2].strip() if line else ""
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def _first_line(error: Exception) -> str:
    """The gist of a parse error; the libraries quote the calendar after it."""
    return str(error).strip().split("\n", 1)[0][:200]


def _named_zone(calendar: icalendar.Calendar) -> ZoneInfo | None:
    """The zone the calendar names in X-WR-TIMEZONE, if it is a real one."""
    name = calendar.get("X-WR-TIMEZONE")
    if name is None:
        return None
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _is_busy(event: icalendar.Event) -> bool:
    transparent = str(event.get("TRANSP", "")).upper() == "TRANSPARENT"
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    free = str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "FREE"
    return not (transparent or cancelled or free)


def _span(event: icalendar.Event, zone: ZoneInfo) -> Interval | None:
    """The occurrence's start and end in UTC; ``None`` if it has no duration."""
    start, end = _instant(event.start, zone), _instant(event.end, zone)
    return (start, end) if end > start else None


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """A date as the start of that day, and a floating time as wall-clock time, in ``zone``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted intervals, overlapping and touching ones joined into one."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
