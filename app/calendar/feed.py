"""A subscription feed (``METHOD:PUBLISH``) written line by line, for thousands of events.

``events.calendar`` builds each event as an ``icalendar`` object tree: right, but about
0.5 ms per event, so an advisor's 3,000 bookings would take 1.4 s per calendar refresh.
This writer emits exactly the feed's properties as text, with the library's own escaping
(``vText``'s ``_escape_char``) and the same cleaning as ``events`` (``plain_text``,
``one_line``), so a parser reads back what ``events.event`` makes for the same
``Meeting`` (tests/test_feed.py compares them property by property).

Properties per event: UID, DTSTAMP, DTSTART/DTEND (UTC), SEQUENCE, STATUS, SUMMARY,
LOCATION, DESCRIPTION, URL (the video link), TRANSP. No ORGANIZER or ATTENDEE (a feed
invites nobody, and names no e-mail address) and no VALARM (subscribed calendars ignore or
strip alarms, and the advisor sets their own).

Speed: a feed's events repeat from one fetch to the next, so each process keeps events
written (``_written``, keyed by the ``Entry``); summaries and places repeat within a feed
and are written once (``_text_line``). Budget and figures: bench/bench_feed.py.

Lines are folded as RFC 5545 §3.1 says: at most 75 octets, continued after CRLF and one
space, never inside a UTF-8 sequence nor (like ``icalendar``, for clients that unfold
naively) between a backslash and the character it escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

import icalendar

# What ``vText.to_ical`` calls, without building a vText per value (half the time). The
# public alias warns "deprecated" in 7.x; pyproject pins icalendar < 8, and tests/test_feed.py
# checks that every value reads back as ``events.event`` writes it.
from icalendar.parser import _escape_char as escape_char

from app.calendar.events import PRODID, PUBLISH, Meeting, one_line, plain_text

LIMIT = 75  # octets per line, without the CRLF
# Events kept written per process (about 1.5 KB each with their entry, so ~15 MB): a
# busy hub's feeds together; see ``_written``.
CACHED_EVENTS = 10_000
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
_UTC_TEXT = re.compile(r"\d{8}T\d{6}Z")
# What ``events.plain_text`` changes inside a text (besides stripping its ends): control
# characters other than tab and LF, CR, and Unicode's line and paragraph separators.
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class Entry(NamedTuple):
    """One event of a feed: the fields of ``events.Meeting`` a feed writes (no organizer,
    attendees or alarm). A tuple is made in a fifth of a frozen dataclass's time, which
    counts at 3,000 events; ``feed`` takes ``Meeting``s as well.

    ``start`` and ``end`` may come as iCalendar UTC text already (``20261210T090000Z``,
    e.g. formatted by the database), which saves making and formatting datetimes."""

    uid: str
    sequence: int
    start: datetime | str
    end: datetime | str
    summary: str
    location: str
    description: str
    cancelled: bool = False
    language: str = "de"
    video_link: str | None = None
    stamp: datetime | None = None


def clean_text(value: str) -> str:
    """``events.plain_text`` (the invites' cleaning), skipping its substitutions when a text
    has nothing to clean, as nearly every text has."""
    return plain_text(value) if _NEEDS_CLEANING.search(value) else value.strip()


def clean_line(value: str) -> str:
    """``events.one_line`` (one line, single spaces), at once for a text with nothing to clean:
    printable (so no control character, line break or space other than " ") and with no
    double space or space at either end."""
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    return one_line(value)


def _url(link: str) -> str:
    """A URI value: no spaces or control characters, which would break the line."""
    if link.isascii() and link.isprintable() and " " not in link:
        return link
    return _URL_UNSAFE.sub("", link)


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


def _stamp(moment: datetime | str) -> str:
    if isinstance(moment, str):
        if not _UTC_TEXT.fullmatch(moment):
            raise ValueError(f"not an iCalendar UTC time: {moment!r}")
        return moment
    if moment.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # As strftime("%Y%m%dT%H%M%SZ"), in a third of its time (two per event).
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


@lru_cache(maxsize=4096)
def _text_line(name: str, value: str) -> str:
    """A one-line TEXT property (SUMMARY, LOCATION, the calendar's name). Feeds repeat them
    (the same client, the same type), so they are cleaned, escaped and folded once."""
    return fold(f"{name}:{escape_char(clean_line(value))}")


@lru_cache(maxsize=CACHED_EVENTS)
def _written(entry: Entry) -> tuple[str, str]:
    """An event's text before and after DTSTAMP's value (the time of writing, unless the
    entry has its own). A pure function of the entry, so each process keeps the last
    ``CACHED_EVENTS``: after a booking changes, its feed writes that event anew and copies
    the others; cold, an event takes ~10 µs, from the cache ~1 µs."""
    language = f";LANGUAGE={entry.language}"
    cancelled = entry.cancelled
    location = ""
    if entry.location and entry.location == entry.video_link:  # unique: not remembered
        location = f"{fold(f'LOCATION{language}:{escape_char(clean_line(entry.location))}')}\r\n"
    elif entry.location:
        location = f"{_text_line(f'LOCATION{language}', entry.location)}\r\n"
    url = f"{fold(f'URL:{_url(entry.video_link)}')}\r\n" if entry.video_link else ""
    description = escape_char(clean_text(entry.description))
    head = f"BEGIN:VEVENT\r\n{fold(f'UID:{escape_char(entry.uid)}')}\r\nDTSTAMP:"
    tail = (
        f"\r\nDTSTART:{_stamp(entry.start)}\r\n"
        f"DTEND:{_stamp(entry.end)}\r\n"
        f"SEQUENCE:{int(entry.sequence)}\r\n"
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}\r\n"
        f"{_text_line(f'SUMMARY{language}', entry.summary)}\r\n"
        f"{location}"
        f"{fold(f'DESCRIPTION{language}:{description}')}\r\n"
        f"{url}"
        f"TRANSP:{'TRANSPARENT' if cancelled else 'OPAQUE'}\r\n"
        "END:VEVENT\r\n"
    )
    return head, tail


def _entry(meeting: Entry | Meeting) -> Entry:
    if isinstance(meeting, Entry):
        return meeting
    return Entry(
        meeting.uid,
        meeting.sequence,
        meeting.start,
        meeting.end,
        meeting.summary,
        meeting.location,
        meeting.description,
        meeting.cancelled,
        meeting.language,
        meeting.video_link,
        meeting.stamp,
    )


def feed(
    meetings: Iterable[Entry | Meeting],
    *,
    name: str,
    refresh: timedelta,
    now: datetime | None = None,
) -> str:
    """A ``METHOD:PUBLISH`` calendar of ``meetings`` named ``name`` (X-WR-CALNAME, NAME),
    asking subscribers to refresh every ``refresh`` (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    A meeting without ``stamp`` gets ``now`` as its DTSTAMP."""
    stamp = _stamp(now or datetime.now(UTC))
    duration = icalendar.vDuration(refresh).to_ical().decode()
    header = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{PUBLISH}",
        _text_line("X-WR-CALNAME", name),
        _text_line("NAME", name),
        f"REFRESH-INTERVAL;VALUE=DURATION:{duration}",
        f"X-PUBLISHED-TTL:{duration}",
        "",
    ]
    parts = ["\r\n".join(header)]
    for meeting in meetings:
        entry = _entry(meeting)
        head, tail = _written(entry)  # the tail ends with its CRLF
        parts += (head, _stamp(entry.stamp) if entry.stamp else stamp, tail)
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts)
