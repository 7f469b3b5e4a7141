"""Pages of the booking journey as a browser user sees them: helpers the journeys share."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import count
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Advisor, User

BERLIN = ZoneInfo("Europe/Berlin")
CONSENT = "Ich habe die Datenschutzhinweise gelesen"
AGENDA = "Worüber möchten Sie sprechen?"
ERSTGESPRAECH = "Erstgespräch Digitalisierung"
BRANDT, BECKER = "Dr. Katharina Brandt", "Thomas Becker"
TAKEN = "Dieser Termin wurde gerade vergeben"
SHOW_URL = re.compile(r"/beratung/termin/[^/?]+\?token=")
# "Montag, 15. Juni 2026, 09:00–09:30 (Europe/Berlin)", as pages and mails write a meeting.
MEETING = re.compile(r"\w+, \d{1,2}\. \w+ \d{4}, \d{2}:\d{2}–\d{2}:\d{2} \(Europe/Berlin\)")
_numbers = count(1)


def guest_email() -> str:
    """A new guest address per booking: the SMTP server keeps every mail of the module."""
    return f"gast-{next(_numbers)}@rheinwerk.example"


def monday_in(weeks: int) -> date:
    """The Monday ``weeks`` weeks after this one, in the hub's (and the browser's) zone."""
    today = datetime.now(BERLIN).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def day_title(day: date) -> str:
    return format_date(day, "EEEE, d. MMMM", locale="de")


def month_title(day: date) -> str:
    return format_date(day, "MMMM y", locale="de")


def advisor_id(live_app: Flask, email: str) -> int:
    with live_app.app_context():
        found = db.session.scalar(
            sa.select(Advisor.id).join(Advisor.user).where(User.email == email)
        )
        db.session.remove()
    assert found is not None, email
    return found


def picker_url(live_server: str, *, topic: str, advisor: int | str = "any") -> str:
    params = {"type": "erstgespraech", "topic": topic, "advisor": advisor}
    return f"{live_server}/beratung/termine?{urlencode(params)}"


def wait_for_htmx(page: Page) -> None:
    page.wait_for_function("() => window.htmx !== undefined")


def log_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/konto/anmelden")
    wait_for_htmx(page)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Sie sind angemeldet.")


def open_day(page: Page, url: str, day: date) -> None:
    """The picker at ``url`` on ``day``: its month, the day chosen, its times listed."""
    page.goto(f"{url}&day={day.isoformat()}")
    expect(page.get_by_role("heading", level=1, name="Termin wählen")).to_be_visible()
    expect(page.locator("#day-title")).to_have_text(day_title(day))
    wait_for_htmx(page)


def open_picker(page: Page, url: str, monday: date) -> date:
    """The picker on the first day of ``monday``'s week that has free times; that day."""
    for day in (monday + timedelta(days=n) for n in range(7)):
        open_day(page, url, day)
        if slot_links(page).count():
            return day
    raise AssertionError(f"nothing free in the week of {monday}")


def slot_links(page: Page) -> Locator:
    """The free times the picker offers on the chosen day ("09:00", "09:30" …)."""
    return page.locator("#slot-picker ul.times").get_by_role(
        "link", name=re.compile(r"^\d{2}:\d{2}$")
    )


def offered_starts(page: Page) -> list[str]:
    """The ``start`` of every offered time, in the order shown (UTC, ``…T07:00Z``)."""
    hrefs = slot_links(page).evaluate_all("links => links.map(link => link.href)")
    return [parse_qs(urlsplit(href).query)["start"][0] for href in hrefs]


def local_day(start: str) -> date:
    return datetime.fromisoformat(start).astimezone(BERLIN).date()


def start_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["start"][0]


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the picker's ``label`` select and wait for the picker's swap (a
    select already showing ``option`` sends nothing)."""
    select = page.get_by_label(label, exact=True)
    if select.locator("option:checked").inner_text() == option:
        return
    with page.expect_response(lambda response: "/beratung/termine" in response.url):
        select.select_option(label=option)
    page.wait_for_load_state("networkidle")


def next_month(page: Page, first: date) -> None:
    """Click "Nächster Monat" and wait until the picker shows the month starting ``first``."""
    page.get_by_role("link", name="Nächster Monat").click()
    expect(page.locator("#month-title")).to_have_text(month_title(first))
    expect(page).to_have_url(re.compile(rf"[?&]day={first.isoformat()}(&|$)"))


def choose_slot(page: Page, index: int = 0) -> tuple[str, str]:
    """Follow the picker's ``index``-th time to the booking form; return its UTC start and
    the meeting as the form spells it out."""
    slot_links(page).nth(index).click()
    expect(page.get_by_role("heading", level=1, name="Termin buchen")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/beratung/buchen\?.*start="))
    wait_for_htmx(page)
    return start_of(page.url), chosen_meeting(page)


def chosen_meeting(page: Page) -> str:
    text = page.locator(".chosen-time").inner_text()
    found = MEETING.search(text)
    assert found, f"no meeting time in {text!r}"
    return found.group(0)


def fill_guest(page: Page, *, name: str, email: str, company: str) -> None:
    page.get_by_label("Ihr Name").fill(name)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Unternehmen", exact=True).fill(company)
    page.get_by_label(CONSENT).check()


def submit_booking(page: Page) -> None:
    page.get_by_role("button", name="Verbindlich buchen").click()


def summary_value(page: Page, term: str) -> Locator:
    """The ``<dd>`` after the ``<dt>`` named ``term`` on a booking's page ("Wann", "Mit")."""
    return page.locator(f"dl.summary dt:text-is('{term}') + dd")


def expect_booking_page(page: Page, *, status: str, meeting: str | None = None) -> None:
    expect(page).to_have_url(SHOW_URL)
    expect(page.locator("p.status")).to_have_text(f"Status: {status}")
    if meeting is not None:
        expect(summary_value(page, "Wann")).to_contain_text(meeting)


def mail_about(mails, subject: str, needle: str):
    """The one mail with ``subject`` whose text mentions ``needle`` (an agenda, a time)."""
    found = [mail for mail in mails if mail.subject == subject and needle in mail.text]
    assert len(found) == 1, (subject, needle, [(m.subject, m.text) for m in mails])
    return found[0]


def book_as_account(
    page: Page, live_server: str, *, topic: str, advisor: int, monday: date, agenda: str
) -> tuple[str, str]:
    """A logged-in client books the first free time of ``monday``'s week; returns the UTC
    start and the meeting text, and leaves the page on the confirmed booking."""
    open_picker(page, picker_url(live_server, topic=topic, advisor=advisor), monday)
    start, meeting = choose_slot(page)
    page.get_by_label(AGENDA).fill(agenda)
    submit_booking(page)
    expect_booking_page(page, status="bestätigt", meeting=meeting)
    return start, meeting
