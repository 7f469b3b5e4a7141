"""An advisor puts a portrait on their profile in Chromium: HTMX sends the file with its
CSRF token, a wrong file is explained beside the field, the photo then shows on the home
page (issue 8, advisor avatars)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "Sprechstunde-Demo-2026"


def photo_file(tmp_path) -> str:
    out = io.BytesIO()
    Image.new("RGB", (900, 1200), (70, 110, 160)).save(out, "JPEG")
    path = tmp_path / "portrait.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


def log_in(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(live_server + "/")


def test_an_advisor_uploads_a_portrait_that_then_shows_on_the_home_page(
    page: Page, live_server: str, axe_check, tmp_path
) -> None:
    log_in(page, live_server, "mehmet.yilmaz@industryhub.example")
    page.goto(live_server + "/konto/profil")
    page.wait_for_function("() => window.htmx !== undefined")
    section = page.get_by_role("region", name="Ihr Foto")
    expect(section.locator(".avatar-initials")).to_have_text("MY")
    axe_check(page)

    not_an_image = tmp_path / "lebenslauf.jpg"
    not_an_image.write_text("Lebenslauf, kein Bild")
    section.get_by_label("Foto").set_input_files(str(not_an_image))
    section.get_by_role("button", name="Foto hochladen").click()
    field = section.get_by_label("Foto")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(section).to_contain_text("Diese Datei ist kein Bild, das wir lesen können.")
    axe_check(page)

    field.set_input_files(photo_file(tmp_path))
    section.get_by_role("button", name="Foto hochladen").click()
    expect(page.get_by_text("Ihr Foto ist gespeichert.")).to_be_visible()
    portrait = page.get_by_role("region", name="Ihr Foto").locator("img.avatar")
    expect(portrait).to_have_attribute("alt", "")
    assert portrait.evaluate("img => img.complete && img.naturalWidth") == 256

    page.goto(live_server + "/")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Mehmet Yılmaz"))
    card.scroll_into_view_if_needed()
    expect(card.locator("img.avatar")).to_have_js_property("naturalWidth", 256)
