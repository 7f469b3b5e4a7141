"""iCalendar objects for one meeting: invites (RFC 5546 REQUEST/CANCEL), downloads and feeds.

The rules every calendar client holds us to, and how they are met here:

- One stable ``UID`` per booking; every update carries a higher ``SEQUENCE`` and a fresh
  ``DTSTAMP``, so Outlook, Google, Apple Calendar and Thunderbird move the event they have
  instead of adding a second one, and a ``CANCEL`` removes it.
- Times are written in UTC (``DTSTART:20261210T090000Z``). That needs no ``VTIMEZONE``
  (Outlook refuses a ``TZID`` whose ``VTIMEZONE`` is missing or differs from its own zone
  names) and each client shows the time in its own zone, across clock changes.
- ``ORGANIZER`` is the hub's mailbox, the address the mail comes from; the advisor and the
  company contact are ``ATTENDEE``s. Nobody receiving it is the organiser, so every client
  shows it as an invitation with accept/decline (DESIGN.md §4 says why).
- Text is plain, one language per calendar (``LANGUAGE``), without control characters;
  the library escapes and folds lines at 75 octets with CRLF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar

PRODID = "-//Sprechstunde//Beratungstermine//DE"
REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"
METHODS = (REQUEST, CANCEL, PUBLISH)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n|[\r\u2028\u2029]")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Meeting:
    """Everything one VEVENT says, already in the recipient's language."""

    uid: str
    sequence: int
    start: datetime  # aware; written in UTC
    end: datetime
    summary: str
    location: str
    description: str
    organizer: Person
    attendees: tuple[Person, ...] = ()
    cancelled: bool = False
    language: str = "de"
    video_link: str | None = None  # LOCATION, URL and CONFERENCE (RFC 7986)
    video_label: str = ""
    alarm_before: timedelta | None = timedelta(minutes=15)
    alarm_text: str = ""
    stamp: datetime | None = None  # DTSTAMP; default: now


def plain_text(value: str) -> str:
    """Plain text as calendars take it: no NUL or other control characters, every line
    break (CRLF, CR, Unicode's separators) as LF."""
    return _CONTROL.sub("", _LINE_BREAK.sub("\n", value)).strip()


def one_line(value: str) -> str:
    """One line (SUMMARY, LOCATION): calendars show a line break there as a literal "\\n"."""
    return " ".join(plain_text(value).split())


def _param(value: str) -> str:
    """A parameter value (CN, LABEL) may hold no double quote and no line break."""
    return one_line(value).replace('"', "'")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    return moment.astimezone(UTC)


def _address(person: Person, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = _param(person.name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = value
    return address


def event(meeting: Meeting, method: str | None) -> icalendar.Event:
    """One VEVENT. Attendees are asked to reply (RSVP) only in a REQUEST."""
    vevent = icalendar.Event()
    vevent.add("uid", meeting.uid)
    vevent.add("sequence", meeting.sequence)
    vevent.add("dtstamp", _utc(meeting.stamp or datetime.now(UTC)))
    vevent.add("dtstart", _utc(meeting.start))
    vevent.add("dtend", _utc(meeting.end))
    language = {"LANGUAGE": meeting.language}
    vevent.add("summary", one_line(meeting.summary), parameters=language)
    if meeting.location:
        vevent.add("location", one_line(meeting.location), parameters=language)
    vevent.add("description", plain_text(meeting.description), parameters=language)
    vevent.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if meeting.cancelled else "OPAQUE")
    vevent.add("organizer", _address(meeting.organizer))
    rsvp = "TRUE" if method == REQUEST else "FALSE"
    for person in meeting.attendees:
        vevent.add(
            "attendee",
            _address(
                person,
                CUTYPE="INDIVIDUAL",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP=rsvp,
            ),
        )
    if meeting.video_link:
        vevent.add("url", meeting.video_link)
        conference = icalendar.vUri(meeting.video_link)
        conference.params.update({"VALUE": "URI", "FEATURE": "VIDEO"})
        if meeting.video_label:
            conference.params["LABEL"] = _param(meeting.video_label)
        vevent.add("conference", conference)
    if meeting.alarm_before is not None and not meeting.cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -meeting.alarm_before)
        alarm.add("description", one_line(meeting.alarm_text or meeting.summary))
        vevent.add_component(alarm)
    return vevent


def calendar(meetings: Iterable[Meeting], method: str) -> str:
    """A VCALENDAR as text (CRLF lines). ``method`` REQUEST or CANCEL for mail (RFC 5546),
    PUBLISH for a download. Feeds of many events are written by ``app.calendar.feed``."""
    if method not in METHODS:
        raise ValueError(f"unknown METHOD {method!r}")
    vcalendar = icalendar.Calendar()
    vcalendar.add("prodid", PRODID)
    vcalendar.add("version", "2.0")
    vcalendar.add("calscale", "GREGORIAN")
    vcalendar.add("method", method)
    for meeting in meetings:
        vcalendar.add_component(event(meeting, method))
    return vcalendar.to_ical().decode()


def invite(meeting: Meeting) -> tuple[str, str]:
    """The METHOD and calendar for a mail: CANCEL for a cancelled meeting, else REQUEST."""
    method = CANCEL if meeting.cancelled else REQUEST
    return method, calendar([meeting], method)
