"""One meeting through the calendars of both sides: booked, moved, cancelled in the browser.

The mails are read as a calendar client reads them: the ``text/calendar`` part of each is
parsed, and together they must describe one event (one UID) that was created, moved (same
UID, higher SEQUENCE, the new time) and then cancelled — never a second event. The "add to
calendar" download describes the same event.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

import icalendar
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.booking_pages import (
    ERSTGESPRAECH,
    MEETING,
    advisor_id,
    book_as_account,
    expect_booking_page,
    log_in,
    monday_in,
    offered_starts,
    slot_links,
)

pytestmark = pytest.mark.e2e

CLIENT = "andreas.krueger@rheinchem.example"
ADVISOR = "katharina.brandt@industryhub.example"
ROOM = "https://meet.industryhub.example/katharina-brandt"  # her fixed link in the demo


def utc(start: str) -> datetime:
    return datetime.fromisoformat(start.replace("Z", "+00:00"))


def calendar_of(mail) -> tuple[str, icalendar.Event, str]:
    """The MIME ``method=`` of a mail's ``text/calendar`` part, its one VEVENT and METHOD."""
    parts = [part for part in mail.message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in mail.message.walk()]
    calendar = icalendar.Calendar.from_ical(parts[0].get_content())
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return parts[0].get_param("method"), events[0], str(calendar["METHOD"])


def test_booked_moved_cancelled_is_one_event_in_every_calendar(
    page: Page, live_server: str, live_app: Flask, deliver_mail, axe_check
) -> None:
    brandt = advisor_id(live_app, ADVISOR)
    agenda = "Kalender-Journey: Sensordaten der Abfüllung auswerten"
    log_in(page, live_server, CLIENT)
    first, _ = book_as_account(
        page,
        live_server,
        topic="digitalisierung",
        advisor=brandt,
        monday=monday_in(2),
        agenda=agenda,
    )
    uid = unquote(urlsplit(page.url).path.rsplit("/", 1)[1])

    join = page.get_by_role("link", name="Videokonferenz beitreten")
    expect(join).to_be_visible()
    room = join.get_attribute("href")
    assert room == ROOM
    axe_check(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="In den Kalender eintragen (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    downloaded = icalendar.Calendar.from_ical(download.path().read_bytes())
    assert str(downloaded["METHOD"]) == "PUBLISH"
    (saved,) = downloaded.walk("VEVENT")
    assert str(saved["UID"]) == uid
    assert saved.decoded("DTSTART") == utc(first)

    page.get_by_role("link", name="Verschieben").click()
    expect(page.get_by_role("heading", level=1, name="Termin verschieben")).to_be_visible()
    starts = offered_starts(page)
    moved_to = next(start for start in reversed(starts) if start != first)
    slot_links(page).nth(starts.index(moved_to)).click()
    page.get_by_role("button", name="Auf diese Zeit verschieben").click()
    expect(page.get_by_role("status")).to_contain_text("Der Termin ist verschoben.")
    expect(page.get_by_role("link", name="Videokonferenz beitreten")).to_have_attribute(
        "href", room
    )

    page.get_by_role("link", name="Absagen").click()
    page.get_by_role("button", name="Termin absagen").click()
    expect_booking_page(page, status="abgesagt")
    expect(page.get_by_role("link", name="Videokonferenz beitreten")).to_have_count(0)

    for recipient in (CLIENT, ADVISOR):
        mails = [mail for mail in deliver_mail(recipient) if agenda in mail.text]
        assert len(mails) == 3, [mail.subject for mail in mails]
        sequences = []
        for mail, expected_method, expected_start in zip(
            mails, ("REQUEST", "REQUEST", "CANCEL"), (first, moved_to, moved_to), strict=True
        ):
            mime_method, event, method = calendar_of(mail)
            assert mime_method == method == expected_method, mail.subject
            assert str(event["UID"]) == uid
            assert event.decoded("DTSTART") == utc(expected_start)
            assert str(event["LOCATION"]).endswith(room)
            organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
            assert organizer == parseaddr(str(mail.message["From"]))[1]
            attendees = {str(a).removeprefix("mailto:") for a in event.get("ATTENDEE")}
            assert attendees == {CLIENT, ADVISOR}
            sequences.append(int(event["SEQUENCE"]))
        assert sequences == sorted(set(sequences)), f"SEQUENCE must go up: {sequences}"
        assert str(event["STATUS"]) == "CANCELLED"
        assert ERSTGESPRAECH in str(event["SUMMARY"])
        assert MEETING.search(mails[1].text)
