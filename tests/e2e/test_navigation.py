"""Finding one's way: focus after a boosted page change, the current navigation item, and
home page cards that lead straight into the picker (issue 8, items 8 and 9).

A marker set on ``window`` before a click survives only a boosted (HTMX) page change, not a
full reload; the tests check it so they prove what happens after a boosted swap, where the
browser itself would leave focus on <body>.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

ACTIVE = "() => `${document.activeElement.tagName}:${document.activeElement.textContent.trim()}`"


def open_home(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.sameDocument = true; }")


def active(page: Page) -> str:
    return page.evaluate(ACTIVE)


def nav_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=name)


def test_after_a_nav_link_focus_is_on_the_new_h1_and_the_link_is_current(
    page: Page, live_server: str, axe_check
) -> None:
    open_home(page, live_server)
    expect(nav_link(page, "Anmelden")).not_to_have_attribute("aria-current", "page")

    nav_link(page, "Anmelden").click()

    expect(page).to_have_title(re.compile(r"^Anmelden · "))
    page.wait_for_function("() => document.activeElement.tagName === 'H1'")
    assert active(page) == "H1:Anmelden"
    assert page.evaluate("() => window.sameDocument") is True  # boosted, not reloaded
    expect(nav_link(page, "Anmelden")).to_have_attribute("aria-current", "page")
    # The keyboard goes on in the content, not at the top of the header again.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    axe_check(page)


def test_a_form_with_errors_keeps_focus_on_the_first_error(page: Page, live_server: str) -> None:
    open_home(page, live_server)
    nav_link(page, "Anmelden").click()
    page.wait_for_function("() => document.activeElement.tagName === 'H1'")

    page.get_by_role("main").get_by_role("button", name="Anmelden").click()

    email = page.get_by_label("E-Mail-Adresse")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()


def test_home_cards_lead_into_the_picker_with_that_choice(
    page: Page, live_server: str, axe_check
) -> None:
    open_home(page, live_server)
    axe_check(page)
    topics = page.get_by_role("region", name="Themen")

    # The whole card is the link: a click on its description (not the heading) follows it.
    text = topics.get_by_text("Welche Daten Sie haben")
    text.scroll_into_view_if_needed()
    box = text.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    expect(page).to_have_url(re.compile(r"/beratung/termine\?topic=datenstrategie$"))
    expect(page.get_by_label("Thema")).to_have_value("datenstrategie")
    page.wait_for_function("() => document.activeElement.tagName === 'H1'")
    assert page.evaluate("() => window.sameDocument") is True
    expect(nav_link(page, "Beratung buchen")).to_have_attribute("aria-current", "page")


def test_an_advisor_card_is_one_tab_stop_and_opens_the_picker_with_them(
    page: Page, live_server: str
) -> None:
    open_home(page, live_server)
    card = page.get_by_role("link", name="Julia Hoffmann")
    card.focus()
    expect(card).to_be_focused()
    # The focus ring is drawn around the whole card (the link's ::after covers it).
    ring = card.evaluate("a => getComputedStyle(a, '::after').outlineStyle")
    assert ring == "solid"

    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"advisor=\d+&topic=nachhaltige-geschaeftsmodelle"))
    expect(page.get_by_label("Beraterin oder Berater")).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_label("Beraterin oder Berater").locator("option:checked")).to_have_text(
        "Julia Hoffmann"
    )
