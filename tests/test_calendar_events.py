"""The iCalendar builder on its own, without an app: what every calendar client reads.

Every calendar is parsed back with ``icalendar`` and checked property by property.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from app.calendar.events import CANCEL, PUBLISH, REQUEST, Meeting, Person, calendar, invite

HUB = Person("Industry Hub Rhein-Kreis", "beratung@hub.example")
EVA = Person("Eva Gast", "eva@gast.example")
BRANDT = Person("Dr. Katharina Brandt", "brandt@hub.example")
BRANDT_MAILTO = "mailto:brandt@hub.example"
START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)

MEETING = Meeting(
    uid="0123abcd@hub.example",
    sequence=0,
    start=START,
    end=START + timedelta(minutes=30),
    summary="Erstgespräch Digitalisierung mit Dr. Katharina Brandt (Industry Hub Rhein-Kreis)",
    location="https://meet.hub.example/sprechstunde-1f2e",
    description="Agenda:\nWie digitalisieren wir unser Labor?",
    organizer=HUB,
    attendees=(EVA, BRANDT),
    video_link="https://meet.hub.example/sprechstunde-1f2e",
    video_label="Videokonferenz beitreten",
    stamp=datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
)


def parsed(text: str) -> tuple[icalendar.Calendar, icalendar.Event]:
    vcalendar = icalendar.Calendar.from_ical(text)
    [vevent] = vcalendar.walk("VEVENT")
    return vcalendar, vevent


def test_an_invite_is_a_request_with_everyone_asked_to_answer():
    method, text = invite(MEETING)
    vcalendar, vevent = parsed(text)
    assert method == REQUEST == vcalendar["METHOD"]
    assert vcalendar["VERSION"] == "2.0" and vcalendar["PRODID"]
    assert vevent["UID"] == "0123abcd@hub.example"
    assert vevent["SEQUENCE"] == 0
    assert vevent["STATUS"] == "CONFIRMED" and vevent["TRANSP"] == "OPAQUE"
    assert vevent["ORGANIZER"] == "mailto:beratung@hub.example"
    assert vevent["ORGANIZER"].params["CN"] == "Industry Hub Rhein-Kreis"
    attendees = {str(a): dict(a.params) for a in vevent["ATTENDEE"]}
    expected = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
    assert attendees == {
        "mailto:eva@gast.example": {"CN": "Eva Gast", "CUTYPE": "INDIVIDUAL", **expected},
        "mailto:brandt@hub.example": {
            "CN": "Dr. Katharina Brandt",
            "CUTYPE": "INDIVIDUAL",
            **expected,
        },
    }


def test_times_are_utc_without_any_time_zone_definition():
    """Outlook refuses a TZID without a matching VTIMEZONE; UTC needs neither."""
    _, text = invite(replace(MEETING, start=START.astimezone(ZoneInfo("Europe/Berlin"))))
    _, vevent = parsed(text)
    assert vevent.decoded("DTSTART") == START and vevent.decoded("DTEND") == MEETING.end
    assert "DTSTART:20261210T090000Z\r\n" in text and "DTEND:20261210T093000Z\r\n" in text
    assert "DTSTAMP:20261207T080000Z\r\n" in text
    assert "TZID" not in text and "VTIMEZONE" not in text


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        invite(replace(MEETING, start=datetime(2026, 12, 10, 9, 0)))


def test_a_video_meeting_has_its_link_as_location_url_and_conference():
    _, text = invite(MEETING)
    _, vevent = parsed(text)
    link = "https://meet.hub.example/sprechstunde-1f2e"
    assert vevent["LOCATION"] == link and vevent["URL"] == link
    assert vevent["CONFERENCE"] == link
    assert vevent["CONFERENCE"].params == {
        "VALUE": "URI",
        "FEATURE": "VIDEO",
        "LABEL": "Videokonferenz beitreten",
    }


def test_every_meeting_reminds_fifteen_minutes_before():
    _, vevent = parsed(invite(MEETING)[1])
    [alarm] = vevent.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)
    assert alarm["DESCRIPTION"] == MEETING.summary


def test_a_cancelled_meeting_is_a_cancel_that_frees_the_time():
    method, text = invite(replace(MEETING, sequence=2, cancelled=True))
    vcalendar, vevent = parsed(text)
    assert method == CANCEL == vcalendar["METHOD"]
    assert vevent["STATUS"] == "CANCELLED" and vevent["TRANSP"] == "TRANSPARENT"
    assert vevent["SEQUENCE"] == 2 and vevent["UID"] == MEETING.uid
    assert not vevent.walk("VALARM")  # nothing to be reminded of
    assert {a.params["RSVP"] for a in vevent["ATTENDEE"]} == {"FALSE"}


def test_a_download_is_published_and_asks_nobody_to_answer():
    vcalendar, vevent = parsed(calendar([MEETING], PUBLISH))
    assert vcalendar["METHOD"] == PUBLISH
    assert {a.params["RSVP"] for a in vevent["ATTENDEE"]} == {"FALSE"}


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="METHOD"):
        calendar([MEETING], "COUNTER")


def test_the_text_says_which_language_it_is_in():
    _, vevent = parsed(invite(replace(MEETING, language="en", summary="First consultation"))[1])
    for name in ("SUMMARY", "LOCATION", "DESCRIPTION"):
        assert vevent[name].params["LANGUAGE"] == "en"


def test_lines_are_folded_at_75_octets_with_crlf():
    long = replace(MEETING, description="Ärger über Öfen und Übergrößen " * 40)
    text = calendar([long], PUBLISH)
    raw = text.encode()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    assert parsed(text)[1]["DESCRIPTION"] == long.description.strip()


HOSTILE = [
    'Eva "die Gästin"\r\nBCC: alle@firma.example',
    "Eva\x00Gast",
    "Eva;Gast:ROLE=CHAIR,\\Gast",
    "Eva\u2028Gast\x85\x1b[31m",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_still_make_a_valid_calendar(name):
    """Line breaks, NUL, quotes and iCalendar's own delimiters in a name or a summary
    cannot add a line, a property or a parameter: the calendar parses back as one event
    with exactly the people it was given."""
    hostile = replace(
        MEETING,
        summary=f"Erstgespräch mit {name}",
        location=name,
        attendees=(Person(name, "eva@gast.example"), BRANDT),
        alarm_text=name,
    )
    text = invite(hostile)[1]
    assert "\x00" not in text and "\x1b" not in text and "\u2028" not in text
    assert "\r\nBCC" not in text
    _, vevent = parsed(text)
    assert [str(a) for a in vevent["ATTENDEE"]] == ["mailto:eva@gast.example", BRANDT_MAILTO]
    cn = vevent["ATTENDEE"][0].params["CN"]
    assert '"' not in cn and "\n" not in cn and cn.startswith("Eva")
    assert "\n" not in vevent["SUMMARY"] and "\n" not in vevent["LOCATION"]
    assert vevent["SUMMARY"].startswith("Erstgespräch mit Eva")
    assert vevent["ORGANIZER"] == "mailto:beratung@hub.example"
    assert "ROLE=CHAIR" not in {a.params.get("ROLE") for a in vevent["ATTENDEE"]}


def test_a_huge_agenda_with_line_breaks_stays_one_description():
    agenda = ("Zeile mit Umlauten äöü; Komma, und \\ Backslash\r\n" * 2200)[:100_000]
    text = invite(replace(MEETING, description=agenda))[1]
    _, vevent = parsed(text)
    assert vevent["DESCRIPTION"] == agenda.replace("\r\n", "\n").strip()
    assert len(vevent.walk("VALARM")) == 1 and vevent["UID"] == MEETING.uid
