"""A first visit books the first free time, wherever the visitor is: in New York and in
Berlin on a phone, with a zone chosen in the picker, and by keyboard alone.

The picker draws its first screen in the hub's zone (nothing has told the server the
browser's yet); app.js then writes the browser's zone into a cookie and redraws the
calendar in it, so the visitor never has to convert a time. Every time shown and mailed is
compared with the instant booked (the ``start`` of the booking form's URL).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from itertools import count
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect

from app.extensions import limiter

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PATTERN = {"de": "EEEE, d. MMMM y", "en": "EEEE, d MMMM y"}
SHOW_URL = re.compile(r"/beratung/termin/[^/?]+\?token=")
_numbers = count(1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_app) -> None:
    limiter.reset()


def visitor(browser: Browser, zone: str, locale: str, viewport: dict | None = None) -> Page:
    context = browser.new_context(
        timezone_id=zone, locale=locale, viewport=viewport or {"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def meeting(start: datetime, zone: str, language: str, minutes: int = 30) -> str:
    """A meeting as pages and mails write it: "Tuesday, 1 December 2026, 03:00–03:30 (…)"."""
    begins = start.astimezone(ZoneInfo(zone))
    ends = begins + timedelta(minutes=minutes)
    day = format_date(begins.date(), PATTERN[language], locale=language)
    return f"{day}, {begins:%H:%M}–{ends:%H:%M} ({zone})"


def start_of(url: str) -> datetime:
    return datetime.fromisoformat(parse_qs(urlsplit(url).query)["start"][0])


def open_picker_in_browser_zone(page: Page, live_server: str, zone_note: str) -> None:
    page.goto(f"{live_server}/beratung/termine")
    expect(page.locator(".zone-note")).to_have_text(zone_note)
    page.wait_for_load_state("networkidle")


def book_as_guest(page: Page, email: str) -> None:
    page.fill("input[name=guest_name]", "Erin Walsh")
    page.fill("input[name=guest_email]", email)
    page.fill("input[name=guest_company]", "Hudson Valley Robotics Inc.")
    page.fill("textarea[name=agenda]", "Retrofitting our packaging line with sensors")
    page.check("input[name=accept_privacy]")
    page.locator("#booking-form button[type=submit]").click()
    expect(page).to_have_url(SHOW_URL)


@pytest.mark.parametrize(
    ("zone", "locale", "language", "note"),
    [
        ("America/New_York", "en-US", "en", "Times in America/New_York"),
        ("Europe/Berlin", "de-DE", "de", "Zeiten in Europe/Berlin"),
    ],
)
def test_a_first_visit_on_a_phone_books_the_first_free_time_in_its_own_zone(
    browser: Browser, live_server: str, deliver_mail, axe_check, zone, locale, language, note
) -> None:
    page = visitor(browser, zone, locale, PHONE)
    email = f"first-{next(_numbers)}@visitor.example"
    began = time.monotonic()

    open_picker_in_browser_zone(page, live_server, note)
    first = page.locator("ul.times a.slot").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], (
        "the first free time is on the first screen of a phone"
    )
    shown = first.inner_text()
    axe_check(page)
    first.click()
    expect(page.locator(".chosen-time")).to_be_visible()
    start = start_of(page.url)
    assert shown == f"{start.astimezone(ZoneInfo(zone)):%H:%M}", "the time shown is local"
    expect(page.locator(".chosen-time")).to_contain_text(meeting(start, zone, language))
    axe_check(page)

    book_as_guest(page, email)
    elapsed = time.monotonic() - began
    assert elapsed < 30, f"booking took {elapsed:.1f} s"
    expect(page.locator("dl.summary")).to_contain_text(meeting(start, zone, language))
    axe_check(page)

    (request,) = deliver_mail(email)
    assert meeting(start, zone, language) in request.text, "the mail says the local time"
    page.goto(request.link)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(SHOW_URL)
    expect(page.locator("dl.summary")).to_contain_text(meeting(start, zone, language))
    confirmed = deliver_mail(email)[-1]
    assert confirmed is not request and meeting(start, zone, language) in confirmed.text
    page.context.close()


def test_a_zone_chosen_in_the_picker_follows_the_booking(
    browser: Browser, live_server: str, axe_check
) -> None:
    page = visitor(browser, "Europe/Berlin", "de-DE")
    open_picker_in_browser_zone(page, live_server, "Zeiten in Europe/Berlin")
    page.evaluate("() => { window.__samePage = true; }")
    with page.expect_response(lambda response: "tz=Asia%2FTokyo" in response.url):
        page.get_by_label("Zeitzone").select_option("Asia/Tokyo")
    expect(page.locator(".zone-note")).to_have_text("Zeiten in Asia/Tokyo")
    assert page.evaluate("() => window.__samePage === true"), "no page load"
    first = page.locator("ul.times a.slot").first
    shown = first.inner_text()
    first.click()
    expect(page.locator(".chosen-time")).to_be_visible()
    start = start_of(page.url)
    assert shown == f"{start.astimezone(ZoneInfo('Asia/Tokyo')):%H:%M}"
    expect(page.locator(".chosen-time")).to_contain_text(meeting(start, "Asia/Tokyo", "de"))
    axe_check(page)
    page.context.close()


def test_the_calendar_works_by_keyboard_with_few_tab_stops(
    browser: Browser, live_server: str
) -> None:
    page = visitor(browser, "Europe/Berlin", "de-DE")
    open_picker_in_browser_zone(page, live_server, "Zeiten in Europe/Berlin")
    page.focus("#month-title")
    stops = []
    while not page.evaluate("() => document.activeElement.matches('a.slot')"):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.className")
        )
        assert len(stops) <= 6, f"too many tab stops before the first time: {stops}"
    assert any(stop.startswith("day-") for stop in stops), "the chosen day is one tab stop"

    # The first free day of a month two weeks ahead; the arrow goes on to the next free one.
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    page.goto(f"{live_server}/beratung/termine?day={today + timedelta(weeks=2)}")
    page.wait_for_load_state("networkidle")
    free_days = page.locator("a.day-link").evaluate_all("links => links.map(link => link.id)")
    assert len(free_days) >= 2, free_days
    page.focus(f"#{free_days[0]}")
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("() => document.activeElement.id")
    assert moved == free_days[1], "the arrow moves to the next free day"
    page.keyboard.press("Enter")
    expect(page.locator("#day-title")).to_be_focused()
    expect(page.locator(f"td[aria-selected=true] #{moved}")).to_have_count(1)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('ul.times a.slot')")
    page.context.close()
