"""The site's frame in Chromium: the hub's colour, and a header that stays short on phones.

The live app of this module has a red accent, so the colour seen comes from configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ACCENT = "#e30613"  # a strong red: white text on it reaches 4.5:1
MAX_PHONE_HEADER = 90  # px: the free times must not hide below a tall header


@pytest.fixture(scope="module")
def live_app(demo_hub) -> Iterator[Flask]:
    with demo_hub(HUB_ACCENT_COLOR=ACCENT) as app:
        yield app


def phone(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    return context.new_page()


def log_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(f"{live_server}/konto/anmelden")


def header_height(page: Page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def test_buttons_wear_the_configured_accent(page: Page, live_server: str, axe_check) -> None:
    page.goto(live_server)
    button = page.locator("main a.button").first
    colours = button.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    assert colours == ["rgb(227, 6, 19)", "rgb(255, 255, 255)"]
    axe_check(page)  # every text in the new colour still reaches WCAG AA


@pytest.mark.parametrize("email", [None, "andreas.krueger@rheinchem.example"])
def test_phone_header_is_short_and_every_link_reachable(
    browser: Browser, live_server: str, email: str | None
) -> None:
    page = phone(browser)
    if email:
        log_in(page, live_server, email)
    page.goto(f"{live_server}/beratung/termine")
    assert header_height(page) <= MAX_PHONE_HEADER
    # The first free time is on the first screen, below the header, not pushed off it.
    first_time = page.locator("main a[href*='/beratung/buchen']").first.bounding_box()
    assert first_time["y"] + first_time["height"] <= PHONE["height"]

    # The navigation row scrolls sideways: a link reached by Tab comes into view.
    links = page.locator(".site-nav a, .site-nav button")
    assert links.count() >= 3
    page.locator(".brand").focus()
    for index in range(links.count()):
        page.keyboard.press("Tab")
        expect(links.nth(index)).to_be_focused()
        box = links.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], index
    page.context.close()


def test_desktop_header_is_one_row(page: Page, live_server: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(live_server)
    brand, nav = page.locator(".brand"), page.locator(".site-nav")
    assert abs(brand.bounding_box()["y"] - nav.bounding_box()["y"]) < 20
    assert header_height(page) < 80
