"""Page weight as a visitor's browser pays it (DESIGN.md §9): the bytes Chromium receives for
each journey page with a cold cache, every response counted (HTML, styles, scripts, the
picker's fragments, icons), compressed as sent, headers included. The booking page with
its picker must stay at or below 60 KB.

A second visit must take every fingerprinted file from the cache without asking the
server again (``immutable``): the live server's own count of requests proves it.

Run alone with ``-s`` to see the table: ``pytest tests/e2e/test_page_weight.py -s``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Request

from app.static_files import HASHED_NAME
from tests.e2e.booking_pages import log_in, wait_for_htmx

BOOKING_BUDGET = 60 * 1024
ADMIN = "admin@industryhub.example"
ADVISOR = "katharina.brandt@industryhub.example"
CLIENT = "andreas.krueger@rheinchem.example"


class SeenPaths:
    """The paths the server was asked for, in order: a WSGI wrapper around the live app,
    outside WhiteNoise, so static files count too."""

    def __init__(self, app) -> None:
        self.app = app
        self.paths: list[str] = []

    def __call__(self, environ, start_response):
        self.paths.append(environ.get("PATH_INFO", ""))
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def live_app(demo_hub) -> Iterator[Flask]:
    with demo_hub() as app:
        app.wsgi_app = SeenPaths(app.wsgi_app)
        yield app


def transferred(
    page: Page, url: str, settle: Callable[[Page], None] | None = None
) -> dict[str, int]:
    """Bytes received per URL for loading ``url`` in ``page``, the browser cache emptied
    first (the body as sent, compressed, plus the response headers)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    finished: list[Request] = []

    def record(request: Request) -> None:
        finished.append(request)

    page.on("requestfinished", record)
    page.goto(url, wait_until="networkidle")
    if settle:
        settle(page)
        page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", record)
    received: dict[str, int] = {}
    for request in finished:
        sizes = request.sizes()
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        received[f"/{path}"] = received.get(f"/{path}", 0) + (
            sizes["responseBodySize"] + sizes["responseHeadersSize"]
        )
    return received


def first_canvas(page: Page, base: str) -> str:
    page.goto(f"{base}/canvas/")
    href = page.locator("main a[href^='/canvas/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).find(h => /^\\/canvas\\/\\d+$/.test(h))"
    )
    assert href, "the demo client has a canvas"
    return base + href


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(15_000)
    return context.new_page()


def test_journey_pages_are_light_and_the_booking_page_within_budget(
    browser: Browser, live_server: str
):
    weights: dict[str, int] = {}
    visitor = new_page(browser)
    weights["home"] = transferred(visitor, f"{live_server}/")
    weights["booking page (picker)"] = transferred(
        visitor, f"{live_server}/beratung/termine", settle=wait_for_htmx
    )
    weights["login"] = transferred(visitor, f"{live_server}/konto/anmelden")
    visitor.context.close()

    client = new_page(browser)
    log_in(client, live_server, CLIENT)
    weights["canvas board"] = transferred(client, first_canvas(client, live_server))
    client.context.close()

    advisor = new_page(browser)
    log_in(advisor, live_server, ADVISOR)
    weights["advisor agenda"] = transferred(advisor, f"{live_server}/berater/")
    advisor.context.close()

    admin = new_page(browser)
    log_in(admin, live_server, ADMIN)
    weights["admin dashboard"] = transferred(admin, f"{live_server}/admin/")
    admin.context.close()

    totals = {name: sum(received.values()) for name, received in weights.items()}
    print("\nBytes transferred, cold cache, compressed, all responses with headers:")
    for name, size in totals.items():
        print(f"  {name:24} {size / 1024:6.1f} KB  ({len(weights[name])} responses)")
    print("The booking page, response by response:")
    for path, size in sorted(weights["booking page (picker)"].items(), key=lambda kv: -kv[1]):
        print(f"  {size / 1024:6.1f} KB  {path[:90]}")
    assert totals["booking page (picker)"] <= BOOKING_BUDGET, totals
    assert all(size <= 150 * 1024 for size in totals.values()), totals


def test_a_second_visit_asks_for_no_fingerprinted_file(
    browser: Browser, live_server: str, live_app: Flask
):
    page = new_page(browser)
    seen: SeenPaths = live_app.wsgi_app
    seen.paths.clear()
    journey = [f"{live_server}/beratung/termine", f"{live_server}/"]
    for url in journey:
        page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(500)  # the favicon is asked for after the page settled
    fetched = {path for path in seen.paths if HASHED_NAME.search(path)}
    assert len(fetched) >= 5, "the pages link their styles, scripts and icon by fingerprint"
    seen.paths.clear()
    for url in journey:
        page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(500)
    asked_again = [path for path in seen.paths if path in fetched]
    assert asked_again == [], f"asked again instead of taken from the cache: {asked_again}"
    assert "/beratung/termine" in seen.paths  # the pages themselves were asked for
    page.context.close()
