"""Booking a consultation in a real browser: pick, book, confirm, move, cancel, collide.

The live server and its database live for the whole module, so every journey books in its
own week (counted from today, in Berlin) and with its own advisors; within a week it takes
the first day the picker offers times on, so weekends, holidays and the 24-hour notice never
matter. Journey 1 takes the first free day of next month, which can be up to five weeks
away: journeys that need Brandt free come after that.

=======  ========================  ===================================  =========
Journey  Who books                 Advisor(s)                           Week
=======  ========================  ===================================  =========
1        Andreas Krüger (account)  Dr. Katharina Brandt                 next month
2        a guest, "any advisor"    Brandt or Thomas Becker              today + 3
3        Markus Lehmann (account)  Mehmet Yılmaz (Datenstrategie)       today + 3
4        Lea Schubert (account)    Julia Hoffmann (Nachh. Geschäftsm.)  today + 3
5        three guests, "any"       Brandt and Becker                    today + 6
6        two guests at once        Becker                               today + 5
=======  ========================  ===================================  =========

axe-core runs on every booking page a journey sees.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.extensions import limiter
from tests.e2e.booking_pages import (
    AGENDA,
    BECKER,
    BERLIN,
    BRANDT,
    CONSENT,
    ERSTGESPRAECH,
    MEETING,
    TAKEN,
    advisor_id,
    book_as_account,
    choose,
    choose_slot,
    day_title,
    expect_booking_page,
    fill_guest,
    guest_email,
    local_day,
    log_in,
    mail_about,
    monday_in,
    month_title,
    next_month,
    offered_starts,
    open_day,
    open_picker,
    picker_url,
    slot_links,
    submit_booking,
    summary_value,
    wait_for_htmx,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_app: Flask) -> None:
    """Every journey is another visitor, but all of them come from 127.0.0.1: start each
    one with the booking and login limits untouched (the limits themselves stay on)."""
    limiter.reset()


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
    monday = monday_in(6)
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
