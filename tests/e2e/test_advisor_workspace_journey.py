"""The advisor workspace in Chromium, as a new advisor runs her calendar without help.

1. From an empty account (a topic, no hours): the agenda says what to do first; on
   "Zeiten" she builds a week (Mon 09–12 and 13–17, copied to all weekdays) and saves it
   without a reload; the preview and then the public picker offer her.
2. She takes a day off that the picker offered, and adds her Bundesland's public holidays
   (preview, then one step): the day vanishes from the preview and the picker, and so
   does the next holiday on a weekday when one falls within the picker's weeks.
3. From the agenda, by keyboard, she opens a past meeting that brought a canvas, writes a
   private note and marks a no-show: badge and history follow without a reload.
4. Every other workspace section once more, at desktop and phone width.

axe checks every page on the way (agenda and hours also at 390 px); the Nu HTML Checker
checks each page's HTML as the browser holds it after the HTMX swaps (``page.content()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path

import holidays as holidays_package
import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from app.booking import service as booking_service
from app.canvas import attach
from app.database import begin_write
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import (
    Advisor,
    AvailabilityRule,
    Canvas,
    ConsultationType,
    Role,
    Topic,
    User,
)
from app.models.types import utcnow
from tests.e2e.booking_pages import (
    BERLIN,
    log_in,
    monday_in,
    open_day,
    open_picker,
    picker_url,
    slot_links,
    wait_for_htmx,
)
from tests.test_html import nu_errors

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}
TOPIC = "digitalisierung"
CLIENT = "andreas.krueger@rheinchem.example"
CANVAS = "Sensorgestütztes Dosier-Abo"  # Rheinchem's approved demo canvas
BRANDT = "katharina.brandt@industryhub.example"
ADVISOR_PICK = "Beraterin oder Berater"
# The week the journeys build: Mon 09–12 and 13–17, every weekday.
WEEK = [(time(9), time(12)), (time(13), time(17))]
_numbers = count(1)


# --- set-up, as an admin would have left it -------------------------------------------


def new_advisor(live_app: Flask, name: str, *, with_hours: bool) -> tuple[str, int]:
    """An advisor of "Digitalisierung" with the demo password; without hours, or with
    ``WEEK`` on Monday to Friday. Returns the e-mail address and the advisor's id."""
    email = f"journey-{next(_numbers)}-{name.split()[-1].lower()}@industryhub.example"
    with live_app.app_context():
        topic = db.session.scalar(sa.select(Topic).where(Topic.slug == TOPIC))
        user = User(email=email, name=name, role=Role.ADVISOR.value, email_verified_at=utcnow())
        user.set_password(DEMO_PASSWORD)
        advisor = Advisor(user=user, topics=[topic])
        db.session.add(advisor)
        db.session.flush()
        if with_hours:
            for weekday in range(5):
                for start, end in WEEK:
                    db.session.add(
                        AvailabilityRule(
                            advisor_id=advisor.id, weekday=weekday, start_time=start, end_time=end
                        )
                    )
        db.session.commit()
        advisor_id = advisor.id
        db.session.remove()
    return email, advisor_id


def coming_holiday(today: date, besides: date) -> tuple[date, str] | None:
    """The first public holiday in Nordrhein-Westfalen, by the ``holidays`` package, on a
    weekday that the picker could offer (from two days on, within the first consultation's
    60 days), other than ``besides``; None when there is none (in summer, say)."""
    found = holidays_package.country_holidays(
        "DE", subdiv="NW", years=[today.year, today.year + 1], language="de"
    )
    return next(
        (
            (day, name)
            for day, name in sorted(found.items())
            if day.weekday() < 5
            and day != besides
            and today + timedelta(days=2) <= day <= today + timedelta(days=55)
        ),
        None,
    )


def past_meeting_with_canvas(live_app: Flask, advisor_id: int) -> tuple[int, str]:
    """A first consultation that Rheinchem booked a week ahead, bringing its approved
    canvas, and that took place on the last working day before today (10:00 Berlin):
    booked through the booking service as of then. Returns its id and agenda."""
    today = datetime.now(BERLIN).date()
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    start = datetime.combine(day, time(10), BERLIN).astimezone(UTC)
    agenda = f"Journey {advisor_id}: Dosier-Abo mit dem Pilotkunden durchrechnen."
    with live_app.app_context():
        begin_write(db.session())  # the service locks the advisor's row: a writer from the start
        client = User.by_email(CLIENT)
        booking = booking_service.book(
            ctype=db.session.scalar(
                sa.select(ConsultationType).where(ConsultationType.slug == "erstgespraech")
            ),
            topic=db.session.scalar(sa.select(Topic).where(Topic.slug == TOPIC)),
            advisor=db.session.get(Advisor, advisor_id),
            start=start,
            agenda=agenda,
            booker=client,
            now=start - timedelta(days=7),
        )
        canvas = db.session.scalar(
            sa.select(Canvas).where(
                Canvas.organisation_id == client.organisation_id, Canvas.title == CANVAS
            )
        )
        attach.attach(booking, attach.choice_value(canvas.id, canvas.version_count))
        db.session.commit()
        booking_id = booking.id
        db.session.remove()
    return booking_id, agenda


# --- what the pages look like to their user --------------------------------------------


@pytest.fixture
def nu_check(tmp_path: Path) -> Iterator[Callable[[Page, str], None]]:
    """Keep the HTML the browser holds now (after any HTMX swap); the Nu HTML Checker
    reads all of a test's pages at its end (one Java start per test)."""
    files: list[str] = []

    def keep(page: Page, name: str) -> None:
        file = tmp_path / f"{len(files):02d}-{name}.html"
        file.write_text(page.content(), encoding="utf-8")
        files.append(str(file))

    yield keep
    if files:
        errors = nu_errors(files)
        assert errors == [], "\n".join(
            f"{Path(e.get('url', '')).name}:{e.get('lastLine')}: {e.get('message')}" for e in errors
        )


def check_page(page: Page, name: str, axe_check, nu_check, *, phone: bool = False) -> None:
    """axe at desktop width (and at phone width), then keep the HTML for Nu."""
    axe_check(page)
    if phone:
        page.set_viewport_size(PHONE)
        axe_check(page)
        page.set_viewport_size(DESKTOP)
    nu_check(page, name)


def mark_document(page: Page) -> None:
    """A flag on this document: it is gone after any full page load."""
    page.evaluate("() => { window.__sameDocument = true; }")


def expect_same_document(page: Page) -> None:
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"


def alert(page: Page, text: str) -> Locator:
    """The flash message in the page's live region (``#alerts``, role=status)."""
    return page.locator("#alerts[role=status][aria-live=polite]").filter(has_text=text)


def preview(page: Page) -> Locator:
    return page.get_by_role("region", name="So sieht es im Buchungskalender aus")


def preview_day(page: Page, day: date) -> Locator:
    label = format_date(day, "EEE, d. MMM", locale="de")
    return (
        preview(page)
        .locator("li.preview-day")
        .filter(has=page.locator(".preview-date", has_text=label))
    )


def free_total(page: Page) -> int:
    hint = preview(page).get_by_text(re.compile(r"freie Zeiten? in den nächsten zwei Wochen"))
    found = re.match(r"(\d+) ", hint.inner_text())
    assert found, hint.inner_text()
    return int(found.group(1))


def times_of(page: Page) -> list[str]:
    return slot_links(page).all_inner_texts()


def open_workspace(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Arbeitsplatz", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Agenda")).to_be_visible()


def workspace_section(page: Page, label: str, heading: str) -> None:
    nav = page.get_by_role("navigation", name="Arbeitsplatz")
    nav.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    wait_for_htmx(page)


def hours_field(page: Page, day: str, number: int, end: str) -> Locator:
    return page.get_by_label(f"{day}, Zeitraum {number}: {end}", exact=True)


# --- journeys ---------------------------------------------------------------------------


def test_an_empty_account_sets_up_a_week_and_the_picker_offers_it(
    page: Page, live_server: str, live_app: Flask, axe_check, nu_check
) -> None:
    name = "Mira Neumann"
    email, advisor = new_advisor(live_app, name, with_hours=False)

    # Without hours nobody is offered her: the picker's advisor list leaves her out.
    open_day(page, picker_url(live_server, topic=TOPIC), monday_in(1))
    expect(page.get_by_label(ADVISOR_PICK).get_by_role("option", name=name)).to_have_count(0)

    log_in(page, live_server, email)
    open_workspace(page)
    first_steps = page.get_by_role("region", name="Willkommen! So werden Sie buchbar")
    expect(first_steps).to_be_visible()
    check_page(page, "agenda-empty", axe_check, nu_check, phone=True)

    first_steps.get_by_role("link", name="Zeiten eintragen").click()
    expect(page.get_by_role("heading", level=1, name="Ihre Zeiten")).to_be_visible()
    wait_for_htmx(page)
    expect(page.get_by_role("heading", name="Noch bucht Sie niemand")).to_be_visible()
    expect(preview(page)).to_contain_text("0 freie Zeiten in den nächsten zwei Wochen")
    expect(page.get_by_label("Zeitzone Ihrer Zeiten")).to_have_value("Europe/Berlin")
    check_page(page, "hours-empty", axe_check, nu_check, phone=True)
    mark_document(page)

    # Monday: + twice (each + proposes a range; she types her own), then copy to Mon–Fri.
    page.get_by_role("button", name="Montag: Zeitraum hinzufügen").click()
    expect(hours_field(page, "Montag", 1, "Beginn")).to_be_focused()
    hours_field(page, "Montag", 1, "Beginn").fill("09:00")
    hours_field(page, "Montag", 1, "Ende").fill("12:00")
    page.get_by_role("button", name="Montag: Zeitraum hinzufügen").click()
    expect(hours_field(page, "Montag", 2, "Beginn")).to_be_focused()
    hours_field(page, "Montag", 2, "Beginn").fill("13:00")
    hours_field(page, "Montag", 2, "Ende").fill("17:00")
    expect(hours_field(page, "Montag", 1, "Ende")).to_have_value("12:00")
    page.get_by_role("button", name="Zeiten vom Montag auf Montag bis Freitag übertragen").click()
    for day in ("Dienstag", "Mittwoch", "Donnerstag", "Freitag"):
        expect(hours_field(page, day, 1, "Beginn")).to_have_value("09:00")
        expect(hours_field(page, day, 2, "Ende")).to_have_value("17:00")
    expect(hours_field(page, "Samstag", 1, "Beginn")).to_have_count(0)
    expect(page.get_by_text("Noch nicht gespeichert.")).to_be_visible()
    expect(preview(page)).to_contain_text("0 freie Zeiten")  # nothing saved yet

    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(alert(page, "Ihre Zeiten sind gespeichert.")).to_be_visible()
    expect(page.get_by_role("heading", name="Noch bucht Sie niemand")).to_have_count(0)
    expect(page.get_by_text("Noch nicht gespeichert.")).to_have_count(0)  # one message only
    # The preview fetches itself after the save: now it lists free times.
    expect(preview(page)).not_to_contain_text("0 freie Zeiten")
    assert free_total(page) > 0
    expect(preview(page).locator("time", has_text="09:00").first).to_be_visible()
    expect(preview(page).get_by_text(re.compile(r"\+ \d+ weitere")).first).to_be_visible()
    expect_same_document(page)
    check_page(page, "hours-saved", axe_check, nu_check, phone=True)

    # The public picker offers her now, in the hours she saved.
    url = picker_url(live_server, topic=TOPIC, advisor=advisor)
    day = open_picker(page, url, monday_in(1))
    assert day.weekday() < 5, day
    expect(page.get_by_label(ADVISOR_PICK).get_by_role("option", name=name)).to_have_count(1)
    offered = times_of(page)
    assert offered[0] == "09:00", offered
    assert "13:00" in offered, offered
    assert not [t for t in offered if t.startswith("12:") or t >= "17:00" or t < "09:00"], offered


def test_a_day_off_vanishes_from_preview_and_picker(
    page: Page, live_server: str, live_app: Flask, axe_check, nu_check
) -> None:
    email, advisor = new_advisor(live_app, "Jonas Albrecht", with_hours=True)
    log_in(page, live_server, email)
    url = picker_url(live_server, topic=TOPIC, advisor=advisor)
    free_day = open_picker(page, url, monday_in(1))
    assert times_of(page), free_day

    open_workspace(page)
    workspace_section(page, "Abwesenheiten", "Abwesenheiten und Sonderzeiten")
    expect(page.get_by_text("Zurzeit ist nichts geplant.")).to_be_visible()
    expect(preview_day(page, free_day)).to_contain_text("09:00")
    total = free_total(page)
    check_page(page, "absences-empty", axe_check, nu_check)
    mark_document(page)

    form = page.locator("#absence-form")
    form.get_by_label("Erster Tag").fill(free_day.isoformat())
    form.get_by_label("Anlass (optional)").fill("Messe in Hannover")
    form.get_by_role("button", name="Abwesenheit eintragen").click()
    expect(alert(page, "Die Abwesenheit ist eingetragen.")).to_be_visible()
    planned = page.get_by_role("region", name="Geplant")
    card = planned.get_by_role("listitem").filter(has_text="Messe in Hannover")
    expect(card).to_contain_text(format_date(free_day, "d. MMMM y", locale="de"))
    # The preview, fetched again after the save, has nothing left on that day.
    expect(preview_day(page, free_day)).to_contain_text("nichts frei")
    assert free_total(page) < total
    expect_same_document(page)
    check_page(page, "absences-added", axe_check, nu_check)

    # Her Bundesland's public holidays: shown first, then added in one step. The year of
    # the next one the picker could offer, else next year (all of it still to come).
    holiday = coming_holiday(today=datetime.now(BERLIN).date(), besides=free_day)
    year = str(holiday[0].year if holiday else datetime.now(BERLIN).year + 1)
    holidays = page.locator("#holidays")
    for label, option in (
        ("Bundesland", {"label": "Nordrhein-Westfalen"}),
        ("Jahr", {"value": year}),
    ):
        # Each choice swaps the holiday part: choose the next in the new one.
        with page.expect_response(lambda response: "region=" in response.url):
            holidays.get_by_label(label).select_option(**option)
        expect(page).to_have_url(re.compile(r"region=NW"))
    expect(holidays.get_by_label("Jahr")).to_have_value(year)
    expect(holidays.get_by_text("wird eingetragen").first).to_be_visible()
    if holiday:
        shown = holidays.get_by_role("listitem").filter(has_text=holiday[1])
        expect(shown).to_contain_text("wird eingetragen")
    check_page(page, "holidays-preview", axe_check, nu_check)
    add = holidays.get_by_role("button", name=re.compile(r"^\d+ Feiertage? eintragen$"))
    added = int(add.inner_text().split()[0])
    add.click()
    expect(alert(page, re.compile(rf"^\s*{added} Feiertage? eingetragen\."))).to_be_visible()
    expect(planned.get_by_role("listitem")).to_have_count(1 + added)
    expect(planned.get_by_role("listitem").filter(has_text="Messe in Hannover")).to_have_count(1)
    if holiday:
        expect(planned.get_by_role("listitem").filter(has_text=holiday[1])).to_have_count(1)
    expect_same_document(page)
    check_page(page, "holidays-added", axe_check, nu_check)

    # The public picker: those days have no free time any more; the rest of the week has.
    open_day(page, url, free_day)
    expect(slot_links(page)).to_have_count(0)
    assert open_picker(page, url, monday_in(1)) != free_day
    if holiday:
        open_day(page, url, holiday[0])
        expect(slot_links(page)).to_have_count(0)


def test_a_past_meeting_with_a_canvas_gets_a_note_and_a_no_show(
    page: Page, live_server: str, live_app: Flask, axe_check, nu_check
) -> None:
    email, advisor = new_advisor(live_app, "Clara Wendt", with_hours=True)
    booking_id, agenda = past_meeting_with_canvas(live_app, advisor)
    log_in(page, live_server, email)
    open_workspace(page)
    outcomes = page.get_by_role("region", name=re.compile(r"^Ergebnis eintragen"))
    link = outcomes.get_by_role("link", name="Rheinchem Spezialchemie GmbH")
    expect(link).to_be_visible()
    check_page(page, "agenda", axe_check, nu_check, phone=True)

    # By keyboard: Tab until the meeting's link has the focus, then Enter.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the meeting in “Ergebnis eintragen”")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/berater/termin/{booking_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rheinchem Spezialchemie GmbH")
    wait_for_htmx(page)
    expect(page.get_by_role("region", name="Agenda des Unternehmens")).to_contain_text(agenda)
    canvas = page.get_by_role("region", name="Canvas", exact=True)
    expect(canvas.get_by_role("link", name=CANVAS)).to_be_visible()
    expect(canvas).to_contain_text("Freigegeben")
    status = page.locator("#booking-status")
    expect(status).to_have_text("Status: bestätigt")
    history = page.get_by_role("region", name="Verlauf")
    expect(page.get_by_text("Der Termin ist vorbei. Hat er stattgefunden?")).to_be_visible()
    check_page(page, "booking", axe_check, nu_check)
    mark_document(page)

    notes = page.get_by_role("region", name="Private Notizen")
    note = "Kein Rückruf vom Pilotkunden; nächste Woche nachfassen."
    notes.get_by_label("Notiz", exact=True).fill(note)
    notes.get_by_role("button", name="Notiz speichern").click()
    expect(alert(page, "Notiz gespeichert.")).to_be_visible()
    expect(notes.get_by_role("listitem").filter(has_text=note)).to_contain_text("Clara Wendt")
    expect(notes.get_by_label("Notiz", exact=True)).to_have_value("")

    page.get_by_role("button", name="Nicht erschienen").click()
    expect(alert(page, "Ergebnis gespeichert.")).to_be_visible()
    expect(status).to_have_text("Status: nicht erschienen")
    outcome = page.get_by_role("region", name="Ergebnis", exact=True)
    expect(outcome).to_contain_text("Markiert als: Nicht erschienen")
    expect(outcome.get_by_role("button", name="Ändern in „Durchgeführt“")).to_be_visible()
    expect(history.get_by_role("listitem").last).to_contain_text("Als nicht erschienen markiert")
    expect(history.get_by_role("listitem").last).to_contain_text("Clara Wendt")
    expect_same_document(page)
    check_page(page, "booking-no-show", axe_check, nu_check)

    # Back on the agenda the meeting no longer waits for its outcome.
    open_workspace(page)
    expect(outcomes).to_contain_text("Kein vergangener Termin wartet auf sein Ergebnis.")


def test_every_workspace_section_at_desktop_and_phone_width(
    page: Page, live_server: str, axe_check, nu_check
) -> None:
    """The demo advisor's busy workspace (bookings, holidays, a past meeting to close)."""
    log_in(page, live_server, BRANDT)
    open_workspace(page)
    check_page(page, "agenda", axe_check, nu_check, phone=True)
    sections = [
        ("Zeiten", "Ihre Zeiten", True),
        ("Abwesenheiten", "Abwesenheiten und Sonderzeiten", False),
        ("Buchungsregeln", "Buchungsregeln", False),
        ("Kalender", "Kalender", False),
    ]
    for label, heading, phone in sections:
        workspace_section(page, label, heading)
        check_page(page, label.lower(), axe_check, nu_check, phone=phone)
    # The preview follows the type chosen in it, without a reload.
    workspace_section(page, "Buchungsregeln", "Buchungsregeln")
    mark_document(page)
    panel = preview(page)
    panel.get_by_label("Beratungsart").select_option(label="Fördermittel-Sprechstunde (45 min)")
    expect(panel.get_by_label("Beratungsart")).to_have_value("foerdermittel-sprechstunde")
    expect(panel.locator("time").first).to_be_visible()
    expect_same_document(page)
    check_page(page, "settings-preview", axe_check, nu_check)
