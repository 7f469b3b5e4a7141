"""The booking on a hub's own website: framed from an allowed origin, refused elsewhere.

The "hub website" is a tiny http.server on another port. Reached as ``http://localhost:P``
it is the origin in ``EMBED_ORIGINS``; reached as ``http://127.0.0.1:P`` it is another
origin, which must not frame us. ``localhost`` and ``127.0.0.1`` are different *sites* too,
so cookies in the frame are third-party cookies, as on a real hub's website.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import urlopen

import pytest
from flask import Flask
from playwright.sync_api import Browser, Frame, Page, expect

from app.models.types import utcnow
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

OPEN_OUTSIDE = "In neuem Fenster öffnen"  # only the framed layout has this link


def host_page(src: str, script: str) -> bytes:
    """The hub's page: our booking in an iframe, our embed.js, and a record of messages."""
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Industry Hub</title></head>
<body>
<main>
<h1>Beratung beim Industry Hub</h1>
<iframe src="{escape(src)}" title="Beratung buchen" width="640" height="150"></iframe>
</main>
<script>
  window.messages = [];
  window.addEventListener("message", function (event) {{
    window.messages.push({{origin: event.origin, data: event.data}});
  }});
  document.querySelector("iframe").addEventListener("load", function () {{
    window.frameLoaded = true;
  }});
</script>
<script src="{escape(script)}"></script>
</body></html>""".encode()


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def host_site(live_port: int, host_port: int) -> Iterator[None]:
    """Serves the hub's page at ``/?src=<url>`` on ``host_port``."""
    script = f"http://127.0.0.1:{live_port}/static/js/embed.js"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            src = parse_qs(urlsplit(self.path).query).get("src", ["about:blank"])[0]
            body = host_page(src, script)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", host_port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-host-site", daemon=True)
    thread.start()
    yield
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_app(demo_hub, host_port: int) -> Iterator[Flask]:
    """The demo hub, framable by ``http://localhost:<host_port>`` only."""
    with demo_hub(EMBED_ORIGINS=f"http://localhost:{host_port}") as app:
        yield app


def framed(page: Page, host: str, src: str) -> Frame:
    """Open the hub's page framing ``src``; the iframe's frame once it has loaded."""
    page.goto(f"{host}/?{urlencode({'src': src})}")
    page.wait_for_function("window.frameLoaded === true")
    return page.frames[1]


def test_allowed_origin_frames_the_booking_sized_by_its_content(
    page: Page, live_server: str, host_site: None, host_port: int, axe_check
) -> None:
    frame = framed(page, f"http://localhost:{host_port}", f"{live_server}/beratung/?embed=1")

    expect(frame.locator("main h1")).to_be_visible()
    expect(frame.get_by_role("link", name=OPEN_OUTSIDE)).to_be_visible()
    expect(frame.locator(".site-header")).to_have_count(0)  # compact: no site header

    # Our page tells its height, and embed.js sizes the iframe to it (from 150px).
    page.wait_for_function(
        "window.messages.some(m => m.data && m.data.type === 'sprechstunde:height')"
    )
    message = page.evaluate("window.messages.find(m => m.data.type === 'sprechstunde:height')")
    assert message["origin"] == live_server
    assert set(message["data"]) == {"type", "height"}
    page.wait_for_function("document.querySelector('iframe').style.height !== ''")
    height = page.evaluate("document.querySelector('iframe').clientHeight")
    reported = page.evaluate(
        "window.messages.filter(m => m.data.type === 'sprechstunde:height').pop().data.height"
    )
    assert height == reported > 300
    axe_check(page)

    # A boosted navigation inside the frame (a fetch, without ?embed=1) stays compact too.
    frame.locator("main a[href*='/beratung/buchen']").first.click()
    expect(frame.locator("[name=agenda]")).to_be_visible()
    assert "embed=1" not in frame.url
    expect(frame.get_by_role("link", name=OPEN_OUTSIDE)).to_be_visible()
    expect(frame.locator(".site-header")).to_have_count(0)


def test_framed_journey_works_without_javascript(
    browser: Browser, live_server: str, host_site: None, host_port: int
) -> None:
    """No script on either side: the frame keeps its own height and scrolls, and every
    page inside it is compact, as the browser says where it loads (Sec-Fetch-Dest)."""
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(f"http://localhost:{host_port}/?{urlencode({'src': f'{live_server}/beratung/'})}")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("link", name=OPEN_OUTSIDE)).to_be_visible()
    frame.locator("main a[href*='/beratung/buchen']").first.click()
    expect(frame.locator("[name=agenda]")).to_be_visible()
    expect(frame.get_by_role("link", name=OPEN_OUTSIDE)).to_be_visible()
    expect(frame.locator(".site-header")).to_have_count(0)
    assert page.evaluate("document.querySelector('iframe').getAttribute('height')") == "150"
    context.close()


def _console(page: Page) -> list[str]:
    texts: list[str] = []
    page.on("console", lambda message: texts.append(message.text))
    return texts


def test_other_origin_and_other_pages_are_refused(
    page: Page, live_server: str, host_site: None, host_port: int
) -> None:
    console = _console(page)
    # The hub's page from an origin that is not in EMBED_ORIGINS: the browser refuses.
    frame = framed(page, f"http://127.0.0.1:{host_port}", f"{live_server}/beratung/?embed=1")
    expect(frame.get_by_text(OPEN_OUTSIDE)).to_have_count(0)
    assert not frame.url.startswith(live_server)
    assert any("frame-ancestors" in text for text in console), console
    assert page.evaluate("window.messages.length") == 0

    # The allowed origin, but a page outside the booking journey: refused as well.
    console.clear()
    frame = framed(page, f"http://localhost:{host_port}", f"{live_server}/konto/anmelden")
    expect(frame.get_by_label("Passwort")).to_have_count(0)
    assert not frame.url.startswith(live_server)
    assert any("frame-ancestors" in text for text in console), console


def free_slot(live_server: str) -> str:
    """The booking link of a free time next week or later, from the public API."""
    start = (utcnow() + timedelta(days=7)).date()
    query = urlencode(
        {
            "type": "erstgespraech",
            "topic": "digitalisierung",
            "advisor": "any",
            "from": start.isoformat(),
            "to": (start + timedelta(days=13)).isoformat(),
        }
    )
    with urlopen(f"{live_server}/api/v1/slots?{query}") as response:  # noqa: S310 (local)
        slots = json.load(response)["slots"]
    assert slots, "the demo hub has no free time in the next three weeks"
    return slots[0]["book_url"]


def test_guest_books_inside_the_frame(
    page: Page, live_server: str, host_site: None, host_port: int, deliver_mail
) -> None:
    """The form's CSRF token lives in the session: the cookie must reach the frame."""
    book_url = free_slot(live_server)
    separator = "&" if "?" in book_url else "?"
    frame = framed(page, f"http://localhost:{host_port}", f"{book_url}{separator}embed=1")

    frame.locator("[name=guest_name]").fill("Jana Vogt")
    frame.locator("[name=guest_email]").fill("jana.vogt@rheinwerk.example")
    frame.locator("[name=guest_company]").fill("Rheinwerk GmbH")
    frame.locator("[name=agenda]").fill("Wie digitalisieren wir unsere Wartung?")
    frame.locator("[name=accept_privacy]").check()
    frame.locator("main form button[type=submit]").last.click()

    expect(frame.locator("[name=guest_name]")).to_have_count(0)  # the answer is in
    expect(frame.locator(".alert-error")).to_have_count(0)  # no "session expired"
    expect(frame.get_by_role("link", name=OPEN_OUTSIDE)).to_be_visible()  # still compact
    mails = deliver_mail("jana.vogt@rheinwerk.example")
    assert len(mails) == 1
