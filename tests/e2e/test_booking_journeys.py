"""Booking a consultation in a real browser: pick, book, confirm, move, cancel, collide.

The live server and its database live for the whole module, so every journey books in its
own week (counted from today, in Berlin) and with its own advisors; within a week it takes
the first day the picker offers times on, so weekends, holidays and the 24-hour notice never
matter.

=======  ========================  ===================================  =========
Journey  Who books                 Advisor(s)                           Week
=======  ========================  ===================================  =========
1        Andreas Krüger (account)  Dr. Katharina Brandt                 today + 2
2        a guest, "any advisor"    Brandt or Thomas Becker              today + 3
3        Markus Lehmann (account)  Mehmet Yılmaz (Datenstrategie)       today + 3
4        Lea Schubert (account)    Julia Hoffmann (Nachh. Geschäftsm.)  today + 3
5        three guests, "any"       Brandt and Becker                    today + 4
6        two guests at once        Becker                               today + 5
=======  ========================  ===================================  =========

axe-core runs on every booking page a journey sees.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import count
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from app.demo import DEMO_PASSWORD
from app.extensions import db, limiter
from app.models import Advisor, User

pytestmark = pytest.mark.e2e

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


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_app: Flask) -> None:
    """Every journey is another visitor, but all of them come from 127.0.0.1: start each
    one with the booking and login limits untouched (the limits themselves stay on)."""
    limiter.reset()


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


def test_account_books_with_chosen_advisor(
    page: Page, live_server: str, deliver_mail, axe_check
) -> None:
    """A logged-in client goes the whole way: the picker from the navigation, a topic and a
    named advisor chosen beside the calendar (each an HTMX swap), the next month (an HTMX
    swap of the calendar alone that pushes the URL, so back returns to this month), a free
    day, its first time, an agenda. The booking is confirmed at once, listed under "Meine
    Termine" → "Anstehend", and both the client and the advisor get a mail about it."""
    client = "andreas.krueger@rheinchem.example"
    agenda = "Journey 1: MES-Anbindung unserer Abfüllanlage"
    log_in(page, live_server, client)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Beratung buchen"
    ).click()
    expect(page).to_have_url(f"{live_server}/beratung/termine")
    expect(page.get_by_role("heading", level=1, name="Termin wählen")).to_be_visible()
    expect(page.locator("nav.steps [aria-current=step]")).to_contain_text("Termin")
    wait_for_htmx(page)
    axe_check(page)

    # A marker on window survives HTMX swaps but not a page load.
    page.evaluate("() => { window.__samePage = true; }")
    choose(page, "Beratung", ERSTGESPRAECH)
    choose(page, "Thema", "Digitalisierung")
    choose(page, "Beraterin oder Berater", BRANDT)
    expect(page).to_have_url(re.compile(r"/beratung/termine\?.*topic=digitalisierung"))
    expect(page).to_have_url(re.compile(r"[?&]advisor=\d+(&|$)"))
    expect(page.locator(".chosen-advisor")).to_contain_text(BRANDT)
    axe_check(page)

    this_month = page.locator("#month-title").inner_text()
    following = (monday_in(0).replace(day=1) + timedelta(days=32)).replace(day=1)
    if this_month != month_title(datetime.now(BERLIN).date()):
        following = (following + timedelta(days=32)).replace(day=1)  # opened on next month
    next_month(page, following)
    assert page.evaluate("() => window.__samePage === true"), "the month changed by a page load"
    expect(page.get_by_label("Beraterin oder Berater")).to_have_value(re.compile(r"^\d+$"))
    axe_check(page)

    page.go_back()
    expect(page.locator("#month-title")).to_have_text(this_month)
    wait_for_htmx(page)
    next_month(page, following)

    free_day = page.locator("a.day-link").first
    day = date.fromisoformat(free_day.get_attribute("id").removeprefix("day-"))
    free_day.click()
    expect(page.locator("#day-title")).to_have_text(day_title(day))
    expect(page.locator("#day-title")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"[?&]day={day.isoformat()}(&|$)"))
    assert page.evaluate("() => window.__samePage === true"), "the day changed by a page load"

    start, meeting = choose_slot(page)
    assert local_day(start) == day >= following, "the first free time of that day"
    expect(summary_value(page, "Mit")).to_have_text(BRANDT)
    expect(page.get_by_label("Ihr Name")).to_have_count(0)  # no guest fields for members
    axe_check(page)

    page.get_by_label(AGENDA).fill(agenda)
    submit_booking(page)
    expect_booking_page(page, status="bestätigt", meeting=meeting)
    expect(page.get_by_role("status")).to_contain_text("Ihr Termin ist gebucht.")
    expect(page.get_by_role("heading", level=1, name=ERSTGESPRAECH)).to_be_visible()
    expect(summary_value(page, "Mit")).to_have_text(BRANDT)
    expect(summary_value(page, "Agenda")).to_have_text(agenda)
    expect(page.get_by_role("link", name="Verschieben")).to_be_visible()
    axe_check(page)

    page.get_by_role("main").get_by_role("link", name="Meine Termine").click()
    expect(page).to_have_url(f"{live_server}/beratung/meine-termine")
    upcoming = page.get_by_role("region", name="Anstehend")
    expect(upcoming.get_by_role("link", name=meeting)).to_be_visible()
    expect(upcoming.get_by_role("listitem").filter(has_text=meeting)).to_contain_text(BRANDT)
    axe_check(page)

    confirmation = mail_about(deliver_mail(client), "Ihr Beratungstermin ist bestätigt", agenda)
    assert meeting in confirmation.text
    assert f"Mit: {BRANDT}" in confirmation.text
    advisor_mail = mail_about(
        deliver_mail("katharina.brandt@industryhub.example"),
        f"Neue Buchung: {ERSTGESPRAECH} mit Andreas Krüger",
        agenda,
    )
    assert meeting in advisor_mail.text


def test_guest_books_and_confirms_by_mail(
    page: Page, live_server: str, deliver_mail, axe_check
) -> None:
    """A visitor without an account books "any available advisor": the booking waits for
    the double opt-in, the mail's link shows it with a button that confirms it, and the
    page then says so."""
    email, agenda = guest_email(), "Journey 2: Erste Schritte zum digitalen Lager"
    page.goto(f"{live_server}/beratung/")
    expect(page).to_have_url(f"{live_server}/beratung/termine")
    wait_for_htmx(page)
    axe_check(page)

    choose(page, "Thema", "Digitalisierung")
    expect(page.get_by_label("Beraterin oder Berater")).to_have_value("any")
    open_picker(page, picker_url(live_server, topic="digitalisierung"), monday_in(3))
    axe_check(page)

    start, meeting = choose_slot(page)
    assert monday_in(3) <= local_day(start) < monday_in(4)
    expect(summary_value(page, "Mit")).to_have_text(
        "der ersten freien Beraterin oder dem ersten freien Berater"
    )
    axe_check(page)

    fill_guest(page, name="Jana Vogt", email=email, company="Vogt Logistik KG")
    page.get_by_label(AGENDA).fill(agenda)
    submit_booking(page)
    expect_booking_page(page, status="wartet auf Bestätigung", meeting=meeting)
    expect(page.get_by_role("main")).to_contain_text("Noch ein Schritt: Bitte bestätigen Sie")
    expect(summary_value(page, "Mit")).to_have_text(re.compile(f"^({re.escape(BRANDT)}|{BECKER})$"))
    expect(summary_value(page, "Gebucht von")).to_have_text("Jana Vogt (Vogt Logistik KG)")
    axe_check(page)

    pending = mail_about(deliver_mail(email), "Bitte bestätigen Sie Ihren Beratungstermin", agenda)
    assert meeting in pending.text
    link = pending.link
    assert link.startswith(f"{live_server}/beratung/bestaetigen/")

    page.goto(link)  # opening the link (as a mail scanner would) confirms nothing yet
    expect(page.get_by_role("heading", name="Termin bestätigen")).to_be_visible()
    expect(summary_value(page, "Wann")).to_contain_text(meeting)
    axe_check(page)
    page.get_by_role("button", name="Termin bestätigen").click()
    expect_booking_page(page, status="bestätigt", meeting=meeting)
    expect(page.get_by_role("status")).to_contain_text("Danke! Ihr Termin ist bestätigt.")
    axe_check(page)
    mail_about(deliver_mail(email), "Ihr Beratungstermin ist bestätigt", agenda)


def test_reschedule_moves_the_booking(
    page: Page, live_server: str, live_app: Flask, deliver_mail, axe_check
) -> None:
    """From a booking's page, "Verschieben" offers the advisor's free times; picking one and
    confirming moves the same booking there, and the client and advisor hear about it."""
    client, agenda = "markus@schreinerei-lehmann.example", "Journey 3: Kundendaten bündeln"
    yilmaz = advisor_id(live_app, "mehmet.yilmaz@industryhub.example")
    monday = monday_in(3)
    log_in(page, live_server, client)
    original, before = book_as_account(
        page, live_server, topic="datenstrategie", advisor=yilmaz, monday=monday, agenda=agenda
    )
    booking_path = urlsplit(page.url).path

    page.get_by_role("link", name="Verschieben").click()
    expect(page.get_by_role("heading", level=1, name="Termin verschieben")).to_be_visible()
    expect(page.get_by_text(f"Bisher: {before}")).to_be_visible()
    expect(page.locator("#day-title")).to_have_text(day_title(local_day(original)))
    axe_check(page)

    starts = offered_starts(page)
    assert original in starts, "the booking's own time stays offered while moving it"
    new_start = next(start for start in reversed(starts) if start != original)
    slot_links(page).nth(starts.index(new_start)).click()
    button = page.get_by_role("button", name="Auf diese Zeit verschieben")
    expect(button).to_be_visible()
    new_line = page.locator("p").filter(has_text="Neu:")
    after = MEETING.search(new_line.inner_text()).group(0)
    assert after != before
    axe_check(page)

    button.click()
    expect(page.get_by_role("status")).to_contain_text("Der Termin ist verschoben.")
    expect(page.get_by_role("heading", level=1, name=ERSTGESPRAECH)).to_be_visible()
    expect_booking_page(page, status="bestätigt", meeting=after)
    expect(summary_value(page, "Wann")).not_to_contain_text(before)
    assert urlsplit(page.url).path == booking_path, "the same booking (its UID), moved"
    axe_check(page)

    moved = mail_about(deliver_mail(client), "Ihr Beratungstermin wurde verschoben", agenda)
    assert f"der Termin vom {before} wurde verschoben auf:" in moved.text
    assert after in moved.text
    advisor_mail = mail_about(
        deliver_mail("mehmet.yilmaz@industryhub.example"),
        f"Termin verschoben: {ERSTGESPRAECH} – Datenstrategie mit Markus Lehmann",
        agenda,
    )
    assert "wurde verschoben auf:" in advisor_mail.text
    assert after in advisor_mail.text


def test_cancel_frees_the_time(
    page: Page, live_server: str, live_app: Flask, deliver_mail, axe_check
) -> None:
    """ "Absagen" with a reason cancels the booking (it stays on record, with the reason),
    and the time it held shows up in the picker again."""
    client, agenda = "lea.schubert@flowbit.example", "Journey 4: Pay-per-Use für Sensorik"
    reason = "Unser Geschäftsführer ist an dem Tag auf einer Messe."
    hoffmann = advisor_id(live_app, "julia.hoffmann@industryhub.example")
    monday = monday_in(3)
    url = picker_url(live_server, topic="nachhaltige-geschaeftsmodelle", advisor=hoffmann)
    log_in(page, live_server, client)
    start, meeting = book_as_account(
        page,
        live_server,
        topic="nachhaltige-geschaeftsmodelle",
        advisor=hoffmann,
        monday=monday,
        agenda=agenda,
    )
    show_url = page.url

    open_day(page, url, local_day(start))
    assert start not in offered_starts(page), "a booked time must not be offered"

    page.goto(show_url)
    page.get_by_role("link", name="Absagen").click()
    expect(page.get_by_role("heading", level=1, name="Termin absagen")).to_be_visible()
    expect(page.get_by_text(meeting)).to_be_visible()
    wait_for_htmx(page)
    axe_check(page)

    page.get_by_label("Grund (freiwillig)").fill(reason)
    page.get_by_role("button", name="Termin absagen").click()
    expect_booking_page(page, status="abgesagt", meeting=meeting)
    expect(page.get_by_role("status")).to_contain_text("Der Termin ist abgesagt.")
    expect(summary_value(page, "Grund der Absage")).to_have_text(reason)
    expect(page.get_by_role("link", name="Verschieben")).to_have_count(0)
    expect(page.get_by_role("link", name="Absagen")).to_have_count(0)
    axe_check(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Meine Termine"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Meine Termine")).to_be_visible()
    expect(
        page.get_by_role("region", name="Anstehend").get_by_role("link", name=meeting)
    ).to_have_count(0)
    expect(
        page.get_by_role("region", name="Abgesagt").get_by_role("link", name=meeting)
    ).to_be_visible()
    axe_check(page)

    open_day(page, url, local_day(start))
    assert start in offered_starts(page), "the cancelled time is free again"
    axe_check(page)
    slot_links(page).nth(offered_starts(page).index(start)).click()
    expect(page.locator(".chosen-time")).to_contain_text(meeting)  # and can be booked again

    cancelled = mail_about(deliver_mail(client), "Ihr Beratungstermin wurde abgesagt", agenda)
    assert reason in cancelled.text
    mail_about(
        deliver_mail("julia.hoffmann@industryhub.example"),
        f"Termin abgesagt: {ERSTGESPRAECH} – Nachhaltige Geschäftsmodelle mit Lea Schubert",
        agenda,
    )


def test_any_advisor_fills_both_then_refuses(page: Page, live_server: str, axe_check) -> None:
    """With "any available advisor", two bookings at the same time go to the topic's two
    advisors, one each; the picker then stops offering that time, and a third visitor whose
    form was already open gets "just taken" with fresh times instead."""
    monday = monday_in(4)
    url = picker_url(live_server, topic="digitalisierung")
    open_picker(page, url, monday)
    first_start = offered_starts(page)[0]

    late = page.context.new_page()  # a third visitor opens the form for the same time now
    params = {"type": "erstgespraech", "topic": "digitalisierung", "advisor": "any"}
    late.goto(f"{live_server}/beratung/buchen?{urlencode({**params, 'start': first_start})}")
    wait_for_htmx(late)
    page.bring_to_front()  # a background tab's timers are throttled, and htmx uses them

    advisors = []
    for number in (1, 2):
        open_picker(page, url, monday)
        assert offered_starts(page)[0] == first_start, "one advisor is still free then"
        start, meeting = choose_slot(page)
        assert start == first_start
        fill_guest(page, name=f"Gast {number}", email=guest_email(), company="Niederrhein AG")
        page.get_by_label(AGENDA).fill(f"Journey 5, Buchung {number}")
        submit_booking(page)
        expect_booking_page(page, status="wartet auf Bestätigung", meeting=meeting)
        advisors.append(summary_value(page, "Mit").inner_text().strip())
    axe_check(page)
    assert sorted(advisors) == sorted([BRANDT, BECKER])

    open_picker(page, url, monday)
    assert first_start not in offered_starts(page), "both advisors are booked then"

    late.bring_to_front()
    fill_guest(late, name="Gast 3", email=guest_email(), company="Niederrhein AG")
    late.get_by_label(AGENDA).fill("Journey 5, Buchung 3")
    with late.expect_response(lambda r: r.request.method == "POST") as answer:
        submit_booking(late)
    assert answer.value.status == 409
    expect(late.get_by_role("alert")).to_contain_text(TAKEN)
    expect(late.get_by_role("radio", name=re.compile(r"^\d{2}:\d{2}$")).first).to_be_visible()
    expect(late.locator(f'input[name="start"][value="{first_start}"]')).to_have_count(0)
    axe_check(late)
    late.close()


def test_slot_taken_while_filling_the_form(
    page: Page, browser: Browser, live_server: str, live_app: Flask, axe_check
) -> None:
    """Someone else books the time while a guest is still typing: sending the form answers
    409 "just taken" in place, keeps everything typed, and offers the week's other free
    times as radio buttons in the same form; choosing one books it."""
    becker = advisor_id(live_app, "thomas.becker@industryhub.example")
    monday = monday_in(5)
    agenda = "Journey 6: Retrofit einer Spritzgießmaschine,\nmit OPC UA und Energiemonitoring."
    email = guest_email()
    url = picker_url(live_server, topic="digitalisierung", advisor=becker)
    open_picker(page, url, monday)
    start, _ = choose_slot(page)
    form_url = page.url
    fill_guest(page, name="Kerstin Albrecht", email=email, company="Albrecht Kunststoffe GmbH")
    page.get_by_label(AGENDA).fill(agenda)
    axe_check(page)

    rival = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    try:
        other = rival.new_page()
        other.set_default_timeout(10_000)
        other.goto(form_url)
        wait_for_htmx(other)
        fill_guest(other, name="Schneller Gast", email=guest_email(), company="Eilig GmbH")
        other.get_by_label(AGENDA).fill("Journey 6: schneller")
        submit_booking(other)
        expect_booking_page(other, status="wartet auf Bestätigung")
    finally:
        rival.close()

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit_booking(page)
    assert answer.value.status == 409
    form = page.locator("form#booking-form")
    expect(form.get_by_role("alert")).to_contain_text(TAKEN)
    expect(page).to_have_url(form_url)
    expect(form.get_by_label(AGENDA)).to_have_value(agenda)
    expect(form.get_by_label("Ihr Name")).to_have_value("Kerstin Albrecht")
    expect(form.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)
    expect(form.get_by_label(CONSENT)).to_be_checked()
    radios = form.get_by_role("radio")
    expect(radios.first).to_be_visible()
    expect(form.locator(f'input[name="start"][value="{start}"]')).to_have_count(0)
    axe_check(page)

    fresh = radios.first
    fresh_start = fresh.get_attribute("value")
    assert fresh_start and fresh_start != start
    fresh.check()
    submit_booking(page)
    expect_booking_page(page, status="wartet auf Bestätigung")
    expect(summary_value(page, "Mit")).to_have_text(BECKER)
    expect(summary_value(page, "Agenda")).to_have_text(agenda)
    fresh_local = datetime.fromisoformat(fresh_start).astimezone(BERLIN)
    expect(summary_value(page, "Wann")).to_contain_text(
        f"{format_date(fresh_local.date(), 'full', locale='de')}, {fresh_local:%H:%M}–"
    )
    axe_check(page)
