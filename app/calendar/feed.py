"""A subscription feed (``METHOD:PUBLISH``) written line by line, for thousands of events.

``events.calendar`` builds each event as an ``icalendar`` object tree: right, but about
0.5 ms per event, so an advisor's 3,000 bookings would take 1.4 s per calendar refresh.
This writer emits exactly the feed's properties as text, with the library's own escaping
(``vText``'s ``_escape_char``) and the same cleaning as ``events`` (``_text``, ``_line``), so a
parser reads back what ``events.event`` makes for the same ``Meeting`` (tests/test_feed.py
compares them property by property).

Properties per event: UID, DTSTAMP, DTSTART/DTEND (UTC), SEQUENCE, STATUS, SUMMARY,
LOCATION, DESCRIPTION, URL (the video link), TRANSP. No ORGANIZER or ATTENDEE (a feed
invites nobody, and names no e-mail address) and no VALARM (subscribed calendars ignore or
strip alarms, and the advisor sets their own).

Lines are folded as RFC 5545 §3.1 says: at most 75 octets, continued after CRLF and one
space, never inside a UTF-8 sequence nor (like ``icalendar``, for clients that unfold
naively) between a backslash and the character it escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import icalendar

# What ``vText.to_ical`` calls, without building a vText per value (half the time). The
# public alias warns "deprecated" in 7.x; pyproject pins icalendar < 8, and tests/test_feed.py
# checks that every value reads back as ``events.event`` writes it.
from icalendar.parser import _escape_char as escape_char

from app.calendar.events import PRODID, PUBLISH, Meeting, _line, _text

LIMIT = 75  # octets per line, without the CRLF
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


def fold(line: str) -> str:
    """One content line folded to lines of at most 75 octets (CRLF + space between)."""
    if len(line) <= LIMIT // 4 or (len(line) <= LIMIT and line.isascii()):
        return line  # surely short enough: the common case, without encoding
    data = line.encode()
    if len(data) <= LIMIT:
        return line
    parts: list[bytes] = []
    start, room = 0, LIMIT
    while len(data) - start > room:
        cut = start + room
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the lead byte
            cut -= 1
        slashes = 0
        while cut - slashes > start and data[cut - slashes - 1] == 0x5C:  # backslash
            slashes += 1
        if slashes % 2 and cut - 1 > start:  # the last one escapes the next character
            cut -= 1
        parts.append(data[start:cut])
        start, room = cut, LIMIT - 1  # continuation lines begin with the space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escaped(value: str) -> str:
    return escape_char(_text(value))


def _escaped_line(value: str) -> str:
    return escape_char(_line(value))


def _event(meeting: Meeting, now: datetime) -> list[str]:
    language = f";LANGUAGE={meeting.language}:"
    lines = [
        "BEGIN:VEVENT",
        fold(f"UID:{escape_char(meeting.uid)}"),
        f"DTSTAMP:{_stamp(meeting.stamp or now)}",
        f"DTSTART:{_stamp(meeting.start)}",
        f"DTEND:{_stamp(meeting.end)}",
        f"SEQUENCE:{int(meeting.sequence)}",
        f"STATUS:{'CANCELLED' if meeting.cancelled else 'CONFIRMED'}",
        fold(f"SUMMARY{language}{_escaped_line(meeting.summary)}"),
    ]
    if meeting.location:
        lines.append(fold(f"LOCATION{language}{_escaped_line(meeting.location)}"))
    lines.append(fold(f"DESCRIPTION{language}{_escaped(meeting.description)}"))
    if meeting.video_link:
        lines.append(fold(f"URL:{_URL_UNSAFE.sub('', meeting.video_link)}"))
    lines.append(f"TRANSP:{'TRANSPARENT' if meeting.cancelled else 'OPAQUE'}")
    lines.append("END:VEVENT")
    return lines


def feed(
    meetings: Iterable[Meeting],
    *,
    name: str,
    refresh: timedelta,
    now: datetime | None = None,
) -> str:
    """A ``METHOD:PUBLISH`` calendar of ``meetings`` named ``name`` (X-WR-CALNAME, NAME),
    asking subscribers to refresh every ``refresh`` (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    A meeting without ``stamp`` gets ``now`` as its DTSTAMP."""
    now = now or datetime.now(UTC)
    duration = icalendar.vDuration(refresh).to_ical().decode()
    title = _escaped_line(name)
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{PUBLISH}",
        fold(f"X-WR-CALNAME:{title}"),
        fold(f"NAME:{title}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{duration}",
        f"X-PUBLISHED-TTL:{duration}",
    ]
    for meeting in meetings:
        lines += _event(meeting, now)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
