"""Busy times read from real calendar files (tests/ics/, as Nextcloud, Apple, Thunderbird,
Google and Outlook write them): which times an advisor is busy, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.calendar.busy import NotACalendar, busy_times, merge, parse
from tests.calendar_server import ICS

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
YEAR = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def spans(*pairs: tuple[str, str]) -> list[tuple[datetime, datetime]]:
    return [(utc(start), utc(end)) for start, end in pairs]


def busy(name: str, zone: ZoneInfo = BERLIN, window=YEAR) -> list[tuple[datetime, datetime]]:
    return busy_times((ICS / name).read_bytes(), *window, zone)


def calendar(*events: str, head: str = "") -> bytes:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{n}@test\r\n{e}END:VEVENT\r\n" for n, e in enumerate(events)
    )
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{head}{body}END:VCALENDAR\r\n".encode()
    )


def test_a_weekly_series_without_its_exception_with_its_moved_and_cancelled_dates():
    assert busy("weekly.ics") == spans(
        ("2027-03-01T09:00", "2027-03-01T10:00"),  # Monday 10:00 CET
        # 8 March: EXDATE. 15 March: moved to Tuesday 16 March 14:00. 22 March: cancelled.
        ("2027-03-16T13:00", "2027-03-16T14:00"),
        ("2027-03-29T08:00", "2027-03-29T09:00"),  # still 10:00 in Berlin, now CEST
        ("2027-04-05T08:00", "2027-04-05T09:00"),
    )


def test_all_day_events_block_whole_days_in_the_advisors_zone():
    assert busy("allday.ics", BERLIN) == spans(
        ("2027-03-02T23:00", "2027-03-03T23:00"),  # one day (no DTEND)
        ("2027-03-04T07:30", "2027-03-04T08:30"),  # floating 08:30: wall-clock time
        ("2027-03-09T23:00", "2027-03-11T23:00"),  # two days, DTEND exclusive
    )
    assert busy("allday.ics", NEW_YORK)[0] == (utc("2027-03-03T05:00"), utc("2027-03-04T05:00"))


def test_transparent_and_cancelled_events_leave_the_time_free():
    assert busy("transparent.ics") == spans(("2027-03-02T09:00", "2027-03-02T10:00"))


def test_events_across_the_october_clock_change_keep_their_local_times():
    assert busy("dst.ics") == spans(
        ("2027-10-28T07:00", "2027-10-28T07:15"),
        ("2027-10-29T07:00", "2027-10-29T07:15"),
        ("2027-10-30T07:00", "2027-10-30T07:15"),
        # 00:30 CEST to 04:00 CET: four and a half hours, not three and a half.
        ("2027-10-30T22:30", "2027-10-31T03:00"),
        ("2027-10-31T08:00", "2027-10-31T08:15"),  # 09:00 CET from the Sunday on
        ("2027-11-01T08:00", "2027-11-01T08:15"),
        ("2027-11-02T08:00", "2027-11-02T08:15"),
    )


def test_a_google_calendar_with_only_x_wr_timezone_repeats_in_its_zone():
    # Google writes the series in UTC and names the zone once: the meeting stays at 10:00
    # Berlin time after the clocks change, and the all-day event is a Berlin day, even for
    # an advisor whose profile says New York.
    assert busy("google.ics", NEW_YORK) == spans(
        ("2027-03-22T09:00", "2027-03-22T10:00"),
        ("2027-03-23T23:00", "2027-03-24T23:00"),
        ("2027-03-29T08:00", "2027-03-29T09:00"),
        ("2027-04-05T08:00", "2027-04-05T09:00"),
    )


def test_outlook_zone_names_and_free_time():
    assert busy("outlook.ics") == spans(("2027-03-30T11:00", "2027-03-30T14:00"))


@pytest.mark.parametrize(
    "data",
    [(ICS / "broken.ics").read_bytes(), b"<!DOCTYPE html><html><body>Anmelden</body></html>",
     b"", b"\x89PNG\r\n\x1a\n\0\0\0", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"],
)  # fmt: skip
def test_what_is_no_calendar_says_so(data):
    with pytest.raises(NotACalendar):
        busy_times(data, *YEAR, BERLIN)


def test_one_broken_event_does_not_hide_the_others():
    data = calendar(
        "DTSTART:kaputt\r\nDTEND:20270302T100000Z\r\n",
        "SUMMARY:ohne Beginn\r\n",
        "DTSTART:20270302T110000Z\r\nDTEND:20270302T120000Z\r\n",
    )
    assert busy_times(data, *YEAR, BERLIN) == spans(("2027-03-02T11:00", "2027-03-02T12:00"))


def test_an_unknown_x_wr_timezone_falls_back_to_the_advisors_zone():
    data = calendar(
        "DTSTART;VALUE=DATE:20270303\r\n", head="X-WR-TIMEZONE:Mitteleuropa/Irgendwo\r\n"
    )
    assert busy_times(data, *YEAR, BERLIN) == spans(("2027-03-02T23:00", "2027-03-03T23:00"))


def test_only_times_that_touch_the_window_come_back_and_whole():
    data = calendar(
        "DTSTART:20270301T230000Z\r\nDTEND:20270302T020000Z\r\n",  # reaches into the window
        "DTSTART:20270228T100000Z\r\nDTEND:20270228T110000Z\r\n",  # before it
        "DTSTART:20270310T100000Z\r\nDTEND:20270310T110000Z\r\n",  # after it
        "DTSTART:20250101T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYDAY=TU\r\n",
    )
    window = (utc("2027-03-02T00:00"), utc("2027-03-03T00:00"))
    assert busy_times(data, *window, BERLIN) == spans(
        ("2027-03-01T23:00", "2027-03-02T02:00"),  # not cut at the window's start
        ("2027-03-02T10:00", "2027-03-02T11:00"),  # a series begun two years before
    )


def test_local_dates_near_the_window_count_in_far_zones_too():
    # Events that do not repeat are sorted out by their dates before parsing; a local date
    # one day off the window's UTC dates can still be inside it.
    data = calendar(
        "DTSTART:20270303T080000\r\nDTEND:20270303T090000\r\n",  # floating
        "DTSTART;VALUE=DATE:20270201\r\nDTEND;VALUE=DATE:20270303\r\n",  # weeks long
        "DTSTART:20270306T080000\r\nDTEND:20270306T090000\r\n",  # too late anywhere
    )
    window = (utc("2027-03-02T00:00"), utc("2027-03-03T00:00"))
    assert busy_times(data, *window, ZoneInfo("Pacific/Kiritimati")) == spans(
        ("2027-01-31T10:00", "2027-03-02T10:00"), ("2027-03-02T18:00", "2027-03-02T19:00")
    )
    evening_before = calendar("DTSTART:20270301T200000\r\nDTEND:20270301T210000\r\n")
    assert busy_times(evening_before, *window, ZoneInfo("Pacific/Pago_Pago")) == spans(
        ("2027-03-02T07:00", "2027-03-02T08:00")
    )


def test_overlapping_and_touching_times_become_one():
    data = calendar(
        "DTSTART:20270302T090000Z\r\nDTEND:20270302T100000Z\r\n",
        "DTSTART:20270302T093000Z\r\nDTEND:20270302T103000Z\r\n",
        "DTSTART:20270302T103000Z\r\nDTEND:20270302T110000Z\r\n",
        "DTSTART:20270302T120000Z\r\nDTEND:20270302T120000Z\r\n",  # no duration: not busy
        "DTSTART:20270302T130000Z\r\nDTEND:20270302T140000Z\r\n",
    )
    assert busy_times(data, *YEAR, BERLIN) == spans(
        ("2027-03-02T09:00", "2027-03-02T11:00"), ("2027-03-02T13:00", "2027-03-02T14:00")
    )
    assert merge([]) == []


def test_titles_descriptions_attendees_and_alarms_are_not_kept():
    event = parse((ICS / "weekly.ics").read_bytes()).walk("VEVENT")[0]
    assert set(event) <= {"UID", "DTSTART", "DTEND", "RRULE", "EXDATE", "SEQUENCE"}
    assert event.subcomponents == []
