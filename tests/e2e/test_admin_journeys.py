"""Running the hub in Chromium (issue 12): the administration and data protection.

1. The dashboard draws its SVG charts from the demo data, follows a new date range, and a
   figure's CSV download holds exactly the rows of the table behind its chart.
2. An admin deactivates an advisor with two upcoming bookings (after a confirmation
   step), reassigns one to a colleague free at that time and cancels the other with a
   reason (the company gets the CANCEL); nothing is left to resolve and the public picker
   no longer offers the advisor.
3. A client downloads their data (a ZIP whose ``daten.json`` holds their booking), deletes
   the account with password and confirmation word, is logged out and cannot log in again;
   their advisor then sees the booking anonymised.
4. An admin erases a guest by e-mail (with a confirmation step): the advisor's booking page
   no longer shows the guest's name or address.
5. Every page reachable from the navigation, as each role, requests nothing from another
   host and logs no console error.

Each journey makes its own advisors, clients and bookings through the services, so the
demo stays as it was and the journeys run in any order. axe checks every page on the way;
the Nu HTML Checker reads each page's HTML as the browser holds it after HTMX swaps.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import pytest
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.booking.service import Guest
from app.demo import DEMO_PASSWORD
from tests.e2e import admin_pages as admin
from tests.e2e import test_advisor_workspace_journey as workspace
from tests.e2e.booking_pages import log_in, monday_in, open_day, picker_url, wait_for_htmx

pytestmark = pytest.mark.e2e

# The workspace journey's page checks, reused: axe (also at phone width) and the Nu HTML
# Checker over every page's HTML after the swaps, once per test.
nu_check = workspace.nu_check
check_page, new_advisor = workspace.check_page, workspace.new_advisor

ADMIN = "admin@industryhub.example"
BRANDT = "katharina.brandt@industryhub.example"
CLIENT = "andreas.krueger@rheinchem.example"
ADVISOR_PICK = "Beraterin oder Berater"
CANCELLED_SUBJECT = "Ihr Beratungstermin wurde abgesagt"


def short_day(day: date) -> str:
    return format_date(day, "d. MMM y", locale="de")


def second_tab(browser: Browser) -> Iterator[Page]:
    """Another person at another computer: a fresh context, as the ``page`` fixture's."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def other_page(browser: Browser) -> Iterator[Page]:
    yield from second_tab(browser)


def cancel_invite(mail) -> str:
    """The text of the mail's iCalendar attachment."""
    parts = [
        part.get_content()
        for part in mail.message.walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert parts, f"no invite in {mail.subject!r}"
    content = parts[0]
    return content.decode() if isinstance(content, bytes) else content


# --- 1. dashboard -------------------------------------------------------------------------


def test_dashboard_charts_range_and_csv_equal_to_the_table(
    page: Page, live_server: str, axe_check, nu_check
) -> None:
    log_in(page, live_server, ADMIN)
    admin.open_administration(page)
    wait_for_htmx(page)
    weeks_chart = page.get_by_role("img", name="Buchungen pro Kalenderwoche nach Status")
    expect(weeks_chart).to_be_visible()
    assert weeks_chart.locator("rect").count() >= 1, "no bar drawn from the demo bookings"
    topics_chart = page.get_by_role("img", name="Nachfrage nach Thema")
    assert topics_chart.locator("rect").count() >= 1
    check_page(page, "dashboard", axe_check, nu_check, phone=True)

    # A new range: four weeks back to the end of the week four weeks ahead.
    first, last = monday_in(-4), monday_in(4) + timedelta(days=6)
    page.get_by_label("Von", exact=True).fill(first.isoformat())
    page.get_by_label("Bis", exact=True).fill(last.isoformat())
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(rf"von={first.isoformat()}&bis={last.isoformat()}"))
    expect(page.get_by_label("Von", exact=True)).to_have_value(first.isoformat())
    expect(page.get_by_text(re.compile(r"^Zeitraum: "))).to_have_text(
        f"Zeitraum: {short_day(first)} bis {short_day(last)}"
    )
    wait_for_htmx(page)
    expect(weeks_chart).to_be_visible()

    section = page.get_by_role("region", name="Buchungen pro Woche")
    section.get_by_text("Daten als Tabelle").click()  # the <details> behind the chart
    table = section.get_by_role("table", name="Buchungen pro Kalenderwoche nach Status")
    expect(table).to_be_visible()
    shown = admin.table_rows(table)
    assert len(shown) == 9, shown  # nine calendar weeks, one row each
    assert any(int(row[-1]) > 0 for row in shown), "the demo has bookings in the range"
    check_page(page, "dashboard-range", axe_check, nu_check)

    # The CSV of that figure, downloaded as a browser does: the same header and rows.
    link = section.get_by_role("link", name=re.compile(r"^CSV herunterladen"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"buchungen_{first}_{last}.csv"
    rows = admin.parse_csv(download.path().read_bytes())
    assert rows[0] == admin.table_headers(table)
    assert rows[1:] == [[row[0], *map(admin.as_csv_value, row[1:])] for row in shown]

    # Hours and percentages too: the utilisation table against its CSV, fetched directly.
    section = page.get_by_role("region", name="Auslastung", exact=True)
    section.get_by_text("Daten als Tabelle").click()
    table = section.get_by_role("table", name="Auslastung der Beraterinnen und Berater")
    href = section.get_by_role("link", name=re.compile(r"^CSV herunterladen")).get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/csv")
    rows = admin.parse_csv(response.body())
    shown = admin.table_rows(table)
    assert shown, "the demo advisors offer hours in the range"
    headers = admin.table_headers(table)
    assert rows[0] == [*headers[:-1], f"{headers[-1]} (%)"]
    assert rows[1:] == [[row[0], *map(admin.as_csv_value, row[1:])] for row in shown]


# --- 2. deactivate an advisor ---------------------------------------------------------------


def test_deactivating_an_advisor_resolves_each_future_booking(
    page: Page, live_server: str, live_app: Flask, axe_check, nu_check, deliver_mail
) -> None:
    leaving, leaving_id = new_advisor(live_app, "Pia Lorenz", with_hours=True)
    _colleague, colleague_id = new_advisor(live_app, "Ole Brückner", with_hours=True)
    client = admin.new_client(live_app, "Lena Vogt")
    moved_agenda = "Journey: ERP-Auswahl für die Lackiererei besprechen."
    cancelled_agenda = "Journey: Sensorik an der Abfüllanlage nachrüsten."
    moved = admin.book(
        live_app,
        advisor_id=leaving_id,
        start=admin.meeting_start(weeks=2, weekday=1, hour=10),
        agenda=moved_agenda,
        client=client,
    )
    called_off = admin.book(
        live_app,
        advisor_id=leaving_id,
        start=admin.meeting_start(weeks=2, weekday=2, hour=10),
        agenda=cancelled_agenda,
        client=client,
    )
    # Before: the public picker offers her.
    open_day(page, picker_url(live_server, topic=admin.TOPIC), monday_in(2))
    expect(page.get_by_label(ADVISOR_PICK).get_by_role("option", name="Pia Lorenz")).to_have_count(
        1
    )

    log_in(page, live_server, ADMIN)
    admin.open_administration(page)
    admin.admin_section(page, "Beraterinnen und Berater", "Beraterinnen und Berater")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Pia Lorenz"))
    expect(row).to_contain_text("aktiv, buchbar")
    row.get_by_role("link", name="Pia Lorenz").click()
    expect(page.get_by_role("heading", level=1, name="Pia Lorenz")).to_be_visible()
    bookings = page.get_by_role("region", name="Anstehende Termine")
    expect(bookings.get_by_role("row")).to_have_count(3)  # header and two bookings

    # The confirmation step says what will happen; only its button deactivates.
    page.get_by_role("link", name="Deaktivieren …").click()
    expect(page.get_by_role("heading", level=1, name="Pia Lorenz deaktivieren?")).to_be_visible()
    expect(page.get_by_text("2 anstehende Termine müssen danach")).to_be_visible()
    check_page(page, "advisor-deactivate", axe_check, nu_check)
    page.get_by_role("button", name="Deaktivieren", exact=True).click()
    expect(admin.flash(page, "Pia Lorenz ist deaktiviert")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Pia Lorenz")).to_be_visible()
    to_resolve = page.get_by_role("region", name="Termine klären")
    expect(to_resolve).to_contain_text("2 Termine liegen noch bei dieser deaktivierten Person")
    expect(to_resolve.get_by_role("row")).to_have_count(3)
    check_page(page, "advisor-to-resolve", axe_check, nu_check, phone=True)

    # Reassign the first to a colleague free at that time.
    to_resolve.locator(f"#booking-{moved}").get_by_role("link", name="Neu zuweisen").click()
    expect(page.get_by_role("heading", level=1, name="Termin neu zuweisen")).to_be_visible()
    wait_for_htmx(page)
    candidates = page.get_by_role("group", name="Wer übernimmt den Termin?")
    expect(candidates.get_by_label("Pia Lorenz")).to_have_count(0)
    check_page(page, "booking-reassign", axe_check, nu_check)
    candidates.get_by_label(re.compile(r"^Ole Brückner")).check()
    page.get_by_role("button", name="Neu zuweisen").click()
    expect(admin.flash(page, "Der Termin liegt jetzt bei Ole Brückner")).to_be_visible()
    expect(to_resolve.get_by_role("row")).to_have_count(2)
    expect(to_resolve.locator(f"#booking-{moved}")).to_have_count(0)
    assert admin.booking_status(live_app, moved) == ("confirmed", colleague_id)

    # Cancel the second, with a reason for the company.
    to_resolve.locator(f"#booking-{called_off}").get_by_role("link", name="Absagen").click()
    expect(page.get_by_role("heading", level=1, name="Termin absagen?")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_role("button", name="Termin absagen").click()  # no reason yet
    reason_field = page.get_by_label("Grund der Absage")
    expect(reason_field).to_have_attribute("aria-invalid", "true")
    check_page(page, "booking-cancel-error", axe_check, nu_check)
    reason = "Frau Lorenz hat den Hub verlassen; wir melden uns mit einem neuen Termin."
    reason_field.fill(reason)
    page.get_by_role("button", name="Termin absagen").click()
    expect(
        admin.flash(page, "Der Termin ist abgesagt; die Firma ist per E-Mail informiert.")
    ).to_be_visible()
    expect(page.get_by_role("region", name="Termine klären")).to_have_count(0)
    expect(page.get_by_role("region", name="Anstehende Termine")).to_contain_text(
        "Keine anstehenden Termine."
    )
    assert admin.booking_status(live_app, called_off) == ("cancelled", leaving_id)
    check_page(page, "advisor-resolved", axe_check, nu_check)

    # Nothing left to resolve on the list either.
    admin.admin_section(page, "Beraterinnen und Berater", "Beraterinnen und Berater")
    expect(page.get_by_text(re.compile(r"Pia Lorenz \(deaktiviert\)"))).to_have_count(0)

    # The picker no longer offers her.
    open_day(page, picker_url(live_server, topic=admin.TOPIC), monday_in(2))
    picker = page.get_by_label(ADVISOR_PICK)
    expect(picker.get_by_role("option", name="Ole Brückner")).to_have_count(1)
    expect(picker.get_by_role("option", name="Pia Lorenz")).to_have_count(0)

    # The company: the cancellation with the reason and a CANCEL invite; the moved meeting
    # with the new advisor's name.
    mails = deliver_mail(client)
    cancelled = [m for m in mails if m.subject == CANCELLED_SUBJECT]
    assert len(cancelled) == 1, [m.subject for m in mails]
    assert reason in cancelled[0].text
    assert "METHOD:CANCEL" in cancel_invite(cancelled[0])
    assert any("Ole Brückner" in m.text for m in mails if m is not cancelled[0]), [
        m.subject for m in mails
    ]
    assert leaving  # the old advisor's address exists; her CANCEL copy is the service's test


# --- 3. export and delete one's own account ---------------------------------------------------


def test_a_client_exports_then_deletes_the_account_and_the_advisor_sees_it_anonymised(
    page: Page, other_page: Page, live_server: str, live_app: Flask, axe_check, nu_check
) -> None:
    advisor_email, advisor_id = new_advisor(live_app, "Greta Sommer", with_hours=True)
    name = "Henrik Sauer"
    client = admin.new_client(live_app, name)
    agenda = "Journey: Datenstrategie für unsere drei Standorte."
    booking_id = admin.book(
        live_app,
        advisor_id=advisor_id,
        start=admin.meeting_start(weeks=3, weekday=1, hour=10),
        agenda=agenda,
        client=client,
    )

    log_in(page, live_server, client)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Profil"
    ).click()
    page.get_by_role("link", name="Ihre Daten: herunterladen oder Konto löschen").click()
    expect(page.get_by_role("heading", level=1, name="Ihre Daten und Datenschutz")).to_be_visible()
    expect(page.get_by_text("1 Termin, den Sie gebucht haben")).to_be_visible()
    wait_for_htmx(page)
    check_page(page, "privacy-overview", axe_check, nu_check, phone=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Meine Daten herunterladen").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    with zipfile.ZipFile(BytesIO(download.path().read_bytes())) as archive:
        data = json.loads(archive.read("daten.json"))
    assert data["profile"]["email"] == client
    assert data["profile"]["name"] == name
    assert [b["agenda"] for b in data["bookings"]] == [agenda]

    page.get_by_role("link", name="Konto löschen …").click()
    expect(page.get_by_role("heading", level=1, name="Konto löschen")).to_be_visible()
    expect(page.get_by_text("Dieser kommende Termin wird abgesagt:")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Greta Sommer")).to_have_count(1)
    wait_for_htmx(page)
    # A wrong confirmation word first: an inline error, nothing deleted.
    page.get_by_label("Ihr Passwort").fill(DEMO_PASSWORD)
    page.get_by_label("Bestätigung: Tippen Sie LÖSCHEN").fill("ja")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    confirm = page.get_by_label("Bestätigung: Tippen Sie LÖSCHEN")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    check_page(page, "delete-account-error", axe_check, nu_check)
    page.get_by_label("Ihr Passwort").fill(DEMO_PASSWORD)
    confirm.fill("LÖSCHEN")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(admin.flash(page, "Ihr Konto ist gelöscht.")).to_be_visible()
    main_nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(main_nav.get_by_role("link", name="Anmelden")).to_be_visible()  # logged out
    expect(main_nav.get_by_role("link", name="Profil")).to_have_count(0)

    # The old address and password lead nowhere.
    page.goto(f"{live_server}/konto/anmelden")
    wait_for_htmx(page)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(client)
    page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("E-Mail-Adresse oder Passwort ist falsch.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Anmelden")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Profil")).to_have_count(0)
    expect(page.get_by_text("Sie sind angemeldet.")).to_have_count(0)

    # The advisor: the meeting is called off and shows nobody.
    log_in(other_page, live_server, advisor_email)
    other_page.goto(f"{live_server}/berater/termin/{booking_id}")
    expect(other_page.locator("#booking-status")).to_have_text("Status: abgesagt")
    main = other_page.get_by_role("main")
    expect(main).not_to_contain_text(name)
    expect(main).not_to_contain_text(client)
    expect(main).not_to_contain_text(agenda)
    contact = other_page.locator("dl.summary dt:text-is('Ansprechperson') + dd")
    expect(contact).to_have_text("Gelöschtes Konto")
    check_page(other_page, "advisor-booking-erased", axe_check, nu_check)


# --- 4. erase a guest ---------------------------------------------------------------------


def test_an_admin_erases_a_guest_by_email_and_the_advisor_sees_nobody(
    page: Page, other_page: Page, live_server: str, live_app: Flask, axe_check, nu_check
) -> None:
    advisor_email, advisor_id = new_advisor(live_app, "Tilo Hartmann", with_hours=True)
    agenda = "Journey: Online-Buchung für unsere Zimmer."
    guest = Guest("Wiebke Jansen", "wiebke.jansen@gaestehaus.example", "Gästehaus Jansen")
    booking_id = admin.book(
        live_app,
        advisor_id=advisor_id,
        start=admin.meeting_start(weeks=3, weekday=3, hour=11),
        agenda=agenda,
        guest=guest,
    )
    log_in(other_page, live_server, advisor_email)
    other_page.goto(f"{live_server}/berater/termin/{booking_id}")
    expect(other_page.get_by_role("main")).to_contain_text(guest.email)  # before: all shown

    log_in(page, live_server, ADMIN)
    admin.open_administration(page)
    admin.admin_section(page, "Datenschutz", "Datenschutz-Anfragen")
    wait_for_htmx(page)
    check_page(page, "privacy-requests", axe_check, nu_check, phone=True)

    # First the guest's data, for them: a ZIP with their booking.
    export = page.get_by_role("region", name="Daten exportieren")
    export.get_by_label("Eine Gast-Adresse").check()
    export.get_by_label("E-Mail-Adresse").fill(guest.email)
    with page.expect_download() as download_info:
        export.get_by_role("button", name="Daten exportieren").click()
    with zipfile.ZipFile(BytesIO(download_info.value.path().read_bytes())) as archive:
        data = json.loads(archive.read("daten.json"))
    assert [b["agenda"] for b in data["bookings"]] == [agenda]
    expect(page.get_by_role("heading", level=1, name="Datenschutz-Anfragen")).to_be_visible()

    erase = page.get_by_role("region", name="Gastdaten löschen")
    erase.get_by_label("E-Mail-Adresse").fill(guest.email.upper())  # as a person might write it
    erase.get_by_role("button", name="Weiter zur Bestätigung").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Gastdaten von .+ löschen\?$")))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("löschen?")
    expect(heading).not_to_contain_text(guest.email)  # the address shows masked
    expect(page.get_by_text("1 Buchung wird anonymisiert")).to_be_visible()
    expect(page.get_by_text("1 kommender Termin wird abgesagt")).to_be_visible()
    check_page(page, "privacy-confirm-guest", axe_check, nu_check)
    page.get_by_role("button", name="Ja, endgültig löschen").click()
    expect(
        admin.flash(page, "Die Gastdaten sind gelöscht: 1 Termine anonymisiert, 1 abgesagt.")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Datenschutz-Anfragen")).to_be_visible()

    # Asked again, the address is unknown: nothing is left to find.
    erase = page.get_by_role("region", name="Gastdaten löschen")
    erase.get_by_label("E-Mail-Adresse").fill(guest.email)
    erase.get_by_role("button", name="Weiter zur Bestätigung").click()
    expect(page.get_by_role("alert")).to_contain_text("Zu dieser Adresse haben wir nichts gefunden")

    # The advisor's page of that booking: cancelled, anonymised.
    other_page.reload()
    expect(other_page.locator("#booking-status")).to_have_text("Status: abgesagt")
    main = other_page.get_by_role("main")
    for gone in (guest.name, guest.email, guest.company, agenda):
        expect(main).not_to_contain_text(gone)
    contact = other_page.locator("dl.summary dt:text-is('Ansprechperson') + dd")
    expect(contact).to_have_text("Anonymisiert")
    check_page(other_page, "advisor-booking-guest-erased", axe_check, nu_check)


# --- 5. no foreign requests -------------------------------------------------------------------

NAVIGATIONS = (
    ", ".join(
        f"nav[aria-label='{name}'] a[href]"
        for name in ("Hauptnavigation", "Verwaltung", "Arbeitsplatz")
    )
    + ", header a[href], footer a[href]"
)
NOT_PAGES = re.compile(r"\.(csv|ics|pdf|json|zip)(\?|$)|/abmelden")


def main_pages(live_server: str, role: str) -> list[str]:
    """The main pages of each section a role can open, besides its navigation's links."""
    public = [
        "/",
        "/beratung/",
        "/beratung/termine?type=erstgespraech&topic=digitalisierung",
        "/impressum",
        "/datenschutz",
    ]
    pages = {
        "anonymous": [*public, "/konto/anmelden", "/konto/registrieren"],
        "client": [*public, "/konto/profil", "/konto/datenschutz/"],
        "advisor": [*public, "/konto/profil", "/konto/datenschutz/", "/berater/"],
        "admin": [*public, "/konto/profil", "/konto/datenschutz/", "/admin/"],
    }[role]
    return [live_server + path for path in pages]


def same_host_links(page: Page, live_server: str) -> list[str]:
    hrefs = page.locator(NAVIGATIONS).evaluate_all("links => links.map(link => link.href)")
    host = urlsplit(live_server).netloc
    return [
        href.split("#")[0]
        for href in hrefs
        if urlsplit(href).netloc == host and not NOT_PAGES.search(href)
    ]


@pytest.mark.parametrize(
    ("role", "email"),
    [("anonymous", None), ("client", CLIENT), ("advisor", BRANDT), ("admin", ADMIN)],
)
def test_no_page_requests_anything_from_another_host(
    page: Page, live_server: str, role: str, email: str | None
) -> None:
    host = urlsplit(live_server).netloc
    foreign: list[str] = []
    errors: list[str] = []
    current = {"url": ""}

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob"):
            return
        if parts.netloc != host:
            foreign.append(f"{current['url']} → {request.url}")

    page.on("request", on_request)
    page.on(
        "console",
        lambda message: (
            errors.append(f"{current['url']}: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"{current['url']}: {error}"))
    if email is not None:
        log_in(page, live_server, email)

    queue = main_pages(live_server, role)
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        current["url"] = url
        response = page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
        page.wait_for_load_state("networkidle")  # HTMX's own loads (previews, panels) too
        queue.extend(link for link in same_host_links(page, live_server) if link not in seen)

    assert len(seen) >= 7, sorted(seen)
    if role == "admin":
        assert any(url.endswith("/admin/protokoll") for url in seen), sorted(seen)
    if role == "advisor":
        assert any(url.endswith("/berater/kalender") for url in seen), sorted(seen)
    assert foreign == [], "\n".join(foreign)
    assert errors == [], "\n".join(errors)
