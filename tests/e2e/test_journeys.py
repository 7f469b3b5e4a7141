"""What a visitor does with the site, in a real browser, with axe-core on every page seen.

Locators go by role and label, as a screen reader would; finding a field by its label also
proves the label is wired to it. Boosted links and HTMX forms swap the page without a
reload, so the tests wait with ``expect`` (which retries) and never sleep.
"""

from __future__ import annotations

import re
from itertools import count

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Korrekt-Pferd-Batterie-9"
CONSENT = "Ich habe die Datenschutzhinweise gelesen"
_numbers = count(1)


def unique_email() -> str:
    """A new address per journey: the server and database live for the whole module."""
    return f"e2e-{next(_numbers)}@rheinwerk.example"


def open_home(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # htmx is loaded (deferred) and has boosted the page before anything is clicked.
    page.wait_for_function("() => window.htmx !== undefined")


def fill_registration(page: Page, *, name: str, email: str, password: str) -> None:
    page.get_by_label("Ihr Name").fill(name)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_label("Passwort wiederholen").fill(password)
    page.get_by_label("Unternehmen", exact=True).fill("Rheinwerk Kunststofftechnik GmbH")
    page.get_by_label("Branche", exact=True).fill("Kunststoff")
    page.get_by_label("Ort", exact=True).fill("Grevenbroich")
    page.get_by_label("Unternehmensgröße").select_option(label="10–49 Beschäftigte")
    page.get_by_label(CONSENT).check()


def test_register_verify_login_logout(
    page: Page, live_server: str, deliver_mail, axe_check
) -> None:
    """The whole way into an account and out again: register, confirm the address from the
    mail that really went over SMTP, log in, see the member navigation, log out."""
    email = unique_email()

    open_home(page, live_server)
    expect(page.get_by_role("heading", name="Themen")).to_be_visible()
    expect(page.get_by_role("heading", name="Digitalisierung", exact=True)).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Registrieren"
    ).click()
    expect(page).to_have_url(f"{live_server}/konto/registrieren")
    expect(
        page.get_by_role("heading", level=1, name="Konto für Ihr Unternehmen anlegen")
    ).to_be_visible()
    axe_check(page)

    fill_registration(page, name="Petra Schneider", email=email, password=PASSWORD)
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page).to_have_url(f"{live_server}/konto/postfach")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")
    expect(page).to_have_title(re.compile("^Bitte prüfen Sie Ihr Postfach"))
    axe_check(page)

    mails = deliver_mail(email)
    assert [mail.subject for mail in mails] == ["Bitte bestätigen Sie Ihre E-Mail-Adresse"]
    assert "Hallo Petra Schneider" in mails[0].text
    link = mails[0].link
    assert link.startswith(f"{live_server}/konto/bestaetigen/")

    page.goto(link)  # opening the link (as a mail scanner would) confirms nothing yet
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
    axe_check(page)
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    expect(page).to_have_url(re.compile(r"/konto/anmelden\?email="))
    expect(page.get_by_role("status")).to_contain_text("Ihre E-Mail-Adresse ist bestätigt")
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)
    axe_check(page)

    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Sie sind angemeldet.")
    expect(page).to_have_url(f"{live_server}/")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    expect(navigation.get_by_role("link", name="Profil")).to_be_visible()
    expect(navigation.get_by_role("link", name="Organisation")).to_be_visible()
    expect(navigation.get_by_role("link", name="Anmelden")).to_have_count(0)
    axe_check(page)

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Sie sind abgemeldet.")
    expect(navigation.get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    axe_check(page)


def test_form_errors_keep_what_was_typed(page: Page, live_server: str, axe_check) -> None:
    """A rejected registration comes back through HTMX in place: the error sits at its
    field, nothing typed is lost, the keyboard lands on the field to fix, the URL stays."""
    email = unique_email()
    page.goto(f"{live_server}/konto/registrieren")
    page.wait_for_function("() => window.htmx !== undefined")
    axe_check(page)

    fill_registration(page, name="Jonas Weber", email=email, password="zu-kurz")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Konto anlegen").click()
    assert answer.value.status == 422
    assert answer.value.request.headers.get("hx-request") == "true"

    password = page.get_by_label("Passwort", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("mindestens 10 Zeichen"))
    expect(page.locator("#password-error")).to_contain_text("mindestens 10 Zeichen")
    expect(page.get_by_label("Ihr Name")).to_have_value("Jonas Weber")
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)
    expect(page.get_by_label("Unternehmen", exact=True)).to_have_value(
        "Rheinwerk Kunststofftechnik GmbH"
    )
    expect(password).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "password"
    expect(page).to_have_url(f"{live_server}/konto/registrieren")
    axe_check(page)


def test_language_switch_is_remembered(page: Page, live_server: str, axe_check) -> None:
    """Choosing English turns the page English, the choice survives navigation (a cookie),
    and "Deutsch" brings German back."""
    open_home(page, live_server)
    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("heading", name="Digitalisation", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Our advisory team")).to_be_visible()
    assert any(cookie["name"] == "lang" for cookie in page.context.cookies())
    axe_check(page)

    page.get_by_role("link", name="Legal notice", exact=True).click()
    expect(page).to_have_url(f"{live_server}/impressum")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    axe_check(page)

    # A new page load, not a boosted swap: the server itself still answers in English.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(f"{live_server}/impressum")
    expect(page.get_by_role("heading", level=1, name="Impressum")).to_be_visible()
    expect(page.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("link", name="Anmelden", exact=True)).to_be_visible()
    axe_check(page)


def test_keyboard_reaches_content_through_skip_link(
    page: Page, live_server: str, axe_check
) -> None:
    """The first Tab on a page lands on "Zum Inhalt springen", and Enter puts the keyboard
    in the main content, past the navigation."""
    open_home(page, live_server)
    axe_check(page)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "main"
    expect(page).to_have_url(f"{live_server}/#main")

    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "document.getElementById('main').contains(document.activeElement)"
    )
    assert focused_in_main, "the next Tab after the skip link should stay inside <main>"
